"""The workbook guard alone: zip budgets counted as inflated, DTDs, and sheet bounds on both
the fast path (canonical references) and the expat path (cells without references)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mtqg_warehouse.ingest import xlsx_guard
from mtqg_warehouse.ingest.errors import FileRejected
from mtqg_warehouse.ingest.xlsx_bounds import (
    SheetBounds,
    SheetScan,
    column_letters,
    column_number,
    greater_than,
)
from mtqg_warehouse.ingest.xlsx_guard import ZipLimits, check_workbook

LIMITS = ZipLimits(total_bytes=64 * 1024**2, entry_bytes=32 * 1024**2, ratio=100, entries=50)
BOUNDS = SheetBounds(rows=1_000, columns=30)  # A1:AD1000
HEAD = b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def _sheet(rows: bytes, before: bytes = b"") -> bytes:
    return HEAD + before + b"<sheetData>" + rows + b"</sheetData></worksheet>"


def _workbook(tmp_path: Path, parts: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    path = tmp_path / "ra_soat_31813_2023.xlsx"
    with zipfile.ZipFile(path, "w", method) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def _problem(tmp_path: Path, parts: dict[str, bytes], **kwargs) -> str | None:
    try:
        check_workbook(_workbook(tmp_path, parts, **kwargs), LIMITS, BOUNDS)
    except FileRejected as err:
        return str(err)
    return None


@given(st.integers(1, 10**7), st.integers(0, 10**8))
def test_greater_than_matches_exactly_the_larger_numbers(bound: int, number: int) -> None:
    pattern = greater_than(str(bound), "1-9", "0-9")
    assert bool(re.fullmatch(pattern, str(number).encode())) == (number > bound)


@given(st.integers(1, 16_384), st.integers(1, 20_000))
def test_greater_than_matches_exactly_the_columns_to_the_right(bound: int, column: int) -> None:
    pattern = greater_than(column_letters(bound), "A-Z", "A-Z")
    assert bool(re.fullmatch(pattern, column_letters(column).encode())) == (column > bound)


@given(st.integers(1, 16_384))
def test_column_letters_and_numbers_round_trip(number: int) -> None:
    assert column_number(column_letters(number)) == number


def _row(number: int, *refs: str) -> bytes:
    cells = "".join(f'<c r="{ref}"><v>1</v></c>' for ref in refs)
    return f'<row r="{number}">{cells}</row>'.encode()


@pytest.mark.parametrize(
    ("rows", "before", "reached"),
    [
        (_row(1, "A1", "AD1000"), b"", None),  # the last cell allowed
        (_row(1, "A1", "AE1"), b"", "AE1"),
        (_row(1001, "A1001"), b"", "A1001"),
        (_row(1, "XFD1048576"), b"", "XFD1048576"),
        (_row(1, "A1"), b'<dimension ref="A1:XFD1048576"/>', "A1:XFD1048576"),
        (_row(1, "A1", "ZZ9"), b'<dimension ref="A1:C3"/>', "ZZ9"),  # the dimension lies
        (b'<row r="1"><c r="A1"/><c r="XFD1"/></row>', b"", "XFD1"),  # empty cells count too
        (b'<row r="1"><c s="1" r="XFD1"><v>1</v></c></row>', b"", "XFD1"),  # r not first
        (b'<row r="1"><c r = "XFD1"><v>1</v></c></row>', b"", "XFD1"),  # odd spacing
        (b'<row r="1">' + b"<c><v>1</v></c>" * 31 + b"</row>", b"", "AE1"),  # no references
        (b'<row r="1000"><c><v>1</v></c></row><row><c><v>1</v></c></row>', b"", "A1001"),
        (b'<row r="1" spans="1:2"><c r="A1" s="1" t="n"><v>1</v></c></row>', b"", None),
        (b"<row r='7'><c r='AE7'><v>1</v></c></row>", b"", "AE7"),  # single quotes
    ],
)
def test_a_sheet_is_bounded_by_its_dimension_and_every_cell(
    tmp_path: Path, rows: bytes, before: bytes, reached: str | None
) -> None:
    problem = _problem(tmp_path, {"xl/worksheets/sheet1.xml": _sheet(rows, before)})
    if reached is None:
        assert problem is None
    else:
        assert problem is not None and f"reaches {reached}," in problem, problem


def test_prefixed_cells_are_walked_by_expat(tmp_path: Path) -> None:
    sheet = (
        b'<?xml version="1.0"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/'
        b'2006/main"><x:sheetData><x:row r="1"><x:c r="XFD1"><x:v>1</x:v></x:c></x:row>'
        b"</x:sheetData></x:worksheet>"
    )
    assert "reaches XFD1," in _problem(tmp_path, {"xl/worksheets/sheet1.xml": sheet})


def test_the_message_names_the_sheet_the_sender_sees(tmp_path: Path) -> None:
    workbook = (
        b'<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        b'<sheets><sheet name="R\xc3\xa0 so\xc3\xa1t" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    rels = b'<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>'
    parts = {
        "xl/workbook.xml": workbook,
        "xl/_rels/workbook.xml.rels": rels,
        "xl/worksheets/sheet1.xml": _sheet(_row(1, "XFD1")),
    }
    assert "sheet 'Rà soát' reaches XFD1" in _problem(tmp_path, parts)


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "[Content_Types].xml", "xl/sharedStrings.xml"])
def test_a_dtd_in_any_part_is_refused(tmp_path: Path, part: str) -> None:
    dtd = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
    parts = {"xl/worksheets/sheet1.xml": _sheet(_row(1, "A1"))}
    parts[part] = dtd + parts.get(part, b"<x>&a;</x>").split(b"?>", 1)[-1]
    assert f"part {part} declares a DTD" in _problem(tmp_path, parts)


def test_a_part_that_inflates_too_many_times_is_refused(tmp_path: Path) -> None:
    bomb = {"xl/media/blob.bin": b"\0" * (4 * 1024**2)}
    assert "expands more than 100 times" in _problem(tmp_path, bomb)
    small = {"xl/media/blob.bin": b"\0" * 100_000}  # below the ratio floor: fine
    assert _problem(tmp_path, small) is None


def test_the_total_counts_every_part_even_when_each_is_small(tmp_path: Path) -> None:
    parts = {f"xl/media/part{i}.bin": bytes(20 * 1024**2) for i in range(4)}
    assert "the workbook expands to more than 64 MiB" in _problem(tmp_path, parts, method=zipfile.ZIP_STORED)


def test_one_part_above_its_budget_is_refused(tmp_path: Path) -> None:
    parts = {"xl/media/big.bin": bytes(40 * 1024**2)}
    assert "part xl/media/big.bin expands to more than 32 MiB" in _problem(
        tmp_path, parts, method=zipfile.ZIP_STORED
    )


def test_too_many_parts_or_an_unusual_compression_is_refused(tmp_path: Path) -> None:
    many = {f"xl/p{i}.xml": b"<x/>" for i in range(51)}
    assert "holds 51 parts" in _problem(tmp_path, many)
    assert "compression method 12" in _problem(tmp_path, {"a.xml": b"<x/>"}, method=zipfile.ZIP_BZIP2)


def test_a_part_longer_than_declared_is_refused_before_it_is_all_inflated(tmp_path: Path) -> None:
    path = _workbook(tmp_path, {"xl/worksheets/sheet1.xml": _sheet(_row(1, "A1") * 200)})
    raw = bytearray(path.read_bytes())
    central = raw.index(b"PK\x01\x02")
    raw[central + 24 : central + 28] = (100).to_bytes(4, "little")
    path.write_bytes(bytes(raw))
    with pytest.raises(FileRejected, match="inflates to more than its declared 100 bytes"):
        check_workbook(path, LIMITS, BOUNDS)


def test_a_damaged_part_is_refused(tmp_path: Path) -> None:
    path = _workbook(tmp_path, {"xl/worksheets/sheet1.xml": _sheet(_row(1, "A1") * 200)})
    raw = bytearray(path.read_bytes())
    start = raw.index(b"sheet1.xml") + len(b"sheet1.xml") + 20
    raw[start : start + 8] = b"\xff" * 8
    path.write_bytes(bytes(raw))
    with pytest.raises(FileRejected, match="part xl/worksheets/sheet1.xml is (damaged|cut off)"):
        check_workbook(path, LIMITS, BOUNDS)


@pytest.mark.parametrize("piece_bytes", [5, 7, 13, 64, 1000])
def test_no_reference_escapes_by_falling_across_pieces(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, piece_bytes: int
) -> None:
    """The XML is scanned piece by piece; a reference split between two pieces still counts."""
    monkeypatch.setattr(xlsx_guard, "READ_BYTES", piece_bytes)
    rows = b"".join(_row(number, f"A{number}", f"AD{number}") for number in range(1, 40))
    parts = {"xl/worksheets/sheet1.xml": _sheet(rows, b'<dimension ref="A1:AD39"/>')}
    assert _problem(tmp_path, parts, method=zipfile.ZIP_STORED) is None
    for far in ("AE7", "A1001", "XFD1048576"):
        parts = {"xl/worksheets/sheet1.xml": _sheet(rows + _row(40, far))}
        assert f"reaches {far}," in _problem(tmp_path, parts, method=zipfile.ZIP_STORED)
    dtd = {"xl/worksheets/sheet1.xml": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>' + _sheet(rows)}
    assert "declares a DTD" in _problem(tmp_path, dtd, method=zipfile.ZIP_STORED)


def test_a_zip_directory_larger_than_the_parts_need_is_refused_before_it_is_read(tmp_path: Path) -> None:
    parts = {f"xl/{'x' * 1100}{i}.xml": b"<x/>" for i in range(50)}
    assert "its zip directory of" in _problem(tmp_path, parts)


@pytest.mark.parametrize(
    ("cell", "problem"),
    [
        (b'<c r="A1" r="XFD1048576">', "duplicate attribute"),  # calamine would take the last r
        (b'<c r="A1" t="n"\n r = \'XFD1048576\'>', "duplicate attribute"),
        (b'<c r="A1" ' + b'x="' + b"y" * 200 + b'" r="XFD1">', "duplicate attribute"),  # a long tag
        (b'<c r="A-1">', "is not a cell"),
    ],
)
def test_a_cell_calamine_would_place_elsewhere_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cell: bytes, problem: str
) -> None:
    monkeypatch.setattr(xlsx_guard, "READ_BYTES", 16)  # tags fall across pieces
    rows = _row(1, "A1") + b'<row r="2">' + cell + b"<v>1</v></c></row>"
    found = _problem(tmp_path, {"xl/worksheets/sheet1.xml": _sheet(rows)}, method=zipfile.ZIP_STORED)
    assert found is not None and problem in found, found


def test_a_megabyte_of_text_between_tags_is_scanned_whole(tmp_path: Path) -> None:
    text = b'<c r="A1" t="inlineStr"><is><t>' + b"a" * (2 * 1024**2) + b"</t></is></c>"
    rows = b'<row r="1">' + text + b'</row><row r="2"><c><v>1</v></c></row>'
    stored = zipfile.ZIP_STORED  # stored: a megabyte of one letter would deflate like a bomb
    assert _problem(tmp_path, {"xl/worksheets/sheet1.xml": _sheet(rows)}, method=stored) is None
    far = rows.replace(b"<c><v>1</v></c>", b"<c><v>1</v></c>" * 31)
    assert "reaches AE2," in _problem(tmp_path, {"xl/worksheets/sheet1.xml": _sheet(far)}, method=stored)


def test_a_dtd_padded_past_a_megabyte_is_still_refused(tmp_path: Path) -> None:
    padded = b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "' + b" " * (2 * 1024**2) + b'"><sst/>'
    parts = {"xl/worksheets/sheet1.xml": _sheet(_row(1, "A1")), "xl/sharedStrings.xml": padded}
    assert "declares a DTD" in _problem(tmp_path, parts, method=zipfile.ZIP_STORED)


@pytest.mark.parametrize(
    ("cell", "uncomputed"),
    [
        (b'<c r="A1"><f>ROW()-4</f></c>', True),  # openpyxl: the formula, no value
        (b'<c r="A1"><f t="shared" si="0"/></c>', True),
        (b'<c r="A1"><f aca="false">SUM(B1:C1)</f>\n</c>', True),
        (b'<c r="A1"><f>ROW()-4</f><v>1</v></c>', False),  # Excel and LibreOffice store the result
        (b'<c r="A1" t="str"><f>""</f><v></v></c>', False),
        (b'<c r="A1"><f t="shared" si="0"/><v>5</v></c>', False),
        (b'<c r="A1" t="s"><v>0</v></c><c r="B1"><v>2</v></c>', False),
    ],
)
def test_the_sheets_holding_a_formula_without_its_value_are_named(
    tmp_path: Path, cell: bytes, uncomputed: bool
) -> None:
    path = _workbook(tmp_path, {"xl/worksheets/sheet1.xml": _sheet(b'<row r="1">' + cell + b"</row>")})
    assert check_workbook(path, LIMITS, BOUNDS) == ({"xl/worksheets/sheet1.xml"} if uncomputed else set())


@pytest.mark.parametrize("cut", [b"</f>", b"</c>", b"<f>"])
def test_a_formula_cell_cut_between_two_segments_is_still_found(cut: bytes) -> None:
    """The guard feeds a sheet in segments that end before a tag, so a cell may end in the next."""
    cell = b'<sheetData><row r="1"><c r="A1"><f>ROW()-4</f></c></row>'
    where = cell.index(cut)
    scan = SheetScan(BOUNDS)
    scan.feed(cell[:where])
    scan.feed(cell[where:])
    assert scan.uncomputed_formula
