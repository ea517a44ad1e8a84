"""Reading a CSV delivery against its contract, at close to COPY speed, with input limits.

The file is checked as a whole (empty, truncated, header), then cut at line boundaries into
chunks that the loader parses and checks on worker threads while it COPYs earlier ones. In
each chunk the fields per line are counted with NumPy and the good lines parsed by Polars
(both native code), so a two-million-row bank file costs seconds. A line with the wrong
number of fields becomes a row problem, never a lost row; the contracts allow no line
breaks inside a cell, so a quoted field spanning lines shows up that way too.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import numpy as np
import polars as pl

from mtqg_warehouse.contracts import Table
from mtqg_warehouse.ingest.errors import FileRejected
from mtqg_warehouse.ingest.frames import cell_columns, to_contract_frame
from mtqg_warehouse.ingest.headers import HeaderMap, map_header
from mtqg_warehouse.ingest.rows import ROW_NUMBER, Chunk, ReadResult, RowProblem

MAX_FIELD_CHARS = 4096
MAX_ROWS = 10_000_000
CHUNK_BYTES = 32 * 1024**2
WRONG_WIDTH_HINT = "kiểm tra dòng này: thiếu ô, thừa ô, hoặc dấu phẩy trong ô chưa đặt trong ngoặc kép"
NEWLINE, QUOTE = 10, 34


def read_csv(path: Path, table: Table, delimiter: str = ",") -> ReadResult:
    """Check the file as a whole now; its rows come later, chunk by chunk."""
    raw = _whole_file(path)
    header_end = raw.index(b"\n") + 1
    header = _parse_line(path, _text(path, raw[:header_end]).rstrip("\r\n"), delimiter, 1)
    header_map = map_header(path, header, table)
    if raw.count(b"\n") - 1 > MAX_ROWS:
        raise FileRejected(path, f"more than {MAX_ROWS:,} rows")
    chunks = _chunks(path, raw, header_end, header_map, table, delimiter)
    return ReadResult(table=table.name, sheet=None, chunks=chunks)


def _whole_file(path: Path) -> bytes:
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if not raw.strip():
        raise FileRejected(path, "the file is empty")
    if not raw.endswith(b"\n"):
        raise FileRejected(path, "the file is truncated: its last line is incomplete")
    return raw


def _text(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise FileRejected(path, f"not UTF-8 text (byte {err.start}): save the file as CSV UTF-8") from err


def _parse_line(path: Path, line: str, delimiter: str, row_number: int) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter, strict=True))
    except (csv.Error, StopIteration) as err:
        raise FileRejected(path, f"row {row_number}: not valid CSV ({err})") from err


def _chunks(
    path: Path, raw: bytes, start: int, header_map: HeaderMap, table: Table, delimiter: str
) -> Iterator[Callable[[], Chunk]]:
    """Byte ranges cut at line ends, each parsed when (and on whichever thread) it is called."""
    row_number = 2
    while start < len(raw):
        end = raw.find(b"\n", min(start + CHUNK_BYTES, len(raw) - 1)) + 1
        piece = raw[start:end]
        yield partial(_chunk, path, piece, row_number, header_map, table, delimiter)
        row_number += piece.count(b"\n")
        start = end


def _chunk(
    path: Path, piece: bytes, first_row: int, header_map: HeaderMap, table: Table, delimiter: str
) -> Chunk:
    layout = _LineLayout(piece, first_row, delimiter)
    good = layout.good_lines(header_map.width)
    problems = [_wrong_width(layout, index, header_map.width, delimiter) for index in layout.bad_lines(good)]
    data = piece if good.all() else layout.join(good)
    cells = _parse(path, data, header_map.width, delimiter, int(good.sum()))
    cells = cells.with_columns(pl.Series(ROW_NUMBER, layout.row_numbers[good], dtype=pl.Int64))
    if layout.count and int((layout.ends - layout.starts).max()) > MAX_FIELD_CHARS:
        _check_field_sizes(path, cells)
    frame = to_contract_frame(header_map, cells, table)
    return Chunk(frame=frame, problems=problems, originals=layout.originals)


class _LineLayout:
    """Where each line of a chunk starts and ends, and its field and quote counts."""

    def __init__(self, piece: bytes, first_row: int, delimiter: str) -> None:
        arr = np.frombuffer(piece, np.uint8)
        self.piece = piece
        self.ends = np.flatnonzero(arr == NEWLINE)
        self.starts = np.concatenate(([0], self.ends[:-1] + 1))
        self.count = len(self.ends)
        self.row_numbers = np.arange(first_row, first_row + self.count, dtype=np.int64)
        self.separators = self._per_line(arr == ord(delimiter))
        self.quotes = self._per_line(arr == QUOTE) if b'"' in piece else np.zeros(self.count, np.int64)
        lengths = self.ends - self.starts - (arr[np.maximum(self.ends - 1, 0)] == 13)
        self.blank = lengths <= 0

    def _per_line(self, mask: np.ndarray) -> np.ndarray:
        return np.diff(np.searchsorted(np.flatnonzero(mask), self.ends), prepend=0)

    def good_lines(self, width: int) -> np.ndarray:
        if not self.quotes.any():
            return ~self.blank & (self.separators == width - 1)
        """Unquoted lines with the right count; quoted lines are judged by the csv module later."""
        return ~self.blank & (self.quotes == 0) & (self.separators == width - 1) | (
            ~self.blank & (self.quotes > 0) & self._quoted_ok(width)
        )

    def _quoted_ok(self, width: int) -> np.ndarray:
        """Lines with quotes (rare: names with commas) are judged by the csv module, strictly."""
        ok = np.zeros(self.count, dtype=bool)
        for index in np.flatnonzero((self.quotes > 0) & (self.quotes % 2 == 0)):
            try:
                fields = next(csv.reader([self.line(int(index))], strict=True), [])
            except csv.Error:
                continue
            ok[index] = len(fields) == width
        return ok

    def bad_lines(self, good: np.ndarray) -> np.ndarray:
        return np.flatnonzero(~good & ~self.blank)

    def line(self, index: int) -> str:
        return self.piece[self.starts[index] : self.ends[index]].decode("utf-8", "replace").rstrip("\r")

    def join(self, good: np.ndarray) -> bytes:
        return b"".join(self.piece[self.starts[i] : self.ends[i] + 1] for i in np.flatnonzero(good))

    def originals(self, rows: list[int]) -> list[str]:
        first = int(self.row_numbers[0]) if self.count else 0
        return [self.line(row - first) for row in rows]


def _wrong_width(layout: _LineLayout, index: int, width: int, delimiter: str) -> RowProblem:
    """One bad line is one rejected row, never a reason to refuse the whole file."""
    text = layout.line(int(index))
    try:
        fields = len(next(csv.reader([text], delimiter=delimiter, strict=True)))
        reason = f"row has {fields} fields, the header has {width}"
    except csv.Error:
        reason = (
            "row is not valid CSV: a quote is not closed on this line (line breaks in a cell are not allowed)"
        )
    reason_vi = "số ô của dòng không khớp với dòng tiêu đề"
    return RowProblem(int(layout.row_numbers[index]), None, reason, WRONG_WIDTH_HINT, None, text, reason_vi)


def _parse(path: Path, data: bytes, width: int, delimiter: str, expected: int) -> pl.DataFrame:
    schema = dict.fromkeys(cell_columns(width), pl.String)
    if expected == 0:
        return pl.DataFrame(schema=schema)
    try:
        cells = pl.read_csv(
            io.BytesIO(data),
            has_header=False,
            schema=schema,
            separator=delimiter,
            encoding="utf8",
            n_threads=1,
        )
    except pl.exceptions.ComputeError as err:
        raise FileRejected(path, f"not UTF-8 text or not valid CSV: {str(err).splitlines()[0]}") from err
    if cells.height != expected:
        raise FileRejected(path, f"rows could not be told apart ({cells.height} parsed, {expected} lines)")
    return cells


def _check_field_sizes(path: Path, cells: pl.DataFrame) -> None:
    for column in cells.columns:
        if column != ROW_NUMBER and (cells.get_column(column).str.len_chars().max() or 0) > MAX_FIELD_CHARS:
            raise FileRejected(path, f"a field is longer than {MAX_FIELD_CHARS:,} characters")
