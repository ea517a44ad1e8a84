"""Turning delivered cells into the loader's frame: contract columns, blanks as nulls."""

from __future__ import annotations

import polars as pl

from mtqg_warehouse.contracts import Table
from mtqg_warehouse.ingest.headers import HeaderMap
from mtqg_warehouse.ingest.rows import ROW_NUMBER


def cell_columns(width: int) -> list[str]:
    """Names of the delivered columns before the header is applied: f0, f1, ..."""
    return [f"f{i}" for i in range(width)]


def to_contract_frame(header_map: HeaderMap, cells: pl.DataFrame, table: Table) -> pl.DataFrame:
    """``cells`` has ``_row_number`` and f0..fn in delivered order; the result, contract order."""
    columns = [
        _blank_to_null(pl.col(f"f{position}")) if position is not None else pl.lit(None, pl.String)
        for position in header_map.positions
    ]
    return cells.select(
        pl.col(ROW_NUMBER).cast(pl.Int64),
        *[expr.alias(name) for expr, name in zip(columns, table.column_names, strict=True)],
    )


def _blank_to_null(column: pl.Expr) -> pl.Expr:
    stripped = column.cast(pl.String).str.strip_chars()
    return pl.when(stripped == "").then(None).otherwise(stripped)
