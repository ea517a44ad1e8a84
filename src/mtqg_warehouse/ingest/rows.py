"""What a reader hands the loader: rows as text with their row numbers, and row problems.

Row numbers follow the spreadsheet convention (the header is row 1 of a CSV, the first data
row is 2; an xlsx row is the sheet's own row number) so a ward officer can find the row.
"""

from __future__ import annotations

from dataclasses import dataclass, field


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
    """Good rows in contract column order; problem rows never reach the database as data."""

    table: str
    sheet: str | None
    columns: list[str]
    rows: list[tuple[int, list[str | None]]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return len(self.rows) + len({problem.row_number for problem in self.problems})
