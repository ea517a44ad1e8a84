"""One chunk's checks: which of its rows load, which are rejected and why.

Checking comes in two steps. The first needs nothing but the chunk (text repair, unit
names to codes, the per-row value checks), so chunks take it on any thread, ahead of COPY.
The second needs file order: a row repeating a key seen earlier in the file is rejected,
and only then is the chunk's COPY payload made. A CSV chunk goes to COPY as the bytes that
were sent, with its rejected lines blanked out and its cleaned rows re-written (see
passthrough.py); a workbook's rows are written as CSV with their row numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from mtqg_warehouse.contracts.model import Table
from mtqg_warehouse.ingest import passthrough
from mtqg_warehouse.ingest.checks import REJECTION_SCHEMA, find_rejections
from mtqg_warehouse.ingest.copy_stream import csv_bytes
from mtqg_warehouse.ingest.duplicates import DuplicateTracker
from mtqg_warehouse.ingest.messages import Message
from mtqg_warehouse.ingest.rows import CLEANED, ROW_NUMBER, Chunk, RowCounts, RowProblem
from mtqg_warehouse.ingest.text_fields import clean_text
from mtqg_warehouse.ingest.unit_names import resolve_unit_names
from mtqg_warehouse.ingest.unit_validity import rows_outside_validity

SENDER_FIELD = "ward_code (file name)"


@dataclass(frozen=True)
class CheckedChunk:
    """A chunk after the order-free checks: its cleaned frame and the rows they rejected."""

    chunk: Chunk
    frame: pl.DataFrame
    bad: pl.DataFrame  # REJECTION_SCHEMA


@dataclass(frozen=True)
class KeptChunk:
    """What of a chunk goes to COPY, what to ops.rejected_rows, and the counts of both."""

    payload: list[bytes | memoryview]
    rejected: pl.DataFrame  # rejections.REJECTED_ROW_SCHEMA: the reasons and the row as sent
    counts: RowCounts


def check_chunk(
    chunk: Chunk,
    table: Table,
    ward_code: str | None,
    rejects_every_row: Message | None = None,
    file_date: date | None = None,
) -> CheckedChunk:
    """Order-free work: text repair, unit names to codes, and the per-row checks (repeats
    need file order, so they come later). ``rejects_every_row``: what is wrong with the whole
    delivery (its sender did not exist in its period), said on each of its rows;
    ``file_date``: the day in the file's name (a daily feed's), which rows may have to equal."""
    text_columns = [c.name for c in table.columns if c.type in ("text", "code_vi")]
    delivered = chunk.frame
    frame, text_problems = clean_text(delivered, text_columns)
    frame = resolve_unit_names(frame, table, ward_code)
    if frame is not delivered:  # only text and unit columns can have changed
        cleanable = [
            *text_columns,
            *(c.name for c in table.columns if c.type in ("unit_code", "hamlet_code")),
        ]
        touched = [name for name in cleanable if not frame[name].equals(delivered[name])]
        changed = pl.any_horizontal(pl.col(name).ne_missing(delivered[name]) for name in touched)
        frame = frame.with_columns(pl.col(CLEANED) | changed)
    problems = [*chunk.problems, *text_problems, *rows_outside_validity(frame, table)]
    if rejects_every_row is not None:
        problems += [
            RowProblem(
                row_number=row,
                field="ward_code (file name)",
                message=rejects_every_row,
                value_as_sent=ward_code,
            )
            for row in frame.get_column(ROW_NUMBER).to_list()
        ]
    earlier = pl.DataFrame([_rejection(p) for p in problems], schema=REJECTION_SCHEMA, orient="row")
    return CheckedChunk(chunk, frame, pl.concat([earlier, find_rejections(frame, table, file_date)]))


def _rejection(problem: RowProblem) -> tuple[int, str | None, str, str, str, str | None]:
    """A reader's row problem as a row of REJECTION_SCHEMA."""
    message = problem.message
    return (
        problem.row_number,
        problem.field,
        message.reason,
        message.reason_vi,
        message.fix_hint,
        problem.value_as_sent,
    )


def keep_good_rows(
    checked: CheckedChunk, table: Table, shape: passthrough.CopyShape | None, tracker: DuplicateTracker
) -> KeptChunk:
    """In file order: repeated keys, then the chunk for COPY, and the bad rows kept aside."""
    bad = pl.concat([checked.bad, tracker.repeats(checked.frame)])
    bad_rows = bad.get_column("row_number").unique()
    rows = bad_rows.to_list()
    originals = pl.DataFrame(
        {"row_number": rows, "original_text": checked.chunk.originals(rows)},
        schema={"row_number": pl.Int64, "original_text": pl.String},
    )
    is_good = ~pl.col(ROW_NUMBER).is_in(bad_rows.implode())
    counts = RowCounts(
        read=checked.chunk.rows_read,
        loaded=int(checked.frame.select(is_good.sum()).item()),
        rejected=len(bad_rows),
    )
    return KeptChunk(
        payload=_payload(checked, table, shape, is_good, rows),
        rejected=bad.join(originals, on="row_number", how="left"),
        counts=counts,
    )


def _payload(
    checked: CheckedChunk,
    table: Table,
    shape: passthrough.CopyShape | None,
    is_good: pl.Expr,
    rejected: list[int],
) -> list[bytes | memoryview]:
    """The chunk's good rows for COPY: its lines as sent where it can, else written as CSV."""
    source = checked.chunk.source
    if shape is None or source is None:
        return [csv_bytes(checked.frame.filter(is_good).select(*table.column_names, ROW_NUMBER))]
    to_rewrite = (
        pl.col(CLEANED) | pl.col(ROW_NUMBER).is_in(source.rewrite.tolist())
        if shape.verbatim
        else pl.lit(True)
    )
    rewritten = checked.frame.filter(to_rewrite & is_good)
    dropped = _not_kept(source, checked.frame, rejected)
    return passthrough.payload(source, shape, dropped, rewritten, ROW_NUMBER)


def _not_kept(source: passthrough.SourceLines, frame: pl.DataFrame, rejected: list[int]) -> np.ndarray:
    """Row numbers of the chunk's lines that must not load: rejected, malformed or blank."""
    kept = np.zeros(len(source.ends), dtype=bool)
    kept[frame.get_column(ROW_NUMBER).to_numpy() - source.first_row] = True
    kept[np.asarray(rejected, dtype=np.int64) - source.first_row] = False
    return np.flatnonzero(~kept) + source.first_row
