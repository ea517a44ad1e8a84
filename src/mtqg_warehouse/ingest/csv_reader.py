"""Reading a CSV delivery against its contract, at close to COPY speed, with input limits.

The file is checked as a whole (empty, truncated, header), then cut at line boundaries into
chunks that the loader parses and checks on a worker thread while it COPYs earlier ones.
A chunk without quotes or carriage returns (nearly all of them) is parsed by Polars in one
go, and a line's field count is proved by its length: the cells' bytes plus one separator
between each must add up to the line. Other chunks count separators and quotes per line
with NumPy first. A line with the wrong number of fields becomes a row problem, never a
lost row; the contracts allow no line breaks inside a cell, so a quoted field spanning
lines shows up that way too. Each chunk keeps its bytes, so good lines can go to COPY as
they were sent (see passthrough.py).
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import BinaryIO

import numpy as np
import polars as pl

from mtqg_warehouse.contracts.model import Table
from mtqg_warehouse.ingest import messages
from mtqg_warehouse.ingest.errors import FileRejected
from mtqg_warehouse.ingest.frames import TRIMMED, cell_columns, to_contract_frame
from mtqg_warehouse.ingest.headers import HeaderMap, map_header
from mtqg_warehouse.ingest.line_layout import LineLayout, in_file_line_ends, line_end_of, newlines
from mtqg_warehouse.ingest.passthrough import SourceLines, copy_shape
from mtqg_warehouse.ingest.rows import ROW_NUMBER, Chunk, ReadResult, RowProblem

MAX_FIELD_CHARS = 4096
MAX_ROWS = 10_000_000
CHUNK_BYTES = 16 * 1024**2
HEAD_BYTES = 1 << 20  # the header line must end within the first MiB
END_OF_FILE_MARKS = 16  # at most this many Ctrl-Z at the end are passed over
MAX_LINES_PER_CHUNK = 500_000
MAX_COLUMNS = 256
# zip (xlsx, docx), PDF, OLE2 (xls, doc), gzip: what senders attach instead of CSV
BINARY_SIGNATURES = (b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0", b"\x1f\x8b\x08")

DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "vertical bars"}

_CellRow = list[str | int | None]  # a line read by the csv module: its cells (None if empty), its row number


def read_csv(path: Path, table: Table, delimiter: str = ",") -> ReadResult:
    """Check the file as a whole now; its rows come later, chunk by chunk."""
    handle = open(path, "rb")  # noqa: SIM115 - the chunk generator closes it when the file is read
    try:
        start, end, header_line = _head(path, handle)
        header_text = _text(path, header_line).rstrip("\r\n")
        other = _other_delimiter(header_text, delimiter)
        if other is not None:
            expected = DELIMITER_NAMES.get(delimiter, repr(delimiter))
            raise FileRejected(path, messages.WRONG_DELIMITER.format(found=other, expected=expected))
        header = _parse_line(path, header_text, delimiter, 1)
        if len(header) > MAX_COLUMNS:
            raise FileRejected(path, messages.TOO_MANY_COLUMNS.format(columns=len(header), limit=MAX_COLUMNS))
        header_map = map_header(path, header, table)
    except BaseException:
        handle.close()
        raise
    line_end = line_end_of(header_line)
    layout = _Layout(header_map, table, delimiter, line_end)
    chunks = _chunks(path, handle, start + len(header_line), end, layout)
    delivered: list[str | None] = [None] * header_map.width
    for name, position in zip(table.column_names, header_map.positions, strict=True):
        if position is not None:
            delivered[position] = name
    shape = copy_shape(table, delivered, line_end)
    return ReadResult(table=table.name, sheet=None, chunks=chunks, copy_shape=shape)


@dataclass(frozen=True)
class _Layout:
    """What every chunk of the file shares: its header, table, delimiter and line end."""

    header_map: HeaderMap
    table: Table
    delimiter: str
    line_end: bytes


def _head(path: Path, handle: BinaryIO) -> tuple[int, int, bytes]:
    """Where the text starts (after a byte-order mark) and ends (before the end-of-file marks
    some Windows tools still write, Ctrl-Z), and the header line. The last line must end in
    a line break: a CSV cut off mid-transfer has no other sign, and loading its rows would
    pass for the whole day's. The file is read with plain reads, never memory-mapped: a
    sender truncating it mid-load would otherwise kill the process (SIGBUS); a short read
    is caught instead (see ingest/run.py)."""
    size = _without_end_of_file_marks(handle)
    head = handle.read(min(HEAD_BYTES, size))
    not_csv = _not_csv_text(head)
    if not_csv:
        raise FileRejected(path, not_csv)
    start = 3 if head[:3] == b"\xef\xbb\xbf" else 0
    if not head[start:] or (head[start:].isspace() and _rest_is_blank(handle)):
        raise FileRejected(path, messages.EMPTY_FILE)
    if os.pread(handle.fileno(), 1, size - 1) != b"\n":
        raise FileRejected(path, messages.TRUNCATED_FILE)
    header_end = head.find(b"\n", start) + 1
    if header_end == 0:
        raise FileRejected(path, messages.HEADER_TOO_LONG.format(limit=HEAD_BYTES))
    return start, size, head[start:header_end]


def _without_end_of_file_marks(handle: BinaryIO) -> int:
    """The file's size less the Ctrl-Z bytes (0x1A) at its very end, which DOS-era tools
    write as an end-of-file mark and which are no part of any row."""
    size = os.fstat(handle.fileno()).st_size
    tail = os.pread(handle.fileno(), END_OF_FILE_MARKS, max(size - END_OF_FILE_MARKS, 0))
    return size - (len(tail) - len(tail.rstrip(b"\x1a")))


def _other_delimiter(header: str, delimiter: str) -> str | None:
    """The separator a header uses instead of the contract's (Excel writes semicolons where
    the comma is the decimal mark, "Unicode text" tabs), when it holds none of the contract's."""
    if delimiter in header:
        return None
    for other, name in DELIMITER_NAMES.items():
        if other != delimiter and header.count(other) >= 2:
            return name
    return None


