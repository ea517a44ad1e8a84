"""Reading a ward's .xlsx return: find each sheet's header under the merged title rows, stop
at the totals row, and hand every data row on as text with its sheet row number.

python-calamine (Rust) reads cells many times faster than openpyxl (see docs/benchmarks.md),
but it trusts the file: it inflates what the zip says and allocates a sheet's whole used
range. A ward's file is untrusted input, so xlsx_guard checks the zip and every sheet's XML
first (xlsx_bounds: how far a sheet's cells reach), and any error the library raises while
opening or reading a sheet quarantines the file (FileRejected naming the sheet) instead of
stopping the batch. Limits (also in docs/feeds/README.md):

- at most MAX_UNCOMPRESSED_BYTES inflated in all, MAX_ENTRY_BYTES for one part, and no part
  inflating more than MAX_RATIO times its compressed size (counted as inflated, not declared);
- at most MAX_SHEETS sheets and MAX_PARTS parts; no DTD in any XML part;
- no cell right of the workbook's widest table plus SPARE_COLUMNS (never beyond MAX_COLUMNS),
  and none below MAX_ROWS_PER_SHEET or below MAX_CELLS_PER_SHEET / columns, whichever is less,
  counting the sheet's declared <dimension> and every cell reference.

A value under a header cell that is empty (or right of the header) rejects its row, as in CSV.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl

from mtqg_warehouse.contracts.model import FeedContract, Table
from mtqg_warehouse.ingest import messages
from mtqg_warehouse.ingest.errors import FileRejected
from mtqg_warehouse.ingest.frames import cell_columns, to_contract_frame
from mtqg_warehouse.ingest.headers import HeaderMap, header_key, map_header
from mtqg_warehouse.ingest.rows import ROW_NUMBER, Chunk, ReadResult, RowProblem
from mtqg_warehouse.ingest.xlsx_bounds import SheetBounds, column_letters
from mtqg_warehouse.ingest.xlsx_guard import ZipLimits, check_workbook

MAX_SHEETS = 20
MAX_PARTS = 1_000
MAX_ROWS_PER_SHEET = 1_000_000
MAX_CELLS_PER_SHEET = 20_000_000  # calamine holds a sheet as a dense range, 32 bytes a cell
MAX_COLUMNS = 256
SPARE_COLUMNS = 50  # notes or stray formatting right of the table (their values are rejected)
MAX_UNCOMPRESSED_BYTES = 512 * 1024**2
MAX_ENTRY_BYTES = 256 * 1024**2
MAX_RATIO = 100  # deflated XML shrinks 5 to 30 times; a zip bomb a thousand times
HEADER_SEARCH_ROWS = 15


def read_xlsx(path: Path, contract: FeedContract) -> list[ReadResult]:
    """Every table the workbook's kind carries (from the file name), each from its sheet."""
    from python_calamine import CalamineWorkbook

    kind = contract.file_names.kind_of(path.name)
    tables = [t for t in contract.tables.values() if t.workbook_kind in (None, kind)]
    if path.stat().st_size == 0:
        raise FileRejected(path, "the file is empty")
    uncomputed = check_workbook(path, zip_limits(), sheet_bounds(tables))
    with _library_errors(path, "the workbook"):
        workbook = CalamineWorkbook.from_path(str(path))
        names = workbook.sheet_names
    if len(names) > MAX_SHEETS:
        raise FileRejected(path, f"more than {MAX_SHEETS} sheets")
    return [_read_sheet(path, workbook, table, uncomputed) for table in tables]


def zip_limits() -> ZipLimits:
    return ZipLimits(MAX_UNCOMPRESSED_BYTES, MAX_ENTRY_BYTES, MAX_RATIO, MAX_PARTS)


