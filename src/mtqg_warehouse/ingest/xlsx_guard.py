"""Checking a workbook's zip and sheet XML before the xlsx library touches it.

python-calamine builds each sheet as a dense range (every cell from the first used one to
the last), so one value in cell XFD1048576 makes it allocate hundreds of GiB and the process
aborts before it returns; a zip entry may inflate far beyond its declared size. So every
entry is inflated here first, counting the bytes it really yields (never its declared size),
within a total, a per-entry and a ratio budget, and checked against its CRC. Any XML part that
declares a DTD (entity expansion, external entities) is refused. In every worksheet part the
<dimension> and the cell references are bounded (see ``SheetBounds``):

- the fast path, for sheets whose every cell starts ``<c r="A1"`` (Excel, LibreOffice,
  openpyxl and our generator write that), is a few regular-expression searches over the
  inflated bytes, at C speed: a cell reference past the bounds is found without a Python step
  per cell;
- any other sheet (cells without a reference, prefixed elements, odd spellings) is streamed
  through expat, which follows calamine's rules for where a cell without a reference goes.

The bounds over-approximate calamine's range (an empty ``<c r="Z9"/>`` counts), so a file that
passes cannot make it allocate more than rows x columns cells.
"""

from __future__ import annotations

import functools
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.parsers import expat

from mtqg_warehouse.ingest.errors import FileRejected

READ_BYTES = 1024**2  # compressed bytes read, and inflated bytes produced, per step
RATIO_FLOOR = 1024**2  # entries smaller than this are never refused for their ratio
LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
DTD = re.compile(rb"<!(?i:doctype|entity)")
DIMENSION = re.compile(rb"<(?:[\w.-]+:)?dimension\s[^>]*?\bref\s*=\s*[\"']([^\"']*)[\"']")
PREFIXED_CELL = re.compile(rb":c[\s/>]")
ROOT = re.compile(rb"<[^?!]")
SHEET_ENTRY = re.compile(r'<(?:\w+:)?sheet\b[^>]*?name="([^"]*)"[^>]*?r:id="([^"]*)"')


@dataclass(frozen=True)
class ZipLimits:
    total_bytes: int
    entry_bytes: int
    ratio: int
    entries: int


@dataclass(frozen=True)
class SheetBounds:
    """The largest sheet accepted: no cell right of column ``columns`` or below row ``rows``."""

    rows: int
    columns: int

    def describe(self) -> str:
        return f"{self.rows:,} rows x {self.columns} columns (A1:{column_letters(self.columns)}{self.rows})"


def check_workbook(path: Path, zip_limits: ZipLimits, bounds: SheetBounds) -> None:
    """Raise FileRejected, naming the part (and sheet) at fault, unless every entry inflates
    within the limits and every worksheet stays within ``bounds``."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        raise FileRejected(
            path, "not an .xlsx workbook (the file is damaged, truncated or of another type)"
        ) from err
    if len(infos) > zip_limits.entries:
        raise FileRejected(path, f"the workbook holds {len(infos):,} parts, more than {zip_limits.entries:,}")
    sheet_names: dict[str, str] | None = None
    total = 0
    with open(path, "rb") as handle:
        for info in infos:
            data = _inflate(path, handle, info, zip_limits, zip_limits.total_bytes - total)
            total += len(data)
            if DTD.search(data, 0, _root_start(data)):
                raise FileRejected(path, f"part {info.filename} declares a DTD (<!DOCTYPE or <!ENTITY>)")
            if b"sheetData" in data:
                if sheet_names is None:
                    sheet_names = _sheet_names_by_part(path, handle, infos, zip_limits)
                _check_sheet(path, sheet_names.get(info.filename, info.filename), data, bounds)


def _inflate(path: Path, handle, info: zipfile.ZipInfo, limits: ZipLimits, total_left: int) -> bytes:
    """The entry's bytes as really inflated, stopped as soon as a budget is spent."""
    name = info.filename
    if info.flag_bits & 0x1:
        raise FileRejected(path, f"part {name} is encrypted")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise FileRejected(path, f"part {name} uses compression method {info.compress_type}, not deflate")
    budget = min(limits.entry_bytes, total_left)
    parts, size = [], 0
    for piece in _inflated_pieces(path, handle, info):
        size += len(piece)
        if size > info.file_size:
            declared = f"{info.file_size:,}"
            raise FileRejected(path, f"part {name} inflates to more than its declared {declared} bytes")
        if size > budget:
            if budget == total_left:
                raise FileRejected(path, f"the workbook expands to more than {_size(limits.total_bytes)}")
            raise FileRejected(path, f"part {name} expands to more than {_size(budget)}")
        if size > RATIO_FLOOR and size > limits.ratio * max(info.compress_size, 1):
            raise FileRejected(
                path, f"part {name} expands more than {limits.ratio} times (a zip bomb, or damaged)"
            )
        parts.append(piece)
    data = b"".join(parts)
    if len(data) != info.file_size or zlib.crc32(data) != info.CRC:
        raise FileRejected(path, f"part {name} is damaged (its size or checksum does not match)")
    return data


