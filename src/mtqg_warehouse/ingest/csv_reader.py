"""Reading a CSV delivery against its contract, with limits that untrusted input needs."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from mtqg_warehouse.contracts import Table
from mtqg_warehouse.ingest.errors import FileRejected
from mtqg_warehouse.ingest.headers import HeaderMap, map_header
from mtqg_warehouse.ingest.rows import ReadResult, RowProblem
from mtqg_warehouse.ingest.text_fields import clean_cell

MAX_FIELD_CHARS = 4096
MAX_ROWS = 10_000_000


def read_csv(path: Path, table: Table, delimiter: str = ",") -> ReadResult:
    """Check the file as a whole, then take every row as text or record why not."""
    raw = path.read_bytes()
    if not raw.strip():
        raise FileRejected(path, "the file is empty")
    if not raw.endswith((b"\n", b"\r")):
        raise FileRejected(path, "the file is truncated: its last line is incomplete")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise FileRejected(path, f"not UTF-8 text (byte {err.start}): save the file as CSV UTF-8") from err
    lines = _lines(path, text, delimiter)
    header = next(lines)[1]
    header_map = map_header(path, header, table)
    result = ReadResult(table=table.name, sheet=None, columns=table.column_names)
    for row_number, fields in lines:
        if row_number > MAX_ROWS + 1:
            raise FileRejected(path, f"more than {MAX_ROWS} rows")
        _take_row(result, row_number, fields, header_map, table, delimiter)
    return result


def _lines(path: Path, text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        for fields in reader:
            if len(fields) == 0:
                continue
            if any(len(value) > MAX_FIELD_CHARS for value in fields):
                raise FileRejected(path, f"row {reader.line_num}: a field is longer than {MAX_FIELD_CHARS}")
            yield reader.line_num, fields
    except csv.Error as err:
        raise FileRejected(path, f"row {reader.line_num}: not valid CSV ({err})") from err


def _take_row(
    result: ReadResult,
    row_number: int,
    fields: list[str],
    header_map: HeaderMap,
    table: Table,
    delimiter: str,
) -> None:
    original = delimiter.join(fields)
    if len(fields) != header_map.width:
        result.problems.append(
            RowProblem(
                row_number,
                None,
                f"row has {len(fields)} fields, the header has {header_map.width}",
                "check for an unquoted separator or a missing cell in this row",
                None,
                original,
            )
        )
        return
    values: list[str | None] = []
    problems: list[RowProblem] = []
    for column, position in zip(table.columns, header_map.positions, strict=True):
        cleaned = clean_cell(fields[position] if position is not None else None)
        if cleaned.problem:
            problems.append(
                RowProblem(
                    row_number,
                    column.name,
                    cleaned.problem,
                    "retype the cell in a Unicode font",
                    cleaned.value,
                    original,
                )
            )
        values.append(cleaned.value)
    if problems:
        result.problems.extend(problems)
    else:
        result.rows.append((row_number, values))
