"""Turning delivered cells into the loader's frame: contract columns, blanks as nulls."""

from __future__ import annotations

import polars as pl

from mtqg_warehouse.contracts.model import Table
from mtqg_warehouse.ingest.headers import HeaderMap
from mtqg_warehouse.ingest.rows import CLEANED, ROW_NUMBER

# What trimming takes off a cell's ends: ASCII whitespace, and the no-break (Excel) and
# ideographic spaces. Listed, not "any Unicode space", so the reader can look for them fast.
TRIMMED = " \t\n\r\x0b\x0c\u00a0\u3000"


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
    suspects = cells.filter(untrimmed)
    padded = set(_padded_columns(header_map, suspects)) if suspects.height else set()
    flag = pl.lit(untrimmed)
    columns = []
    for position, name in zip(header_map.positions, table.column_names, strict=True):
        if position is None:
            columns.append(pl.lit(None, pl.String).alias(name))
        elif position in padded:
            cell = pl.col(f"f{position}")
            columns.append(pl.when(flag).then(_blank_to_null(cell)).otherwise(cell).alias(name))
        else:
            columns.append(pl.col(f"f{position}").alias(name))
    changed = [_trim_changes(p) for p in sorted(padded)]
    cleaned = (flag & pl.any_horizontal(changed)).fill_null(False) if changed else pl.lit(False)
    return cells.select(pl.col(ROW_NUMBER).cast(pl.Int64), *columns, cleaned.alias(CLEANED))


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