def _not_csv_text(head: bytes) -> str | None:
    """What the file is instead of CSV UTF-8 text, from its first bytes, or None."""
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(head) > 3 and head[1:4:2] == b"\x00\x00"):
        return messages.UTF16_FILE
    sample = head[:4096]
    if sample.count(b"\x00") * 20 > len(sample) or sample.startswith(BINARY_SIGNATURES):
        return messages.BINARY_FILE
    if b"\n" not in head and b"\r" in head:
        return messages.CR_ONLY_LINE_ENDS
    return None


def _rest_is_blank(handle: BinaryIO) -> bool:
    while block := handle.read(HEAD_BYTES):
        if not block.isspace():
            return False
    return True


def _text(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise FileRejected(path, messages.NOT_UTF8.format(byte=err.start)) from err


def _parse_line(path: Path, line: str, delimiter: str, row_number: int) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter, strict=True))
    except (csv.Error, StopIteration) as err:
        raise FileRejected(path, messages.INVALID_CSV_LINE.format(row=row_number, error=err)) from err


def _chunks(
    path: Path, handle: BinaryIO, start: int, end: int, layout: _Layout
) -> Iterator[Callable[[], Chunk]]:
    """Pieces of the bytes from ``start`` to ``end``, cut at line ends, each parsed when (and
    on whichever thread) it is called. Each block's newlines are found once, here, and
    handed to its pieces."""
    with handle:
        handle.seek(start)
        row_number = 2
        for block in _pieces(path, handle, end - start):
            for piece, ends in _at_most_lines(block, newlines(block), MAX_LINES_PER_CHUNK):
                yield partial(_chunk, path, piece, ends, row_number, layout)
                row_number += len(ends)
                if row_number - 2 > MAX_ROWS:  # checked as the file is read: the load is undone
                    raise FileRejected(path, messages.TOO_MANY_ROWS.format(limit=MAX_ROWS))


def _at_most_lines(block: bytes, ends: np.ndarray, limit: int) -> Iterator[tuple[bytes, np.ndarray]]:
    """The block cut so that no piece holds more than ``limit`` lines: a chunk's per-line
    arrays and frame then stay small even when a file is millions of empty lines."""
    if len(ends) <= limit:
        yield block, ends
        return
    start = 0
    for first in range(0, len(ends), limit):
        piece_ends = ends[first : first + limit]
        end = int(piece_ends[-1]) + 1
        yield block[start:end], piece_ends - start
        start = end


