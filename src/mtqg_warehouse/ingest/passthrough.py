"""A CSV chunk's lines sent to COPY as they were delivered, patched only where rows differ.

Parsing in Python and writing CSV again for COPY cost more than the COPY itself. So the
bytes of a line go to the server unchanged when the row is good and nothing in it was
cleaned; a rejected, blank or malformed line is replaced by a marker (every field empty,
which COPY's ``where`` clause drops), and a cleaned row (trimmed, repaired, a unit name
turned into its code) by its cleaned values. Every delivered line is one COPY row, so the
table's row sequence numbers rows exactly as the file does (see raw_tables.py).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import polars as pl
from psycopg import sql

if TYPE_CHECKING:
    from mtqg_warehouse.contracts.model import Table


@dataclass(frozen=True)
class SourceLines:
    """One chunk's delivered bytes and where its lines are; ``rewrite`` holds the row numbers
    of lines that never go as sent (they hold quotes or stray carriage returns, which the
    reader judged with the csv module rather than by their length)."""

    piece: bytes
    starts: np.ndarray
    ends: np.ndarray  # index of each line's newline
    first_row: int
    rewrite: np.ndarray


@dataclass(frozen=True)
class CopyShape:
    """The columns COPY takes, in the order lines carry them, and the column whose null marks
    a line to drop (a required column: a good row always has it)."""

    columns: list[str]
    marker_column: str
    verbatim: bool  # lines carry these columns in this order, so they can go as sent

    @property
    def marker_line(self) -> bytes:
        return b"," * (len(self.columns) - 1) + b"\n"

    def statement(self, schema: str, table: str) -> sql.Composed:
        return sql.SQL("copy {} ({}) from stdin (format csv) where {} is not null").format(
            sql.Identifier(schema, table),
            sql.SQL(", ").join(map(sql.Identifier, self.columns)),
            sql.Identifier(self.marker_column),
        )


def copy_shape(table: Table, delivered: list[str | None]) -> CopyShape:
    """Delivered order when every delivered column is a contract column, else contract order
    (lines are then all re-written, in that order)."""
    present = [name for name in delivered if name is not None]
    verbatim = len(present) == len(delivered)
    columns = present if verbatim else table.column_names
    marker = next(c.name for c in table.columns if c.required and c.name in columns)
    return CopyShape(columns, marker, verbatim=verbatim)


def payload(
    source: SourceLines, shape: CopyShape, dropped: np.ndarray, rewritten: pl.DataFrame, row_number: str
) -> list[bytes | memoryview]:
    """The chunk for COPY, in parts to send one after the other (never joined: that would
    copy the chunk): ``dropped`` row numbers become markers, ``rewritten`` rows (with
    ``row_number``) their cleaned values; every other line goes as it was sent."""
    count = len(source.ends)
    if not shape.verbatim:
        return [_all_rewritten(source, shape, rewritten, row_number)]
    if len(dropped) == 0 and rewritten.height == 0:
        return [memoryview(source.piece)]
    replacement: dict[int, bytes] = dict.fromkeys((dropped - source.first_row).tolist(), shape.marker_line)
    indices = (rewritten.get_column(row_number).to_numpy() - source.first_row).tolist()
    replacement.update(zip(indices, _csv_lines(rewritten.select(shape.columns)), strict=True))
    parts: list[bytes | memoryview] = []
    view = memoryview(source.piece)
    position = 0
    for index in sorted(replacement):
        if not 0 <= index < count:
            raise ValueError(f"row {index + source.first_row} is not in this chunk")
        parts.append(view[position : int(source.starts[index])])
        parts.append(replacement[index])
        position = int(source.ends[index]) + 1
    parts.append(view[position:])
    return parts


def _all_rewritten(
    source: SourceLines, shape: CopyShape, rewritten: pl.DataFrame, row_number: str
) -> memoryview:
    """Every line a marker except the good rows, written from their values, in file order."""
    lines = np.full(len(source.ends), shape.marker_line, dtype=object)
    indices = rewritten.get_column(row_number).to_numpy() - source.first_row
    lines[indices] = _csv_lines(rewritten.select(shape.columns))
    return memoryview(b"".join(lines.tolist()))


def _csv_lines(frame: pl.DataFrame) -> list[bytes]:
    """One CSV line per row; the contracts allow no line break inside a cell, so none splits."""
    if frame.height == 0:
        return []
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_header=False, null_value="")
    lines = [line + b"\n" for line in buffer.getvalue().split(b"\n")[:-1]]
    if len(lines) != frame.height:
        raise ValueError("a cleaned value holds a line break: it cannot be sent as one line")
    return lines
