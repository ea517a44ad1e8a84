"""Reading a CSV delivery against its contract, at close to COPY speed, with input limits.

The file is split into lines and the fields of unquoted lines are split in Polars (Rust),
so a two-million-row bank file costs seconds, not minutes; lines with quotes go through
Python's csv module one by one, and a file with a field spanning lines falls back to it
entirely. A line with the wrong number of fields becomes a row problem, never a lost row.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl

from mtqg_warehouse.contracts import Table
from mtqg_warehouse.ingest.errors import FileRejected
from mtqg_warehouse.ingest.frames import to_contract_frame
from mtqg_warehouse.ingest.rows import ORIGINAL, ROW_NUMBER, ReadResult, RowProblem

MAX_FIELD_CHARS = 4096
MAX_ROWS = 10_000_000
WRONG_WIDTH_HINT = "check for an unquoted separator or a missing cell in this row"


def read_csv(path: Path, table: Table, delimiter: str = ",") -> ReadResult:
    """Check the file as a whole, then take every row as text or record why not."""
    text = _decoded(path)
    lines = pl.Series("line", text.split("\n")[:-1], dtype=pl.String).str.strip_chars_end("\r")
    if len(lines) - 1 > MAX_ROWS:
        raise FileRejected(path, f"more than {MAX_ROWS:,} rows")
    header = _parse_line(path, lines[0], delimiter, 1)
    numbered = (
        pl.DataFrame({ORIGINAL: lines})
        .with_row_index(ROW_NUMBER, offset=1)
        .slice(1)
        .filter(pl.col(ORIGINAL).str.strip_chars() != "")
    )
    if _has_multiline_fields(numbered):
        cells, problems = _read_with_csv_module(path, text, len(header), delimiter)
    else:
        cells, problems = _split_lines(path, numbered, len(header), delimiter)
    _check_field_sizes(path, cells)
    frame = to_contract_frame(path, header, cells, table)
    return ReadResult(table=table.name, sheet=None, frame=frame, problems=problems)


def _decoded(path: Path) -> str:
    raw = path.read_bytes()
    if not raw.strip():
        raise FileRejected(path, "the file is empty")
    if not raw.endswith((b"\n", b"\r")):
        raise FileRejected(path, "the file is truncated: its last line is incomplete")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise FileRejected(path, f"not UTF-8 text (byte {err.start}): save the file as CSV UTF-8") from err


def _parse_line(path: Path, line: str, delimiter: str, row_number: int) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter, strict=True))
    except (csv.Error, StopIteration) as err:
        raise FileRejected(path, f"row {row_number}: not valid CSV ({err})") from err


def _has_multiline_fields(numbered: pl.DataFrame) -> bool:
    quotes = numbered.get_column(ORIGINAL).str.count_matches('"', literal=True)
    return bool((quotes % 2 == 1).any())


def _split_lines(
    path: Path, numbered: pl.DataFrame, width: int, delimiter: str
) -> tuple[pl.DataFrame, list[RowProblem]]:
    """Unquoted lines split in Polars; quoted ones (rare: names with commas) in Python."""
    quoted = pl.col(ORIGINAL).str.contains('"', literal=True)
    plain = numbered.filter(~quoted).with_columns(
        _fields=pl.col(ORIGINAL).str.count_matches(delimiter, literal=True) + 1
    )
    wrong = plain.filter(pl.col("_fields") != width)
    problems = [_wrong_width(row, fields, width, original) for row, original, fields in wrong.iter_rows()]
    good = plain.filter(pl.col("_fields") == width)
    split = good.select(
        ROW_NUMBER,
        ORIGINAL,
        pl.col(ORIGINAL)
        .str.split_exact(delimiter, width - 1)
        .struct.rename_fields([f"f{i}" for i in range(width)])
        .alias("_cells"),
    ).unnest("_cells")
    rows = []
    for row_number, original in numbered.filter(quoted).iter_rows():
        fields = _parse_line(path, original, delimiter, row_number)
        if len(fields) != width:
            problems.append(RowProblem(row_number, None, *_width_reason(len(fields), width), None, original))
            continue
        rows.append([row_number, original, *fields])
    if rows:
        split = pl.concat([split, pl.DataFrame(rows, schema=split.schema, orient="row")])
    return split.sort(ROW_NUMBER), problems


def _read_with_csv_module(
    path: Path, text: str, width: int, delimiter: str
) -> tuple[pl.DataFrame, list[RowProblem]]:
    """The slow, exact path for files with fields spanning lines."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows, problems = [], []
    try:
        next(reader)
        for fields in reader:
            original = delimiter.join(fields)
            if not any(value.strip() for value in fields):
                continue
            if len(fields) != width:
                problems.append(_wrong_width(reader.line_num, len(fields), width, original))
                continue
            rows.append([reader.line_num, original, *fields])
    except csv.Error as err:
        raise FileRejected(path, f"row {reader.line_num}: not valid CSV ({err})") from err
    schema = {ROW_NUMBER: pl.Int64, ORIGINAL: pl.String} | {f"f{i}": pl.String for i in range(width)}
    return pl.DataFrame(rows, schema=schema, orient="row"), problems


def _wrong_width(row_number: int, fields: int, width: int, original: str | None = None) -> RowProblem:
    return RowProblem(row_number, None, *_width_reason(fields, width), None, original or "")


def _width_reason(fields: int, width: int) -> tuple[str, str]:
    return f"row has {fields} fields, the header has {width}", WRONG_WIDTH_HINT


def _check_field_sizes(path: Path, cells: pl.DataFrame) -> None:
    longest = cells.select(pl.col(ORIGINAL).str.len_chars().max()).item()
    if longest and longest > MAX_FIELD_CHARS * 4:
        raise FileRejected(path, f"a row is longer than {MAX_FIELD_CHARS * 4:,} characters")
    for column in cells.columns[2:]:
        if (cells.get_column(column).str.len_chars().max() or 0) > MAX_FIELD_CHARS:
            raise FileRejected(path, f"a field is longer than {MAX_FIELD_CHARS:,} characters")
