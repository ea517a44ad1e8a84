"""What a reader hands the loader: a frame of text cells with row numbers, and row problems.

Row numbers follow the spreadsheet convention (the header of a CSV is row 1, its first data
row is 2; an xlsx row is the sheet's own row number) so a ward officer can find the row.
The frame holds ``_row_number``, ``_original`` (the row as sent, for the rejection record)
and one text column per contract column, in contract order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

ROW_NUMBER = "_row_number"
ORIGINAL = "_original"


@dataclass(frozen=True)
class RowProblem:
    row_number: int
    field: str | None
    reason: str
    fix_hint: str
    value_as_sent: str | None
    original_text: str


@dataclass
class ReadResult:
    table: str
    sheet: str | None
    frame: pl.DataFrame
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        in_frame = set(self.frame.get_column(ROW_NUMBER).to_list()) if self.problems else set()
        outside = {p.row_number for p in self.problems} - in_frame
        return self.frame.height + len(outside)
