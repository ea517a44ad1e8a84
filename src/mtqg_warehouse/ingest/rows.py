"""What a reader hands the loader: chunks of text cells with row numbers, and row problems.

Row numbers follow the spreadsheet convention (the header of a CSV is row 1, its first data
row is 2; an xlsx row is the sheet's own row number) so a ward officer can find the row.
A chunk's frame holds ``_row_number`` and one text column per contract column, in contract
order; the row as sent is looked up only for rejected rows, so good rows never carry it.
Readers yield chunks lazily, so the loader can COPY one while the next ones are checked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

    from mtqg_warehouse.ingest.messages import Message
    from mtqg_warehouse.ingest.passthrough import CopyShape, SourceLines

ROW_NUMBER = "_row_number"
CLEANED = "_cleaned"  # true where a cell differs from what was sent (trimmed, blank to null)


@dataclass(frozen=True, kw_only=True)
class RowProblem:
    """A row a reader rejects before the value checks, with why (see messages.py); by keyword,
    so a reason can never land in the field's place. ``field`` is None for a row that has no
    fields to speak of (a wrong field count): it is then also a row missing from the frame."""

    row_number: int
    field: str | None
    message: Message
    value_as_sent: str | None


@dataclass(frozen=True)
class RowCounts:
    """Rows read, loaded and rejected, which must add up (the audit table checks they do)."""

    read: int = 0
    loaded: int = 0
    rejected: int = 0

    def __add__(self, other: RowCounts) -> RowCounts:
        return RowCounts(
            read=self.read + other.read,
            loaded=self.loaded + other.loaded,
            rejected=self.rejected + other.rejected,
        )


@dataclass
class Chunk:
    frame: pl.DataFrame
    problems: list[RowProblem] = field(default_factory=list)
    originals: Callable[[list[int]], list[str]] = lambda rows: [""] * len(rows)
    source: SourceLines | None = None  # the delivered lines, when they can go to COPY as sent

    @property
    def rows_read(self) -> int:
        """Rows in the frame plus rows that never made it into one (wrong field count)."""
        return self.frame.height + len({p.row_number for p in self.problems if p.field is None})


@dataclass
class ReadResult:
    """``chunks`` are thunks: each parses its part of the file when called, on any thread."""

    table: str
    sheet: str | None
    chunks: Iterator[Callable[[], Chunk]]
    copy_shape: CopyShape | None = None  # set when the chunks carry their source lines
