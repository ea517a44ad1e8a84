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

SHORT_PART = 1 << 16  # parts shorter than this on average are joined (see copy_stream.send)

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
    line_end: bytes = b"\n"  # the file's: COPY wants one kind of line end in a stream

    @property
    def marker_line(self) -> bytes:
        return b"," * (len(self.columns) - 1) + self.line_end

    def statement(self, schema: str, table: str) -> sql.Composed:
        return sql.SQL("copy {} ({}) from stdin (format csv) where {} is not null").format(
            sql.Identifier(schema, table),
            sql.SQL(", ").join(map(sql.Identifier, self.columns)),
            sql.Identifier(self.marker_column),
        )


def copy_shape(table: Table, delivered: list[str | None], line_end: bytes = b"\n") -> CopyShape:
    """Delivered order when every delivered column is a contract column, else contract order
    (lines are then all re-written, in that order); lines end as the file's do."""
    present = [name for name in delivered if name is not None]
    verbatim = len(present) == len(delivered)
    columns = present if verbatim else table.column_names
    marker = next(c.name for c in table.columns if c.required and c.name in columns)
    return CopyShape(columns, marker, verbatim=verbatim, line_end=line_end)


def payload(
    source: SourceLines, shape: CopyShape, dropped: np.ndarray, rewritten: pl.DataFrame, row_number: str
) -> list[bytes | memoryview]:
    """The chunk for COPY, in parts to send one after the other: ``dropped`` row numbers
    become markers, ``rewritten`` rows (with ``row_number``) their cleaned values; every
    other line goes as it was sent. The parts are slices of the chunk, not copies, while they
    are long; when lines are replaced so often that most parts are short (a file where every
    few dozen lines is trimmed or repaired), they are joined into one, as sending them one
    by one would gather them anyway, at Python's pace."""
    if not shape.verbatim:
        return [_all_rewritten(source, shape, rewritten, row_number)]
    if len(dropped) == 0 and rewritten.height == 0:
        return [memoryview(source.piece)]
    indices = np.concatenate([dropped, rewritten.get_column(row_number).to_numpy()]) - source.first_row
    lines = [shape.marker_line] * len(dropped) + _csv_lines(rewritten.select(shape.columns), shape.line_end)
    order = np.argsort(indices, kind="stable")
    indices = indices[order]
    if len(indices) and not (indices[0] >= 0 and indices[-1] < len(source.ends)):
        raise ValueError("a row to replace is not in this chunk")
    if (np.diff(indices) == 0).any():
        raise ValueError("a row is both dropped and rewritten")
    view = memoryview(source.piece)
    kept_from = np.concatenate(([0], source.ends[indices] + 1)).tolist()
    kept_to = [*source.starts[indices].tolist(), len(source.piece)]
    parts: list[bytes | memoryview] = [b""] * (2 * len(indices) + 1)
    parts[0::2] = [view[start:stop] for start, stop in zip(kept_from, kept_to, strict=True)]
    parts[1::2] = [lines[at] for at in order.tolist()]
    if len(parts) * SHORT_PART > len(source.piece):
        return [b"".join(parts)]
    return parts


def _all_rewritten(
    source: SourceLines, shape: CopyShape, rewritten: pl.DataFrame, row_number: str
) -> memoryview:
    """Every line a marker except the good rows, written from their values, in file order."""
    lines = np.full(len(source.ends), shape.marker_line, dtype=object)
    indices = rewritten.get_column(row_number).to_numpy() - source.first_row
    lines[indices] = _csv_lines(rewritten.select(shape.columns), shape.line_end)
    return memoryview(b"".join(lines.tolist()))


def _csv_lines(frame: pl.DataFrame, line_end: bytes) -> list[bytes]:
    """One CSV line per row; the contracts allow no line break inside a cell, so none splits."""
    if frame.height == 0:
        return []
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_header=False, null_value="")
    lines = [line + line_end for line in buffer.getvalue().split(b"\n")[:-1]]
    if len(lines) != frame.height:
        raise ValueError("a cleaned value holds a line break: it cannot be sent as one line")
    return lines
