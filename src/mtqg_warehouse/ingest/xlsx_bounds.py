"""How far a sheet's cells reach, found in its XML before python-calamine builds the sheet.

calamine holds a sheet as a dense range from the first used cell to the last, so what must be
bounded is the last row and column any cell could take. Two ways to find it:

- the fast path, for sheets whose every cell starts ``<c r="A1"`` (Excel, LibreOffice,
  openpyxl and our generator write that): regular-expression searches over the XML at C
  speed; a reference past the bounds is found without a Python step per cell;
- any other sheet (cells without a reference, prefixed elements, odd spellings) is walked with
  expat, following calamine's rules for where a cell without a reference goes.

Both over-approximate calamine's range (an empty ``<c r="Z9"/>`` counts, calamine skips it),
so a sheet that passes cannot make it allocate more than rows x columns cells. The sheet's
declared ``<dimension>`` is bounded too, since a sender's tools may trust it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from xml.parsers import expat

DIMENSION = re.compile(rb"<(?:[\w.-]+:)?dimension\s[^>]*?\bref\s*=\s*[\"']([^\"']*)[\"']")
PREFIXED_CELL = re.compile(rb":c[\s/>]")
# an attribute r after another one: calamine takes a tag's last r, the fast path its first
SECOND_R = re.compile(rb'"\s+r\s*=')
SECOND_R_SINGLE = re.compile(rb"'\s+r\s*=")
HEAD_BYTES = 1024**2  # the <dimension> must come this early (before <sheetData>) to count
# a cell whose formula has no value after it: written by a program that does not calculate
# (Excel and LibreOffice always store the result), read as an empty cell
UNCOMPUTED_FORMULA = re.compile(rb"<(?:[\w.-]+:)?f\b[^>]*?(?:/>|>[^<]*</(?:[\w.-]+:)?f>)\s*</(?:[\w.-]+:)?c>")
FORMULA_OVERLAP = 16 * 1024  # the end of a segment searched again with the next (a formula's text)


@dataclass(frozen=True)
class SheetBounds:
    """The largest sheet accepted: no cell right of column ``columns`` or below row ``rows``."""

    rows: int
    columns: int

    def describe(self) -> str:
        return f"{self.rows:,} rows x {self.columns} columns (A1:{column_letters(self.columns)}{self.rows})"

    def exceeded_by(self, last_row: int, last_column: int) -> bool:
        return last_row > self.rows or last_column > self.columns


class SheetScan:
    """Fed a part's XML in segments that each end before a ``<`` (so no tag is split), it
    finds the declared range, the first canonical reference out of bounds, whether any
    cell needs the slow walk (one not starting ``<c r="A1"``, a prefixed one, or any tag with
    an attribute r after another attribute), and whether a formula has no computed value.
    Every part is scanned; only one holding <sheetData> is a sheet."""

    def __init__(self, bounds: SheetBounds) -> None:
        self.bounds = bounds
        self.is_sheet = False
        self.dimension: str | None = None
        self.beyond: str | None = None
        self.needs_walk = False
        self.uncomputed_formula = False
        self._head: bytes | None = b""  # until <sheetData>, for the <dimension>
        self._tail = b""  # the end of the segment before, for a cell cut between two

    def feed(self, segment: bytes) -> None:
        if self._head is not None:
            self._read_head(segment)
        self.is_sheet = self.is_sheet or b"sheetData" in segment
        if not self.uncomputed_formula:
            self._look_for_uncomputed_formulas(segment)
        if self.beyond or self.needs_walk:
            return
        if PREFIXED_CELL.search(segment) or SECOND_R.search(segment) or SECOND_R_SINGLE.search(segment):
            self.needs_walk = True
            return
        found = _odd_or_beyond(self.bounds).search(segment)
        if found is not None and found.group(1) is not None:
            self.beyond = found.group(1).decode("ascii")
        elif found is not None:
            self.needs_walk = True

    def _look_for_uncomputed_formulas(self, segment: bytes) -> None:
        """Only where a formula tag is: most sheets hold none, and a search at every tag of
        a large sheet would cost seconds."""
        window = self._tail + segment if self._tail else segment
        if _holds_formula(window) and UNCOMPUTED_FORMULA.search(window):
            self.uncomputed_formula = True
        tail = segment[-FORMULA_OVERLAP:]
        self._tail = tail if _holds_formula(tail) else b""

    def give_up(self) -> None:
        """The XML is too odd for the fast path (a tag or text far too long): walk it."""
        self.needs_walk = True

    def _read_head(self, segment: bytes) -> None:
        head = (self._head or b"") + segment
        end = head.find(b"sheetData")
        if end >= 0 or len(head) > HEAD_BYTES:
            found = DIMENSION.search(head, 0, end if end >= 0 else len(head))
            self.dimension = found.group(1).decode("ascii", "replace") if found else None
            self._head = None
        else:
            self._head = head

    def dimension_beyond(self) -> bool | None:
        """Whether the declared range reaches past the bounds; None if it is not a range."""
        if self.dimension is None:
            return False
        last = self.dimension.split(":")[-1].strip().replace("$", "")
        parsed = re.fullmatch(r"([A-Za-z]{1,3})([0-9]{1,7})", last)
        if parsed is None:
            return None
        return self.bounds.exceeded_by(int(parsed.group(2)), column_number(parsed.group(1)))


def _holds_formula(xml: bytes) -> bool:
    return b"<f" in xml or b":f" in xml


@functools.cache
def _odd_or_beyond(bounds: SheetBounds) -> re.Pattern[bytes]:
    """A cell that does not start ``<c r="A1"`` (group 1 empty), or a canonical reference right
    of or below the bounds (group 1 holds it); the row part is looked at only when it has as
    many digits as the bound, which most cells fail at once."""
    columns = greater_than(column_letters(bounds.columns), "A-Z", "A-Z")
    rows = greater_than(str(bounds.rows), "1-9", "0-9")
    digits = len(str(bounds.rows))
    beyond = rb"(?:%s)[0-9]{1,7}|[A-Z]{1,3}0*(?=[1-9][0-9]{%d})(?:%s)" % (columns, digits - 1, rows)
    return re.compile(rb'<c(?:(?! r="[A-Z]{1,3}[0-9]{1,7}")[\s/>]| r="(' + beyond + rb')")')


def greater_than(text: str, leading: str, alphabet: str) -> bytes:
    """A regular expression matching the strings over ``alphabet`` (a character range like
    "0-9") that come after ``text`` when longer strings come after shorter ones: integers
    above a number, or column letters right of a column."""
    low, high = alphabet.split("-")
    options = [f"[{leading}][{alphabet}]{{{len(text)},}}"]
    for position, char in enumerate(text):
        if char < high:
            after = chr(ord(char) + 1)
            options.append(f"{text[:position]}[{after}-{high}][{low}-{high}]{{{len(text) - position - 1}}}")
    return "|".join(options).encode("ascii")


def column_letters(number: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_number(letters: str) -> int:
    number = 0
    for char in letters.upper():
        number = number * 26 + ord(char) - 64
    return number


def walk_cells(pieces: Iterable[bytes], bounds: SheetBounds) -> tuple[int, int]:
    """The last row and column (1-based) any cell could take, by calamine's rules: a cell
    without a reference goes right of the one before it, a row without one below the one
    before it. Stops at the first cell out of bounds. Raises ValueError or expat.ExpatError
    on XML calamine would not read either."""
    walker = _CellWalker(bounds)
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = walker.start
    parser.EndElementHandler = walker.end
    parser.StartDoctypeDeclHandler = _no_dtd
    parser.EntityDeclHandler = _no_dtd
    for piece in pieces:
        parser.Parse(piece, False)
        if bounds.exceeded_by(walker.last_row, walker.last_column):
            return walker.last_row, walker.last_column
    parser.Parse(b"", True)
    return walker.last_row, walker.last_column


def _no_dtd(*_: object) -> None:
    raise ValueError("the sheet declares a DTD")


class _CellWalker:
    def __init__(self, bounds: SheetBounds) -> None:
        self.bounds = bounds
        self.row = self.column = 0  # 0-based, as calamine counts
        self.last_row = self.last_column = 0  # 1-based

    def start(self, name: str, attributes: dict[str, str]) -> None:
        local = name.rsplit(" ", 1)[-1]
        reference = attributes.get("r")
        if local == "row" and reference is not None:
            if not reference.strip().isdigit() or len(reference.strip()) > 9:
                raise ValueError(f"row number {reference[:20]!r} is not a number")
            self.row = int(reference) - 1
        elif local == "c":
            if reference is not None:
                parsed = re.fullmatch(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,9})", reference.strip())
                if parsed is None:
                    raise ValueError(f"cell reference {reference[:20]!r} is not a cell")
                self.row, self.column = int(parsed.group(2)) - 1, column_number(parsed.group(1)) - 1
            self.last_row = max(self.last_row, self.row + 1)
            self.last_column = max(self.last_column, self.column + 1)
            self.column += 1

    def end(self, name: str) -> None:
        if name.rsplit(" ", 1)[-1] == "row":
            self.row += 1
            self.column = 0
