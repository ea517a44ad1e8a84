"""Turning delivered cells into the loader's frame: contract columns, blanks as nulls."""

from __future__ import annotations

import numpy as np
import polars as pl

from mtqg_warehouse.contracts.model import Table
from mtqg_warehouse.ingest.headers import HeaderMap
from mtqg_warehouse.ingest.rows import CLEANED, ROW_NUMBER

# What trimming takes off a cell's ends: ASCII whitespace, the no-break (Excel) and
# ideographic spaces, and the invisible zero-width space and byte-order mark (a BOM pasted
# at a row's start would otherwise become part of its key). Listed, not "any Unicode
# space", so the reader can look for them fast.
TRIMMED = " \t\n\r\x0b\x0c\u00a0\u3000\u200b\ufeff"


def cell_columns(width: int) -> list[str]:
    """Names of the delivered columns before the header is applied: f0, f1, ..."""
    return [f"f{i}" for i in range(width)]


def to_contract_frame(
    header_map: HeaderMap, cells: pl.DataFrame, table: Table, untrimmed: pl.Series | None = None
) -> pl.DataFrame:
    """``cells`` has ``_row_number`` and f0..fn in delivered order; the result, contract order,
    cells trimmed and blanks null, with ``_cleaned`` true on rows where that changed a cell.

    ``untrimmed`` marks the rows that may need it, when the reader knows (see
    csv_reader._untrimmed_rows): only the columns where those rows change are trimmed, and
    only on those rows, which saves copying every cell of a clean file. Without it every
    row is trimmed.
    """
    if untrimmed is None:
        return _trimmed(header_map, cells, table)
    rows = np.flatnonzero(untrimmed.to_numpy())
    suspects = cells[rows]
    padded = _padded_columns(header_map, suspects) if len(rows) else []
    # only the suspect rows are trimmed, then put back in place: a few rows, not whole columns
    trimmed = suspects.select(_blank_to_null(pl.col(f"f{p}")).alias(f"f{p}") for p in padded)
    columns = []
    for position, name in zip(header_map.positions, table.column_names, strict=True):
        if position is None:
            columns.append(pl.Series(name, [None] * cells.height, pl.String))
            continue
        column = cells.get_column(f"f{position}").clone().alias(name)
        if position in padded:
            column = column.scatter(rows, trimmed.get_column(f"f{position}"))
        columns.append(column)
    cleaned = np.zeros(cells.height, dtype=bool)
    if padded:
        changed = suspects.select(pl.any_horizontal(_trim_changes(p) for p in padded).fill_null(False))
        cleaned[rows] = changed.to_series().to_numpy()
    row_number = cells.get_column(ROW_NUMBER).cast(pl.Int64)
    return pl.DataFrame([row_number, *columns, pl.Series(CLEANED, cleaned)])


def _padded_columns(header_map: HeaderMap, suspects: pl.DataFrame) -> list[int]:
    """Delivered positions where trimming changes at least one of the suspect rows' cells."""
    positions = [position for position in header_map.positions if position is not None]
    changes = suspects.select(_trim_changes(p).any().alias(str(p)) for p in positions).row(0)
    return [position for position, change in zip(positions, changes, strict=True) if change]


def _trimmed(header_map: HeaderMap, cells: pl.DataFrame, table: Table) -> pl.DataFrame:
    columns = [
        _blank_to_null(pl.col(f"f{position}")) if position is not None else pl.lit(None, pl.String)
        for position in header_map.positions
    ]
    cleaned = pl.any_horizontal(
        _trim_changes(position) for position in header_map.positions if position is not None
    )
    return (
        cells.lazy()
        .select(
            pl.col(ROW_NUMBER).cast(pl.Int64),
            *[expr.alias(name) for expr, name in zip(columns, table.column_names, strict=True)],
            cleaned.alias(CLEANED),
        )
        .collect()
    )


def _trim_changes(position: int) -> pl.Expr:
    """True where trimming (and blank to null) changes the delivered cell at ``position``."""
    cell = pl.col(f"f{position}")
    return _blank_to_null(cell).ne_missing(cell.cast(pl.String))


def _blank_to_null(column: pl.Expr) -> pl.Expr:
    stripped = column.cast(pl.String).str.strip_chars(TRIMMED)
    return pl.when(stripped == "").then(None).otherwise(stripped)