def _inflated_pieces(path: Path, handle, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """Inflated bytes at most READ_BYTES at a time, from the compressed bytes the central
    directory points at (the library's own readers stop at the declared size)."""
    handle.seek(info.header_offset)
    header = handle.read(LOCAL_HEADER.size)
    if len(header) != LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
        raise FileRejected(path, f"part {info.filename} is damaged (no local header)")
    fields = LOCAL_HEADER.unpack(header)
    handle.seek(info.header_offset + LOCAL_HEADER.size + fields[9] + fields[10])
    left = info.compress_size
    inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    while left > 0:
        chunk = handle.read(min(READ_BYTES, left))
        if not chunk:
            raise FileRejected(path, f"part {info.filename} is cut off")
        left -= len(chunk)
        if inflater is None:
            yield chunk
            continue
        try:
            yield from _drain(inflater, chunk)
        except zlib.error as err:
            raise FileRejected(path, f"part {info.filename} is damaged ({err})") from err
    if inflater is not None and not inflater.eof:
        raise FileRejected(path, f"part {info.filename} is cut off")


def _drain(inflater, chunk: bytes) -> Iterator[bytes]:
    piece = inflater.decompress(chunk, READ_BYTES)
    while piece:
        yield piece
        piece = inflater.decompress(inflater.unconsumed_tail, READ_BYTES)


def _size(count: int) -> str:
    return f"{count / 1024**2:,.0f} MiB" if count >= 1024**2 else f"{count:,} bytes"


def _root_start(data: bytes) -> int:
    """Where the root element starts: a DTD can only come before it."""
    found = ROOT.search(data)
    return found.start() if found else len(data)


def _check_sheet(path: Path, sheet: str, data: bytes, bounds: SheetBounds) -> None:
    """The declared range (calamine reads it before <sheetData>), then every cell: one search
    finds a canonical reference out of bounds or any cell that is not canonical."""
    dimension = DIMENSION.search(data, 0, data.find(b"sheetData"))
    if dimension:
        _check_dimension(path, sheet, dimension.group(1).decode("ascii", "replace"), bounds)
    found = None if PREFIXED_CELL.search(data) else _odd_or_beyond(bounds).search(data)
    if found is not None and found.group(1) is not None:
        _too_large(path, sheet, found.group(1).decode("ascii"), bounds)
    if found is not None or PREFIXED_CELL.search(data):
        last_row, last_column = _walk_cells(path, sheet, data, bounds)
        if last_row > bounds.rows or last_column > bounds.columns:
            _too_large(path, sheet, f"{column_letters(last_column)}{last_row}", bounds)


def _check_dimension(path: Path, sheet: str, ref: str, bounds: SheetBounds) -> None:
    """The used range the sender declares; a lie or an omission is caught by the cells."""
    last = ref.split(":")[-1].strip().replace("$", "")
    parsed = re.fullmatch(r"([A-Za-z]{1,3})([0-9]{1,7})", last)
    if parsed is None:
        raise FileRejected(path, f"sheet {sheet!r}: its used range {ref!r} is not a cell range")
    if int(parsed.group(2)) > bounds.rows or column_number(parsed.group(1)) > bounds.columns:
        _too_large(path, sheet, ref, bounds)


def _too_large(path: Path, sheet: str, where: str, bounds: SheetBounds) -> None:
    raise FileRejected(
        path,
        f"sheet {sheet!r} reaches {where}, beyond the {bounds.describe()} a ward return may use; "
        "delete the cells outside the table (select the empty rows/columns, Delete) and send it again",
    )


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


def _walk_cells(path: Path, sheet: str, data: bytes, bounds: SheetBounds) -> tuple[int, int]:
    """The last row and column any cell could take, by calamine's rules: a cell without a
    reference goes right of the one before it, a row without one below the one before it."""
    walker = _CellWalker(bounds)
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = walker.start
    parser.EndElementHandler = walker.end
    parser.StartDoctypeDeclHandler = _no_dtd
    parser.EntityDeclHandler = _no_dtd
    try:
        for offset in range(0, len(data), READ_BYTES):
            parser.Parse(data[offset : offset + READ_BYTES], False)
            if walker.beyond:
                break
        else:
            parser.Parse(b"", True)
    except expat.ExpatError as err:
        raise FileRejected(path, f"sheet {sheet!r} is not well-formed XML ({err})") from err
    except ValueError as err:
        raise FileRejected(path, f"sheet {sheet!r}: {err}") from err
    return walker.last_row, walker.last_column


def _no_dtd(*_: object) -> None:
    raise ValueError("the sheet declares a DTD")


class _CellWalker:
    def __init__(self, bounds: SheetBounds) -> None:
        self.bounds = bounds
        self.row = self.column = 0  # 0-based, as calamine counts
        self.last_row = self.last_column = 0  # 1-based
        self.beyond = False

    def start(self, name: str, attributes: dict[str, str]) -> None:
        local = name.rsplit(" ", 1)[-1]
        reference = attributes.get("r")
        if local == "row" and reference is not None:
            self.row = _integer(reference, "row") - 1
        elif local == "c":
            if reference is not None:
                parsed = re.fullmatch(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,9})", reference.strip())
                if parsed is None:
                    raise ValueError(f"cell reference {reference[:20]!r} is not a cell")
                self.row, self.column = int(parsed.group(2)) - 1, column_number(parsed.group(1)) - 1
            self.last_row = max(self.last_row, self.row + 1)
            self.last_column = max(self.last_column, self.column + 1)
            self.column += 1
            self.beyond = self.last_row > self.bounds.rows or self.last_column > self.bounds.columns

    def end(self, name: str) -> None:
        if name.rsplit(" ", 1)[-1] == "row":
            self.row += 1
            self.column = 0


