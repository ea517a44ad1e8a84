"""Checking a workbook's zip and XML before python-calamine touches it.

calamine trusts the file: it inflates what the zip holds and builds each sheet as a dense
range, so one value in cell XFD1048576 makes it allocate hundreds of GiB and the process
aborts before it returns. So every part is inflated here first, streamed, counting the bytes
it really yields (never its declared size, which must match, as must its CRC), within a total,
a per-part and a ratio budget; the zip directory itself is bounded before Python's zipfile
reads it. Any XML part declaring a DTD (entity expansion, external entities) is refused, and
every sheet's reach is bounded (xlsx_bounds). Nothing is kept in memory but the piece being
scanned, and whole parts are never held.
"""

from __future__ import annotations

import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from xml.parsers import expat

from mtqg_warehouse.ingest.errors import FileRejected
from mtqg_warehouse.ingest.xlsx_bounds import SheetBounds, SheetScan, column_letters, walk_cells

READ_BYTES = 1024**2  # compressed bytes read, and inflated bytes produced, per step
RATIO_FLOOR = 1024**2  # parts smaller than this are never refused for their ratio
DIRECTORY_BYTES_PER_PART = 1024  # the zip directory may take this much per allowed part
MAX_CARRY = 1024**2  # a tag or text this long (Excel's cells hold 32,767 characters) is odd
LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
END_OF_DIRECTORY = struct.Struct("<4sHHHHIIH")
DTD = re.compile(rb"<!(?i:doctype|entity)")
ROOT = re.compile(rb"<[^?!]")
SHEET_ENTRY = re.compile(r'<(?:\w+:)?sheet\b[^>]*?name="([^"]*)"[^>]*?r:id="([^"]*)"')
RELATIONSHIP = re.compile(r"<(?:\w+:)?Relationship\b[^>]*>")


@dataclass(frozen=True)
class ZipLimits:
    total_bytes: int
    entry_bytes: int
    ratio: int
    entries: int


def check_workbook(path: Path, limits: ZipLimits, bounds: SheetBounds) -> set[str]:
    """Raise FileRejected, naming the part (and sheet) at fault, unless every part inflates
    within the limits, no XML declares a DTD, and every sheet stays within ``bounds``.
    Returns the sheets holding a formula without a computed value (the reader refuses
    those of them it reads: their cells would read as empty)."""
    infos = _directory(path, limits)
    names: dict[str, str] | None = None
    total = 0
    uncomputed: set[str] = set()
    with open(path, "rb") as handle:
        for info in infos:
            scan = SheetScan(bounds)
            total += _scan_part(path, handle, info, limits, limits.total_bytes - total, scan)
            if scan.is_sheet:
                names = _sheet_names_by_part(path, handle, infos, limits) if names is None else names
                sheet = names.get(info.filename, info.filename)
                _check_sheet(path, handle, info, sheet, scan)
                if scan.uncomputed_formula:
                    uncomputed.add(sheet)
    return uncomputed


def _directory(path: Path, limits: ZipLimits) -> list[zipfile.ZipInfo]:
    """The parts, once the directory's size (which Python's zipfile reads whole) is bounded."""
    damaged = "not an .xlsx workbook (the file is damaged, truncated or of another type)"
    with open(path, "rb") as handle:
        size = _directory_bytes(handle)
    if size > limits.entries * DIRECTORY_BYTES_PER_PART:
        raise FileRejected(
            path, f"its zip directory of {size:,} bytes is larger than {limits.entries:,} parts need"
        )
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as err:
        raise FileRejected(path, damaged) from err
    if len(infos) > limits.entries:
        raise FileRejected(path, f"the workbook holds {len(infos):,} parts, more than {limits.entries:,}")
    return infos


def _directory_bytes(handle: BinaryIO) -> int:
    """The central directory's size as the end record (or its zip64 form) gives it; 0 when
    there is no end record (zipfile then refuses the file)."""
    end = handle.seek(0, 2)
    start = max(0, end - END_OF_DIRECTORY.size - 65_535)
    handle.seek(start)
    tail = handle.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < END_OF_DIRECTORY.size:
        return 0
    size = END_OF_DIRECTORY.unpack_from(tail, at)[5]
    if size == 0xFFFFFFFF and at >= 20 and tail[at - 20 : at - 16] == b"PK\x06\x07":
        (record,) = struct.unpack_from("<Q", tail, at - 12)  # where the zip64 end record is
        handle.seek(record + 40)
        found = handle.read(8)
        size = struct.unpack("<Q", found)[0] if len(found) == 8 else 0
    return size