def sheet_bounds(tables: list[Table]) -> SheetBounds:
    """Columns from the contract (the widest table and some spare), rows from the cell budget."""
    columns = min(MAX_COLUMNS, max((len(t.columns) for t in tables), default=0) + SPARE_COLUMNS)
    return SheetBounds(rows=min(MAX_ROWS_PER_SHEET, MAX_CELLS_PER_SHEET // columns), columns=columns)


@contextmanager
def _library_errors(path: Path, where: str) -> Iterator[None]:
    """Whatever the xlsx library raises on a damaged file becomes a quarantine naming ``where``;
    a Rust panic reaches Python as a BaseException, so it is caught by its name."""
    try:
        yield
    except FileRejected:
        raise
    except Exception as err:
        raise FileRejected(path, f"{where} cannot be read: {_first_line(err)}") from err
    except BaseException as err:
        if type(err).__name__ != "PanicException":
            raise
        raise FileRejected(path, f"{where} cannot be read: {_first_line(err)}") from err


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0][:300] if text else ''}"


def _read_sheet(path: Path, workbook, table: Table, uncomputed: set[str]) -> ReadResult:
    """Rows are streamed: the header is looked for in the first rows, data rows follow it, and a
    non-empty row below the totals row is rejected rather than silently dropped. A sheet with
    formulas whose results were never computed is refused whole: its formula cells read as
    empty, and a row of nothing else would pass for a blank line."""
    sheet_name = _find_sheet(path, workbook.sheet_names, table)
    if sheet_name in uncomputed:
        raise FileRejected(path, messages.UNCOMPUTED_FORMULAS.format(sheet=sheet_name))
    rows = _sheet_rows(path, workbook, sheet_name)
    _, header = _find_header(path, sheet_name, rows, table)
    header_map = map_header(path, header, table)
    data, originals, problems = _data_rows(rows, header_map, table)
    schema = {ROW_NUMBER: pl.Int64} | dict.fromkeys(cell_columns(len(header)), pl.String)
    frame = to_contract_frame(header_map, pl.DataFrame(data, schema=schema, orient="row"), table)
    chunk = Chunk(frame, problems, lambda wanted: [originals.get(row, "") for row in wanted])
    return ReadResult(table=table.name, sheet=sheet_name, chunks=iter([lambda: chunk]))


def _sheet_rows(path: Path, workbook, sheet_name: str) -> Iterator[tuple[int, list[str]]]:
    """The sheet's rows as text with their row numbers; what the library raises on the way
    (only its own calls are inside) quarantines the file, naming the sheet."""
    with _library_errors(path, f"sheet {sheet_name!r}"):
        sheet = workbook.get_sheet_by_name(sheet_name)
        if sheet.total_height > MAX_ROWS_PER_SHEET or sheet.total_width > MAX_COLUMNS:
            limit = f"{MAX_ROWS_PER_SHEET:,} rows x {MAX_COLUMNS} columns"
            raise FileRejected(path, f"sheet {sheet_name!r} is larger than {limit}")
        first_row = (sheet.start or (0, 0))[0] + 1  # iter_rows starts at the first used row
        for row_number, row in enumerate(sheet.iter_rows(), start=first_row):
            yield row_number, [_cell_text(cell) for cell in row]


def _data_rows(
    rows: Iterator[tuple[int, list[str]]], header_map: HeaderMap, table: Table
) -> tuple[list[list], dict[int, str], list[RowProblem]]:
    """Rows under the header, cut or padded to its width; a value with no header above it
    rejects its row (it would be lost), and so does a non-empty row below the totals row."""
    width = header_map.width
    named = {position for position in header_map.positions if position is not None}
    unnamed = [position for position in range(width) if position not in named]
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
        if (unnamed or len(cells) > width) and (stray := _stray_value(cells, unnamed, width)) is not None:
            problems.append(_without_header(row_number, stray, cells[stray]))
        data.append([row_number, *cells[:width], *[""] * (width - len(cells))])
    return data, originals, problems


def _stray_value(cells: list[str], unnamed: list[int], width: int) -> int | None:
    """Where the row has a value under an empty header cell or right of the header."""
    found = [p for p in unnamed if p < len(cells) and cells[p]]
    found += [width + p for p, cell in enumerate(cells[width:]) if cell]
    return found[0] if found else None


def _without_header(row_number: int, position: int, value: str) -> RowProblem:
    return RowProblem(
        row_number=row_number,
        field=f"column {column_letters(position + 1)} (no header)",
        message=messages.VALUE_WITHOUT_HEADER,
        value_as_sent=value,
    )


def _below_totals(row_number: int) -> RowProblem:
    return RowProblem(
        row_number=row_number,
        field=None,
        message=messages.BELOW_TOTALS,
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
