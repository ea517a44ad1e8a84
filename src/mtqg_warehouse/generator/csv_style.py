"""How an office's tools write a CSV delivery: line ends, a byte-order mark, and typing habits.

The same rows can reach the warehouse in several shapes. Excel and Windows tools end lines
with ``\\r\\n`` and start the file with a UTF-8 byte-order mark; some keyboards type
Vietnamese decomposed (NFD: a letter, then its marks); a name holding a comma
("Tám, Lê Văn") must be quoted; a code typed with spaces around it ("  HN ") is padded. None
of these is a defect: the loader stores such rows as it stores plain ones (NFC, trimmed,
unquoted). Which columns a habit touches comes from the contract: names are its personal
free-text columns, codes its columns checked against a code list.

A style only changes how rows are written, never which rows there are: rows the generator
planted a defect in are written as they are, so a file keeps its defects, and the same rows in
two styles load (and are rejected) alike.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO

import numpy as np

from mtqg_warehouse.contracts.model import Table

BOM = "\ufeff"
LINE_ENDS = {"lf": "\n", "crlf": "\r\n"}
CODE_TYPES = ("code", "unit_code", "hamlet_code")
DRAWN_AT_ONCE = 1 << 16  # random draws are made for this many rows at a time


@dataclass(frozen=True)
class CsvStyle:
    """One way of writing a CSV file; the shares are of the rows (a row gets one habit at most)."""

    line_end: str = "\n"
    bom: bool = False
    nfd_share: float = 0.0  # names typed decomposed (NFD)
    comma_share: float = 0.0  # names written "given name, family and middle names": quoted
    padded_share: float = 0.0  # one code cell with spaces around it

    def __post_init__(self) -> None:
        if self.line_end not in LINE_ENDS.values():
            raise ValueError(f"a CSV line ends in \\n or \\r\\n, not {self.line_end!r}")
        shares = (self.nfd_share, self.comma_share, self.padded_share)
        if any(share < 0 for share in shares) or sum(shares) > 1:
            raise ValueError(f"shares of rows must be >= 0 and add up to at most 1: {shares}")

    @property
    def touches_rows(self) -> bool:
        return self.nfd_share + self.comma_share + self.padded_share > 0


PLAIN = CsvStyle()
# The two office shapes of the same rows: LF with typing habits, and the same as
# Excel and Windows tools export it (CRLF, byte-order mark).
MIXED_HABITS = CsvStyle(nfd_share=0.02, comma_share=0.01, padded_share=0.01)
WINDOWS_EXPORT = CsvStyle(line_end="\r\n", bom=True, nfd_share=0.02, comma_share=0.01, padded_share=0.01)
STYLES = {"plain": PLAIN, "mixed_habits": MIXED_HABITS, "windows_export": WINDOWS_EXPORT}


@dataclass(frozen=True)
class StyledColumns:
    """Where, in rows of the contract's column order, the habits apply."""

    names: tuple[int, ...]
    codes: tuple[int, ...]

    @classmethod
    def of(cls, table: Table) -> StyledColumns:
        names = [i for i, c in enumerate(table.columns) if c.personal and c.type == "text"]
        codes = [i for i, c in enumerate(table.columns) if c.type in CODE_TYPES]
        return cls(tuple(names), tuple(codes))


def write_csv(
    handle: IO[str],
    headers: list[str],
    rows: Iterable[tuple[list[str], bool]],
    style: CsvStyle = PLAIN,
    columns: StyledColumns | None = None,
    rng: np.random.Generator | None = None,
) -> int:
    """Write the header and ``rows`` (each with whether it holds a planted defect) to a text
    handle opened with ``newline=""``, in ``style``; returns how many rows were written.
    ``columns`` (see ``StyledColumns.of``) and ``rng`` are needed when the style has habits."""
    if style.bom:
        handle.write(BOM)
    writer = csv.writer(handle, lineterminator=style.line_end)
    writer.writerow(headers)
    if style.touches_rows:
        if columns is None or rng is None:
            raise ValueError("a style with typing habits needs the contract's columns and a generator")
        written = styled_rows(rows, columns, style, rng)
    else:
        written = (row for row, _ in rows)
    count = 0
    for row in written:
        writer.writerow(row)
        count += 1
    return count


def styled_rows(
    rows: Iterable[tuple[list[str], bool]], columns: StyledColumns, style: CsvStyle, rng: np.random.Generator
) -> Iterator[list[str]]:
    """The rows with the style's habits applied; a row with a planted defect is left alone.
    With no habits (the plain style) no random number is drawn."""
    if not style.touches_rows:
        yield from (row for row, _ in rows)
        return
    cuts = np.cumsum([style.nfd_share, style.comma_share, style.padded_share])
    draws: Iterator[tuple[int, float]] = iter(())
    for row, is_defect in rows:
        habit = next(draws, None)
        if habit is None:
            draws = _draws(rng, cuts)
            habit = next(draws)
        yield row if is_defect else _with_habit(row, columns, *habit)


def _draws(rng: np.random.Generator, cuts: np.ndarray) -> Iterator[tuple[int, float]]:
    """Each row's habit (an index into ``cuts``, 3 for none) and a number to pick its column."""
    batch = rng.random((DRAWN_AT_ONCE, 2))
    habits = np.searchsorted(cuts, batch[:, 0], side="right").tolist()
    return iter(zip(habits, batch[:, 1].tolist(), strict=True))


def _with_habit(row: list[str], columns: StyledColumns, habit: int, pick: float) -> list[str]:
    """``habit``: 0 NFD name, 1 comma name, 2 padded code, 3 none; ``pick`` chooses which
    name or code column."""
    if habit == 3:
        return row
    targets = columns.codes if habit == 2 else columns.names
    if not targets:
        return row
    position = targets[int(pick * len(targets))]
    value = row[position]
    if habit == 0:
        changed = unicodedata.normalize("NFD", value)
    elif habit == 1:
        changed = _with_comma(value)
    else:
        changed = f"  {value} " if value else value
    if changed == value:
        return row
    return [*row[:position], changed, *row[position + 1 :]]


def _with_comma(name: str) -> str:
    """ "Lê Văn Tám" as some systems list names: "Tám, Lê Văn" (a single word stays as it is)."""
    words = name.split(" ")
    if len(words) < 2 or not all(words):
        return name
    return f"{words[-1]}, {' '.join(words[:-1])}"
