"""Reading a ward's .xlsx return: find each sheet's header under the merged title rows, stop
at the totals row, and hand every data row on as text with its sheet row number.

python-calamine (Rust) reads cells many times faster than openpyxl (see docs/benchmarks.md);
the workbook is opened once, and size, sheet and row limits are checked before any cell is
taken, since a ward's file is untrusted input.
"""

from __future__ import annotations

import datetime as dt
import itertools
import zipfile
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from mtqg_warehouse.contracts.model import FeedContract, Table
from mtqg_warehouse.ingest.errors import FileRejected
from mtqg_warehouse.ingest.frames import cell_columns, to_contract_frame
from mtqg_warehouse.ingest.headers import header_key, map_header
from mtqg_warehouse.ingest.messages import Message
from mtqg_warehouse.ingest.rows import ROW_NUMBER, Chunk, ReadResult, RowProblem

MAX_SHEETS = 20
MAX_ROWS_PER_SHEET = 1_000_000
MAX_COLUMNS = 200
MAX_UNCOMPRESSED_BYTES = 1024**3
HEADER_SEARCH_ROWS = 15


def read_xlsx(path: Path, contract: FeedContract) -> list[ReadResult]:
    """Every table the workbook's kind carries (from the file name), each from its sheet."""
    from python_calamine import CalamineWorkbook

    _check_archive(path)
    kind = contract.file_names.kind_of(path.name)
    tables = [t for t in contract.tables.values() if t.workbook_kind in (None, kind)]
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as err:  # calamine raises its own error types for every kind of damage
        raise FileRejected(path, f"not a readable .xlsx workbook ({err})") from err
    if len(workbook.sheet_names) > MAX_SHEETS:
        raise FileRejected(path, f"more than {MAX_SHEETS} sheets")
    return [_read_sheet(path, workbook, table) for table in tables]


def _check_archive(path: Path) -> None:
    """A zip bomb or a non-zip file is refused before any XML is parsed."""
    if path.stat().st_size == 0:
        raise FileRejected(path, "the file is empty")
    try:
        with zipfile.ZipFile(path) as archive:
            size = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as err:
        raise FileRejected(
            path, "not an .xlsx workbook (the file is damaged, truncated or of another type)"
        ) from err
    if size > MAX_UNCOMPRESSED_BYTES:
        raise FileRejected(path, f"workbook expands to more than {MAX_UNCOMPRESSED_BYTES // 1024**2} MiB")


def _read_sheet(path: Path, workbook, table: Table) -> ReadResult:
    """Rows are streamed: the header is looked for in the first rows, data rows follow it, and a
    non-empty row below the totals row is rejected rather than silently dropped."""
    sheet_name = _find_sheet(path, workbook.sheet_names, table)
    sheet = workbook.get_sheet_by_name(sheet_name)
    if sheet.total_height > MAX_ROWS_PER_SHEET or sheet.total_width > MAX_COLUMNS:
        raise FileRejected(path, f"sheet {sheet_name!r} is larger than {MAX_ROWS_PER_SHEET:,} rows")
    first_row = (sheet.start or (0, 0))[0] + 1  # iter_rows starts at the first used row
    rows = enumerate(([_cell_text(cell) for cell in row] for row in sheet.iter_rows()), start=first_row)
    _, header = _find_header(path, sheet_name, rows, table)
    header_map = map_header(path, header, table)
    data, originals, problems, below_totals = [], {}, [], False
    for row_number, cells in rows:
        if not any(cells):
            continue
        originals[row_number] = " | ".join(cells)
        below_totals = below_totals or _is_footer(cells, table)
        if below_totals:
            if not _is_footer(cells, table):
                problems.append(_below_totals(row_number))
            continue
        data.append([row_number, *cells[: len(header)], *[""] * (len(header) - len(cells))])
    schema = {ROW_NUMBER: pl.Int64} | dict.fromkeys(cell_columns(len(header)), pl.String)
    frame = to_contract_frame(header_map, pl.DataFrame(data, schema=schema, orient="row"), table)
    chunk = Chunk(frame, problems, lambda wanted: [originals.get(row, "") for row in wanted])
    return ReadResult(table=table.name, sheet=sheet_name, chunks=iter([lambda: chunk]))


def _below_totals(row_number: int) -> RowProblem:
    return RowProblem(
        row_number=row_number,
        field=None,
        message=Message(
            reason="row below the totals row",
            reason_vi="dòng nằm dưới dòng tổng cộng",
            fix_hint="chuyển dòng này lên trên dòng tổng cộng, hoặc xóa nếu là ghi chú",
        ),
        value_as_sent=None,
    )


def _find_sheet(path: Path, names: list[str], table: Table) -> str:
    wanted = header_key(table.sheet_vi or table.name)
    for name in names:
        if header_key(name) in (wanted, header_key(table.name)):
            return name
    raise FileRejected(path, f"sheet {table.sheet_vi!r} ({table.name}) is missing; sheets found: {names}")


def _find_header(
    path: Path, sheet: str, rows: Iterator[tuple[int, list[str]]], table: Table
) -> tuple[int, list[str]]:
    """The header is the first row naming most required columns; titles above it vary."""
    required = {header_key(c.header_vi) for c in table.columns if c.required}
    for row_number, cells in itertools.islice(rows, HEADER_SEARCH_ROWS):
        if len(required & {header_key(cell) for cell in cells}) >= max(1, len(required) // 2):
            return row_number, cells
    raise FileRejected(path, f"sheet {sheet!r}: no header row with the contract's columns in the first rows")


def _is_footer(cells: list[str], table: Table) -> bool:
    first = next((cell for cell in cells if cell), "")
    return any(header_key(first).startswith(header_key(marker)) for marker in table.footer_markers)


def _cell_text(cell: object) -> str:
    """Cells as text the way the contract expects: numbers without '.0', dates dd/mm/yyyy."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "1" if cell else "0"
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() else str(cell).replace(".", ",")
    if isinstance(cell, dt.datetime | dt.date):
        return cell.strftime("%d/%m/%Y")
    return str(cell).strip()
