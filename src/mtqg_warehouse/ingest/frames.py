"""Turning delivered cells into the loader's frame: contract columns, blanks as nulls."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from mtqg_warehouse.contracts import Table
from mtqg_warehouse.ingest.headers import map_header
from mtqg_warehouse.ingest.rows import ORIGINAL, ROW_NUMBER


def to_contract_frame(path: Path, header: list[str], cells: pl.DataFrame, table: Table) -> pl.DataFrame:
    """``cells`` has ``_row_number``, ``_original`` and columns f0..fn in delivered order."""
    header_map = map_header(path, header, table)
    columns = [
        _blank_to_null(pl.col(f"f{position}")) if position is not None else pl.lit(None, pl.String)
        for position in header_map.positions
    ]
    return cells.select(
        pl.col(ROW_NUMBER).cast(pl.Int64),
        pl.col(ORIGINAL),
        *[expr.alias(name) for expr, name in zip(columns, table.column_names, strict=True)],
    )


def _blank_to_null(column: pl.Expr) -> pl.Expr:
    stripped = column.cast(pl.String).str.strip_chars()
    return pl.when(stripped == "").then(None).otherwise(stripped)