def _scan_part(
    path: Path, handle: BinaryIO, info: zipfile.ZipInfo, limits: ZipLimits, total_left: int, scan: SheetScan
) -> int:
    """Inflate one part within its budgets, checking its XML on the way; its size."""
    name = info.filename
    if info.flag_bits & 0x1:
        raise FileRejected(path, f"part {name} is encrypted")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise FileRejected(path, f"part {name} uses compression method {info.compress_type}, not deflate")
    budget = min(limits.entry_bytes, total_left)
    size, crc, carry, before_root = 0, 0, b"", True
    for piece in _inflated_pieces(path, handle, info):
        size += len(piece)
        _check_budget(path, info, size, budget, total_left, limits)
        crc = zlib.crc32(piece, crc)
        segment, carry = _cut_before_tag(carry + piece)
        before_root = _check_prolog(path, name, segment) if before_root else False
        scan.feed(segment)
        if len(carry) > MAX_CARRY:  # no "<" for a megabyte: no sheet Excel writes looks so
            before_root = _check_prolog(path, name, carry) if before_root else False
            scan.give_up()
            carry = b""
    if before_root:
        _check_prolog(path, name, carry)
    scan.feed(carry)
    if size != info.file_size or crc != info.CRC:
        raise FileRejected(path, f"part {name} is damaged (its size or checksum does not match)")
    return size


def _check_budget(
    path: Path, info: zipfile.ZipInfo, size: int, budget: int, total_left: int, limits: ZipLimits
) -> None:
    name = info.filename
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


def _cut_before_tag(data: bytes) -> tuple[bytes, bytes]:
    """``data`` up to its last "<", and the rest (kept for the next piece), so that no tag is
    ever split between two scans."""
    cut = data.rfind(b"<")
    return (data, b"") if cut < 0 else (data[:cut], data[cut:])


def _check_prolog(path: Path, name: str, segment: bytes) -> bool:
    """Refuse a DTD, which can only come before the root element; whether that is still to come."""
    root = ROOT.search(segment)
    if DTD.search(segment, 0, root.start() if root else len(segment)):
        raise FileRejected(path, f"part {name} declares a DTD (<!DOCTYPE or <!ENTITY>), which is not allowed")
    return root is None


def _inflated_pieces(path: Path, handle: BinaryIO, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """Inflated bytes, at most READ_BYTES at a time, from the compressed bytes the directory
    points at (zipfile's own reader stops at the declared size, hiding what lies beyond)."""
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
            piece = inflater.decompress(chunk, READ_BYTES)
            while piece:
                yield piece
                piece = inflater.decompress(inflater.unconsumed_tail, READ_BYTES)
        except zlib.error as err:
            raise FileRejected(path, f"part {info.filename} is damaged ({err})") from err
    if inflater is not None and not inflater.eof:
        raise FileRejected(path, f"part {info.filename} is cut off")


def _size(count: int) -> str:
    return f"{count / 1024**2:,.0f} MiB" if count >= 1024**2 else f"{count:,} bytes"


def _check_sheet(path: Path, handle: BinaryIO, info: zipfile.ZipInfo, sheet: str, scan: SheetScan) -> None:
    bounds = scan.bounds
    dimension_beyond = scan.dimension_beyond()
    if dimension_beyond is None:
        raise FileRejected(path, f"sheet {sheet!r}: its used range {scan.dimension!r} is not a cell range")
    if dimension_beyond:
        _too_large(path, sheet, scan.dimension or "", bounds)
    if scan.beyond:
        _too_large(path, sheet, scan.beyond, bounds)
    if scan.needs_walk:
        try:
            last_row, last_column = walk_cells(_inflated_pieces(path, handle, info), bounds)
        except expat.ExpatError as err:
            raise FileRejected(path, f"sheet {sheet!r} is not well-formed XML ({err})") from err
        except ValueError as err:
            raise FileRejected(path, f"sheet {sheet!r}: {err}") from err
        if bounds.exceeded_by(last_row, last_column):
            _too_large(path, sheet, f"{column_letters(last_column)}{last_row}", bounds)


def _too_large(path: Path, sheet: str, where: str, bounds: SheetBounds) -> None:
    raise FileRejected(
        path,
        f"sheet {sheet!r} reaches {where}, beyond the {bounds.describe()} a ward return may use; "
        "delete the cells outside the table (select the empty rows/columns, Delete) and send it again",
    )


def _sheet_names_by_part(
    path: Path, handle: BinaryIO, infos: list[zipfile.ZipInfo], limits: ZipLimits
) -> dict[str, str]:
    """Part name -> sheet name, from xl/workbook.xml and its relationships, so that messages
    name the sheet the sender sees; best effort (every part is checked anyway)."""
    by_name = {info.filename: info for info in infos}
    texts = {}
    for part in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
        info = by_name.get(part)
        if info is None or info.file_size > limits.entry_bytes:
            return {}
        data = bytearray()
        for piece in _inflated_pieces(path, handle, info):
            data += piece
            if len(data) > info.file_size:  # refused when its turn comes
                return {}
        texts[part] = data.decode("utf-8", "replace")
    sheets = {rel: name for name, rel in SHEET_ENTRY.findall(texts["xl/workbook.xml"])}
    names = {}
    for tag in RELATIONSHIP.findall(texts["xl/_rels/workbook.xml.rels"]):
        rel_id, target = re.search(r'\bId="([^"]*)"', tag), re.search(r'\bTarget="([^"]*)"', tag)
        if rel_id and target and rel_id.group(1) in sheets:
            where = target.group(1)
            part = where.lstrip("/") if where.startswith("/") else posixpath.normpath(f"xl/{where}")
            names[part] = _unescape(sheets[rel_id.group(1)])
    return names


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