def _integer(text: str, what: str) -> int:
    if not text.strip().isdigit() or len(text.strip()) > 9:
        raise ValueError(f"{what} number {text[:20]!r} is not a number")
    return int(text)


def _sheet_names_by_part(
    path: Path, handle, infos: list[zipfile.ZipInfo], limits: ZipLimits
) -> dict[str, str]:
    """Part name -> sheet name, from xl/workbook.xml and its relationships, so that messages
    name the sheet the sender sees; best effort (the checks cover every part anyway)."""
    by_name = {info.filename: info for info in infos}
    texts = {}
    for part in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
        info = by_name.get(part)
        if info is None:
            return {}
        texts[part] = _inflate(path, handle, info, limits, limits.entry_bytes).decode("utf-8", "replace")
    sheets = {rel: name for name, rel in SHEET_ENTRY.findall(texts["xl/workbook.xml"])}
    names = {}
    for rel_id, target in _relationships(texts["xl/_rels/workbook.xml.rels"]):
        if rel_id in sheets:
            part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
            names[part] = _unescape(sheets[rel_id])
    return names


def _relationships(text: str) -> Iterator[tuple[str, str]]:
    for tag in re.findall(r"<(?:\w+:)?Relationship\b[^>]*>", text):
        rel_id, target = re.search(r'\bId="([^"]*)"', tag), re.search(r'\bTarget="([^"]*)"', tag)
        if rel_id and target:
            yield rel_id.group(1), target.group(1)


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