def _pieces(path: Path, handle: BinaryIO, length: int) -> Iterator[bytes]:
    """Whole lines, about CHUNK_BYTES at a time; a line longer than a block is carried into
    the next one. The first blocks are smaller, each twice the one before: COPY starts as soon
    as a small first block is checked, and each block is checked while COPY takes the one
    before, half its size, so the server never waits long for the client."""
    size = max(CHUNK_BYTES // 16, 1)
    carry: list[bytes] = []
    while length > 0 and (block := handle.read(min(size, length))):
        length -= len(block)
        size = min(2 * size, CHUNK_BYTES)
        cut = block.rfind(b"\n") + 1
        if cut == 0:
            carry.append(block)
            continue
        yield b"".join([*carry, memoryview(block)[:cut]])
        carry = [block[cut:]] if cut < len(block) else []
    if carry:  # the file ended in a newline when it was opened: it changed since
        raise FileRejected(path, messages.TRUNCATED_FILE)


def _chunk(path: Path, piece: bytes, ends: np.ndarray, first_row: int, file: _Layout) -> Chunk:
    header_map, table, delimiter = file.header_map, file.table, file.delimiter
    piece, ends = in_file_line_ends(piece, ends, file.line_end)
    layout = LineLayout(piece, ends, first_row, file.line_end)
    width = header_map.width
    layout.blank_delimiter_only_lines(delimiter, width)
    special = layout.lines_holding(b'"', b"\r", b"\x00")
    unsafe = layout.unsafe(special)
    try:
        cells = _parse(path, layout.blanked(unsafe), width, delimiter, layout.count, layout.row_numbers)
        candidates = np.setdiff1d(special, unsafe, assume_unique=True)
    except FileRejected:  # a quoted cell Polars will not take ("abc"def): leave all quoted lines out
        cells = _parse(path, layout.blanked(special), width, delimiter, layout.count, layout.row_numbers)
        candidates = np.zeros(0, dtype=np.int64)
    joined = _joined_length(cells, width)
    good = ~layout.blank & (layout.lengths == joined)
    quoted = _well_quoted(layout, candidates[~good[candidates]], cells, joined, width, delimiter)
    good |= quoted
    cells = cells.with_columns(pl.Series(ROW_NUMBER, layout.row_numbers, dtype=pl.Int64))
    if not good.all():
        cells = cells.filter(pl.Series(good))
    plain_good = good.copy()
    special_cells, special_problems = _special_lines(layout, special, width, delimiter, good)
    if special_cells:
        cells = pl.concat([cells, _frame_of(special_cells, width)], rechunk=True)
    problems = [_wrong_width(layout, index, width, delimiter) for index in layout.bad_lines(good)]
    problems += _values_without_header(cells, header_map)
    if layout.count and int(layout.lengths.max()) > MAX_FIELD_CHARS:
        problems += _too_long_fields(cells, header_map, table)
    untrimmed = _untrimmed_rows(layout, plain_good, cells, len(special_cells), delimiter, quoted)
    frame = to_contract_frame(header_map, cells, table, untrimmed)
    source = SourceLines(piece, layout.starts, layout.ends, first_row, layout.row_numbers[special])
    return Chunk(
        frame=frame, problems=[*problems, *special_problems], originals=layout.originals, source=source
    )


def _values_without_header(cells: pl.DataFrame, header_map: HeaderMap) -> list[RowProblem]:
    """A value under a column whose header cell is empty (Excel's trailing commas leave such
    columns, usually blank) would be lost: its row is rejected instead."""
    named = {position for position in header_map.positions if position is not None}
    unnamed = [position for position in range(header_map.width) if position not in named]
    if not unnamed:
        return []
    stray = cells.filter(
        pl.any_horizontal(pl.col(f"f{p}").str.strip_chars(TRIMMED).str.len_bytes() > 0 for p in unnamed)
    )
    problems = []
    for row in stray.iter_rows(named=True):
        position = next(p for p in unnamed if (row[f"f{p}"] or "").strip(TRIMMED))
        value = row[f"f{position}"]
        field = f"column {position + 1} (no header)"
        problems.append(
            RowProblem(
                row_number=row[ROW_NUMBER],
                field=field,
                message=messages.VALUE_WITHOUT_HEADER,
                value_as_sent=value,
            )
        )
    return problems


def _special_lines(
    layout: LineLayout, special: np.ndarray, width: int, delimiter: str, good: np.ndarray
) -> tuple[list[_CellRow], list[RowProblem]]:
    """Lines with quotes or stray carriage returns, read one by one with the csv module,
    strictly; ``good`` is set for those with the header's width. A NUL byte (which PostgreSQL
    cannot store in text) rejects its row."""
    rows: list[_CellRow] = []
    problems: list[RowProblem] = []
    for index in special.tolist():
        if good[index]:  # Polars read it whole (quotes inside a cell, as in Phạm Văn "Tư"): once is enough
            continue
        text = layout.line(index)
        if "\x00" in text:
            problems.append(
                RowProblem(
                    row_number=int(layout.row_numbers[index]),
                    field=None,
                    message=messages.NUL_CHARACTER,
                    value_as_sent=None,
                )
            )
            layout.blank[index] = True  # reported here, not again as a wrong width
            continue
        if text.count('"') % 2:  # the csv module would take a stray quote as text; COPY would not
            continue
        try:
            fields = next(csv.reader([text], delimiter=delimiter, strict=True), [])
        except csv.Error:
            continue
        if len(fields) == width:
            good[index] = True
            rows.append([*[field or None for field in fields], int(layout.row_numbers[index])])
    return rows, problems


@lru_cache(maxsize=16)
def _strict_line(width: int, delimiter: str) -> re.Pattern[bytes]:
    """A line of exactly ``width`` fields, each either unquoted (no quote, delimiter or line
    break) or wholly quoted with inner quotes doubled: CSV that the csv module reads strictly,
    and Polars reads the same."""
    separator = re.escape(delimiter.encode())
    field = rb'(?:"(?:[^"]|"")*"|[^"' + separator + rb"\r\n]*)"
    return re.compile(field + rb"(?:" + separator + field + rb"){" + str(width - 1).encode() + rb"}")


def _well_quoted(
    layout: LineLayout,
    candidates: np.ndarray,
    cells: pl.DataFrame,
    joined: np.ndarray,
    width: int,
    delimiter: str,
) -> np.ndarray:
    """Lines with quoted cells that Polars read right, so the csv module need not read them
    again: the line is strict CSV of the header's width, and its length is its cells' plus the
    separators and the quotes that are not in the cells (a quoted cell's two, and one of each
    doubled quote)."""
    quoted = np.zeros(layout.count, dtype=bool)
    pattern = _strict_line(width, delimiter)
    piece = layout.piece
    spans = zip(layout.starts[candidates].tolist(), layout.stops[candidates].tolist(), strict=True)
    strict = [pattern.fullmatch(piece, start, stop) is not None for start, stop in spans]
    candidates = candidates[np.array(strict, dtype=bool)] if strict else candidates
    if len(candidates) == 0:
        return quoted
    in_cells = cells[candidates].select(
        pl.sum_horizontal(pl.all().str.count_matches('"', literal=True).fill_null(0))
    )
    spans = zip(layout.starts[candidates].tolist(), layout.stops[candidates].tolist(), strict=True)
    in_lines = np.array([piece.count(b'"', start, stop) for start, stop in spans])
    lengths = joined[candidates] + in_lines - in_cells.to_series().to_numpy()
    quoted[candidates[lengths == layout.lengths[candidates]]] = True
    return quoted


def _frame_of(rows: list[_CellRow], width: int) -> pl.DataFrame:
    schema = {**dict.fromkeys(cell_columns(width), pl.String), ROW_NUMBER: pl.Int64}
    return pl.DataFrame(rows, schema=schema, orient="row")


def _untrimmed_rows(
    layout: LineLayout,
    good: np.ndarray,
    cells: pl.DataFrame,
    special: int,
    delimiter: str,
    quoted: np.ndarray,
) -> pl.Series:
    """Rows with a cell that trimming would change (see frames.TRIMMED: ASCII whitespace, the
    no-break, ideographic and zero-width spaces, a byte-order mark), or an empty quoted cell.
    A plain space at a cell's end is found in the bytes: a space next to a delimiter or a
    line end. Only when the chunk holds any other of those characters does every cell go
    through a regex. Rows of ``quoted`` lines (their cells may be quoted, empty or padded
    inside the quotes) and the last ``special`` rows (read by the csv module) are always
    trimmed."""
    in_rows = quoted[good[: layout.count]]
    if _holds_other_spaces(layout.piece):
        columns = [c for c in cells.columns if c != ROW_NUMBER]
        flags = [pl.col(c).str.contains(f"^[{TRIMMED}]|[{TRIMMED}]$") for c in columns]
        mask = cells.select(pl.any_horizontal(flags).fill_null(False)).to_series()
        mask = mask | pl.Series(np.concatenate([in_rows, np.zeros(cells.height - len(in_rows), dtype=bool)]))
    else:
        mask = pl.Series(layout.padded_lines(delimiter)[good[: layout.count]] | in_rows)
        mask = pl.concat([mask, pl.Series([False] * (cells.height - len(mask)))])
    if special:
        mask = mask.scatter(range(len(mask) - special, len(mask)), True)
    return mask


def _holds_other_spaces(piece: bytes) -> bool:
    """Tabs, vertical tabs, form feeds, no-break, ideographic or zero-width spaces, or a
    byte-order mark anywhere in the chunk?"""
    if any(byte in piece for byte in (b"\t", b"\x0b", b"\x0c")):
        return True
    return any(_holds(piece, character.encode()) for character in "\u00a0\u3000\u200b\ufeff")


def _holds(piece: bytes, sequence: bytes, patience: int = 10_000) -> bool:
    """``sequence in piece``, but found from its first byte with memchr-fast searches: the lead
    bytes of these sequences are rare in Vietnamese text, where a multi-byte search is slow."""
    position = piece.find(sequence[:1])
    while position >= 0 and patience:
        if piece.startswith(sequence, position):
            return True
        position = piece.find(sequence[:1], position + 1)
        patience -= 1
    return position >= 0 and sequence in piece


def _joined_length(cells: pl.DataFrame, width: int) -> np.ndarray:
    """Bytes a line of these cells takes with its separators; any other length means the line
    had more or fewer fields than the header (Polars pads short lines and cuts long ones)."""
    lengths = cells.select(pl.sum_horizontal(pl.all().str.len_bytes().fill_null(0)) + (width - 1))
    return lengths.to_series().to_numpy()


def _wrong_width(layout: LineLayout, index: int, width: int, delimiter: str) -> RowProblem:
    """One bad line is one rejected row, never a reason to refuse the whole file."""
    text = layout.line(int(index))
    try:
        if text.count('"') % 2:
            raise csv.Error("odd number of quotes")
        fields = len(next(csv.reader([text], delimiter=delimiter, strict=True)))
        message = messages.WRONG_FIELD_COUNT.format(fields=fields, width=width)
    except csv.Error:
        message = messages.UNCLOSED_QUOTE
    return RowProblem(
        row_number=int(layout.row_numbers[index]), field=None, message=message, value_as_sent=None
    )


def _parse(
    path: Path, data: bytes, width: int, delimiter: str, expected: int | None, row_numbers: np.ndarray
) -> pl.DataFrame:
    """The cells of ``data`` (lines ragged: a line's width is checked by the caller), whose
    lines are the rows ``row_numbers``; ``expected`` rows, or the file is refused (None: the
    caller checks)."""
    schema = dict.fromkeys(cell_columns(width), pl.String)
    if expected == 0:
        return pl.DataFrame(schema=schema)
    try:
        cells = pl.read_csv(
            data,
            has_header=False,
            schema=schema,
            separator=delimiter,
            encoding="utf8",
            n_threads=1,
            truncate_ragged_lines=True,
            raise_if_empty=False,  # checked by the caller; Polars' check copies the whole chunk
        )
    except pl.exceptions.ComputeError as err:
        raise FileRejected(path, _why_unreadable(data, row_numbers, err)) from err
    if expected is not None and cells.height != expected:
        raise FileRejected(path, messages.ROWS_NOT_APART.format(parsed=cells.height, lines=expected))
    return cells


def _why_unreadable(data: bytes, row_numbers: np.ndarray, err: Exception) -> str:
    """Polars says "invalid utf-8 sequence" and no more: the row and the byte in it are found
    here, so the sender knows where the file is not UTF-8 (a name typed in another encoding)."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as bad:
        line = data.count(b"\n", 0, bad.start)
        if line < len(row_numbers):
            byte = bad.start - data.rfind(b"\n", 0, bad.start)
            return messages.NOT_UTF8_ROW.format(row=int(row_numbers[line]), byte=byte)
    return messages.UNREADABLE_CSV.format(error=str(err).splitlines()[0])


def _too_long_fields(cells: pl.DataFrame, header_map: HeaderMap, table: Table) -> list[RowProblem]:
    """A field beyond MAX_FIELD_CHARS rejects its row (naming the field), never the file."""
    columns = [column for column in cells.columns if column != ROW_NUMBER]
    names = {
        position: column.name
        for column, position in zip(table.columns, header_map.positions, strict=True)
        if position is not None
    }
    too_long = cells.filter(pl.any_horizontal(pl.col(columns).str.len_chars() > MAX_FIELD_CHARS))
    problems = []
    for row in too_long.iter_rows(named=True):
        column = next(c for c in columns if len(row[c] or "") > MAX_FIELD_CHARS)
        problems.append(
            RowProblem(
                row_number=row[ROW_NUMBER],
                field=names.get(int(column[1:]), f"column {int(column[1:]) + 1} (no header)"),
                message=messages.FIELD_TOO_LONG.format(length=len(row[column]), limit=MAX_FIELD_CHARS),
                value_as_sent=row[column],
            )
        )
    return problems
