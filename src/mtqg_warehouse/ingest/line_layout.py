"""Where a CSV chunk's lines are, found in its bytes with NumPy, never by splitting them.

A file's lines end as its header line does: ``\\n``, or ``\\r\\n`` as Windows tools and Excel
export CSV. Lines are passed to COPY as they were sent, so a chunk keeps the file's line ends
when all its lines share them: a Windows file costs no copy of its bytes. Only a chunk whose
lines end otherwise is rewritten to the file's ends (see :func:`in_file_line_ends`). A
carriage return anywhere but before a line's newline is a stray one: its line is read by the
csv module, strictly, as before.
"""

from __future__ import annotations

import numpy as np

NEWLINE = 10
CARRIAGE_RETURN = 13
LF = b"\n"
CRLF = b"\r\n"


def newlines(data: bytes) -> np.ndarray:
    """Positions of every ``\\n`` in ``data``."""
    return np.flatnonzero(np.frombuffer(data, np.uint8) == NEWLINE)


def line_end_of(header_line: bytes) -> bytes:
    """The file's line end: the header line's."""
    return CRLF if header_line.endswith(CRLF) else LF


def in_file_line_ends(piece: bytes, ends: np.ndarray, line_end: bytes) -> tuple[bytes, np.ndarray]:
    """The chunk with every line ending in ``line_end``, and its newlines: the chunk itself
    when its lines already do (the usual case, no copy), else a rewritten copy.

    A ``\\r\\n`` in a file of ``\\n`` lines becomes ``\\n``, as it always did; a ``\\n`` alone in
    a file of ``\\r\\n`` lines becomes ``\\r\\n``. Other carriage returns stay, as stray ones.
    """
    if line_end == LF:
        if b"\r" not in piece or CRLF not in piece:  # one byte is found many times faster than two
            return piece, ends
        piece = piece.replace(CRLF, LF)
        return piece, newlines(piece)
    if ends_all_crlf(piece, ends):
        return piece, ends
    piece = piece.replace(CRLF, LF).replace(LF, CRLF)
    return piece, newlines(piece)


def ends_all_crlf(piece: bytes, ends: np.ndarray) -> bool:
    if len(ends) == 0:
        return True
    if ends[0] == 0:  # the chunk starts with an empty line ending in a bare newline
        return False
    return bool((np.frombuffer(piece, np.uint8)[ends - 1] == CARRIAGE_RETURN).all())


def positions(piece: bytes, byte: bytes, few: int | None = None) -> np.ndarray:
    """Where ``byte`` occurs: by memchr-fast searches while it is rare (quotes, stray carriage
    returns: up to ``few``, by default one per KiB), else by one vectorised comparison over
    the chunk, which costs as much as some ten thousand searches."""
    if few is None:
        few = max(1_000, len(piece) >> 10)
    found: list[int] = []
    position = piece.find(byte)
    while position >= 0 and len(found) < few:
        found.append(position)
        position = piece.find(byte, position + 1)
    if position < 0:
        return np.array(found, dtype=np.int64)
    return np.flatnonzero(np.frombuffer(piece, np.uint8) == byte[0])


class LineLayout:
    """Where each line of a chunk starts and stops: ``ends`` index the newlines, ``stops`` the
    end of each line's text (its ``\\r`` in a chunk of ``\\r\\n`` lines)."""

    def __init__(self, piece: bytes, ends: np.ndarray, first_row: int, line_end: bytes = LF) -> None:
        self.piece = piece
        self.line_end = line_end
        self.ends = ends
        self.starts = np.concatenate(([0], self.ends[:-1] + 1)).astype(np.int64)
        self.stops = self.ends - (len(line_end) - 1)
        self.count = len(self.ends)
        self.row_numbers = np.arange(first_row, first_row + self.count, dtype=np.int64)
        self.lengths = self.stops - self.starts
        self.blank = self.lengths <= 0

    def blank_delimiter_only_lines(self, delimiter: str, width: int) -> None:
        """Lines of nothing but separators (",,,,,,"): Excel writes one for every empty row it
        has formatted. They are blank lines, not rows of missing values to reject one by one."""
        short = np.flatnonzero(~self.blank & (self.lengths <= 2 * width + 1))
        filler = (delimiter + " \r\t").encode()
        for index in short.tolist():
            if not self.piece[self.starts[index] : self.stops[index]].translate(None, filler):
                self.blank[index] = True

    def lines_holding(self, *needles: bytes) -> np.ndarray:
        """Indices of the lines whose text holds any of the single-byte ``needles``, in order
        (a ``\\r`` that ends a line is not in its text)."""
        found = [self._in_text(needle) for needle in needles if needle in self.piece]
        if not found:
            return np.zeros(0, dtype=np.int64)
        return np.unique(np.searchsorted(self.ends, np.concatenate(found)))

    def _in_text(self, needle: bytes) -> np.ndarray:
        if needle != b"\r" or self.line_end == LF:
            return positions(self.piece, needle)
        if self.piece.count(needle) == self.count:  # one per line, each before its newline
            return np.zeros(0, dtype=np.int64)
        found = positions(self.piece, needle, few=0)
        return np.setdiff1d(found, self.stops, assume_unique=True)

    def unsafe(self, lines: np.ndarray) -> np.ndarray:
        """Those of ``lines`` that could make Polars see more or fewer lines than there are: an
        unclosed quote, a stray carriage return or a NUL byte."""
        return np.array(
            [
                i
                for i in lines.tolist()
                if self.piece.count(b'"', self.starts[i], self.stops[i]) % 2
                or b"\r" in (line := self.piece[self.starts[i] : self.stops[i]])
                or b"\x00" in line
            ],
            dtype=np.int64,
        )

    def blanked(self, lines: np.ndarray) -> bytes:
        """The chunk with these lines' text taken out, their line ends kept (Polars reads an
        empty line as a row of nulls, so rows stay one per line)."""
        if len(lines) == 0:
            return self.piece
        parts, position = [], 0
        for index in lines.tolist():
            parts.append(self.piece[position : self.starts[index]])
            position = int(self.stops[index])
        parts.append(self.piece[position:])
        return b"".join(parts)

    def padded_lines(self, delimiter: str) -> np.ndarray:
        """Lines where a cell starts or ends with a space: a space after a delimiter or at the
        line's start, or before a delimiter or the line's end (its newline, or the carriage
        return before it; any other one makes the line a stray-return line, trimmed anyway)."""
        arr = np.frombuffer(self.piece, np.uint8)
        spaces = positions(self.piece, b" ", few=0)
        padded = np.zeros(self.count, dtype=bool)
        if len(spaces) == 0:
            return padded
        ends = (ord(delimiter), NEWLINE, CARRIAGE_RETURN)
        before = arr[np.maximum(spaces - 1, 0)]
        after = arr[np.minimum(spaces + 1, len(arr) - 1)]
        at_edge = np.isin(before, ends) | np.isin(after, ends) | (spaces == 0)
        padded[np.searchsorted(self.ends, spaces[at_edge])] = True
        return padded

    def bad_lines(self, good: np.ndarray) -> np.ndarray:
        return np.flatnonzero(~good & ~self.blank)

    def line(self, index: int) -> str:
        return self.piece[self.starts[index] : self.stops[index]].decode("utf-8", "replace")

    def originals(self, rows: list[int]) -> list[str]:
        """Rejected lines as sent, for the report; a NUL byte (which text cannot hold) as \\0."""
        first = int(self.row_numbers[0]) if self.count else 0
        return [self.line(row - first).replace("\x00", "\\0") for row in rows]
