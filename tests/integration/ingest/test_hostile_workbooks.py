"""Hostile or damaged workbooks end in quarantine, named, and the batch goes on.

Each test puts one bad ``ra_soat_<ward>_2022.xlsx`` (built here from a clean generated
workbook) in the inbox ahead of a good ``ra_soat_<ward>_2023.xlsx`` and runs the real ingest
against PostgreSQL: the bad file must be quarantined with a message naming it (and the sheet
where known), and the good one must load in the same run.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from mtqg_warehouse.ingest import messages
from mtqg_warehouse.ingest.run import BatchReport, ingest_feed

pytestmark = pytest.mark.integration

SHEET = "xl/worksheets/sheet1.xml"  # the "Rà soát" sheet in the generator's workbooks


@pytest.fixture(scope="module")
def clean_workbook(tmp_path_factory: pytest.TempPathFactory, generate_city) -> Path:
    out = generate_city(tmp_path_factory.mktemp("city"), households=300, seed=3)
    return sorted((out / "ward_returns").glob("ra_soat_*_2023.xlsx"))[0]


def _parts(workbook: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(workbook) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _write(target: Path, parts: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return target


def _with_sheet(edit: Callable[[bytes], bytes]) -> Callable[[Path, Path], None]:
    def build(clean: Path, target: Path) -> None:
        parts = _parts(clean)
        parts[SHEET] = edit(parts[SHEET])
        _write(target, parts)

    return build


def _first_data_row_cell(sheet: bytes, replacement: bytes) -> bytes:
    """The sheet with the first cell of row 5 (the first data row) replaced."""
    start = sheet.index(b'<c r="A5"')
    end = sheet.index(b"</c>", start) + len(b"</c>")
    return sheet[:start] + replacement + sheet[end:]


def _with_dtd(declaration: bytes, use: bytes) -> Callable[[bytes], bytes]:
    def edit(sheet: bytes) -> bytes:
        head, rest = sheet.split(b"?>", 1)
        body = _first_data_row_cell(rest, b'<c r="A5" t="inlineStr"><is><t>' + use + b"</t></is></c>")
        return head + b"?>" + declaration + body

    return edit


BILLION_LAUGHS = (
    b"<!DOCTYPE worksheet ["
    + b"".join(b'<!ENTITY l%d "%s">' % (i, (b"&l%d;" % (i - 1)) * 10 if i else b"lol") for i in range(10))
    + b"]>"
)
DIMENSION = b'<dimension ref="A1:XFD1048576"/>'
XXE = b'<!DOCTYPE worksheet [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'


def _declared_smaller(clean: Path, target: Path) -> None:
    """The sheet's entry inflates to more than the zip's directory and local header declare."""
    _write(target, _parts(clean))
    raw = bytearray(target.read_bytes())
    name = SHEET.encode()
    central = raw.index(b"PK\x01\x02")
    while raw[central + 46 : central + 46 + len(name)] != name:
        central = raw.index(b"PK\x01\x02", central + 4)
    (local,) = struct.unpack_from("<I", raw, central + 42)
    struct.pack_into("<I", raw, central + 24, 1000)  # uncompressed size, central directory
    struct.pack_into("<I", raw, local + 22, 1000)  # and local header
    target.write_bytes(bytes(raw))


def _padded_sheet(clean: Path, target: Path) -> None:
    """400 MiB of blanks inside the sheet: a few hundred KiB compressed, a bomb inflated."""
    parts = _parts(clean)
    sheet = parts.pop(SHEET)
    cut = sheet.index(b"<sheetData>")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
        with archive.open(SHEET, "w", force_zip64=True) as handle:
            handle.write(sheet[:cut])
            blanks = b" " * 1024**2
            for _ in range(400):
                handle.write(blanks)
            handle.write(sheet[cut:])


HOSTILE: dict[str, tuple[Callable[[Path, Path], None], str]] = {
    "cut_off_sheet": (_with_sheet(lambda sheet: sheet[: len(sheet) // 2]), "sheet 'Rà soát' cannot be read"),
    "damaged_xml": (
        _with_sheet(lambda sheet: sheet.replace(b"</c></row>", b"</row>", 3)),
        "sheet 'Rà soát' cannot be read",
    ),
    "billion_laughs": (_with_sheet(_with_dtd(BILLION_LAUGHS, b"&l9;")), "declares a DTD"),
    "external_entity": (_with_sheet(_with_dtd(XXE, b"&secret;")), "declares a DTD"),
    "missing_shared_string": (
        _with_sheet(lambda sheet: _first_data_row_cell(sheet, b'<c r="A5" t="s"><v>99999</v></c>')),
        "sheet 'Rà soát' cannot be read",
    ),
    "entry_larger_than_declared": (_declared_smaller, "inflates to more than its declared 1,000 bytes"),
    "dimension_to_the_last_cell": (
        _with_sheet(
            lambda sheet: sheet.replace(b"<sheetData>", b'<dimension ref="A1:XFD1048576"/><sheetData>')
        ),
        "sheet 'Rà soát' reaches A1:XFD1048576",
    ),
    "padded_zip_bomb": (_padded_sheet, "expands more than 100 times"),
    # a row of formulas a program wrote without calculating them reads as a blank line
    "formulas_without_values": (
        _with_sheet(lambda sheet: _first_data_row_cell(sheet, b'<c r="A5"><f>ROW()-4</f></c>')),
        "sheet 'Rà soát' has formulas without computed values",
    ),
    "not_a_zip": (
        lambda clean, target: target.write_bytes(b"PK\x03\x04 not really"),
        "not an .xlsx workbook",
    ),
}


def _deliver(clean: Path, state: Path, build: Callable[[Path, Path], None]) -> tuple[Path, Path]:
    inbox = state / "inbox" / "ward_returns"
    inbox.mkdir(parents=True, exist_ok=True)
    bad = inbox / clean.name.replace("_2023.xlsx", "_2022.xlsx")  # sorts before the good one
    build(clean, bad)
    good = inbox / clean.name
    shutil.copyfile(clean, good)
    return bad, good


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_a_hostile_workbook_is_quarantined_and_the_next_one_loads(
    warehouse: str, tmp_path: Path, clean_workbook: Path, kind: str
) -> None:
    build, expected = HOSTILE[kind]
    bad, good = _deliver(clean_workbook, tmp_path / "state", build)
    report = ingest_feed("ward_returns", run_id=kind, strict=False)
    _assert_quarantined_and_next_loaded(warehouse, tmp_path / "state", report, bad, good, expected)


def _assert_quarantined_and_next_loaded(
    warehouse: str, state: Path, report: BatchReport, bad: Path, good: Path, expected: str
) -> None:
    (message,) = report.quarantined
    assert message.startswith(bad.name) and expected in message, message
    assert [item["source_file"] for item in report.loaded] == [good.name]
    (error_file,) = (state / "quarantine" / "ward_returns").glob("*.error.txt")
    assert bad.name in error_file.read_text(encoding="utf-8") and expected in error_file.read_text("utf-8")
    assert not bad.exists(), "a quarantined file leaves the inbox, so it cannot block the feed"
    with psycopg.connect(warehouse) as conn:
        audit = dict(conn.execute("select source_file, status from ops.load_audit").fetchall())
    assert audit == {bad.name: "quarantined", good.name: "loaded"}


def test_one_value_in_the_last_cell_is_refused_before_memory_is_spent(
    warehouse: str, tmp_path: Path, clean_workbook: Path
) -> None:
    """calamine would allocate the dense range A1:XFD1048576 (hundreds of GiB) and abort; the
    ingest runs in a process limited to 2 GiB of address space, so only a check made before
    the library allocates lets it finish."""
    last_cell = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
    state = tmp_path / "state"
    bad, good = _deliver(clean_workbook, state, _with_sheet(lambda s: s.replace(b"</sheetData>", last_cell)))
    script = (
        "import json, resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))\n"
        "from dataclasses import asdict\n"
        "from mtqg_warehouse.ingest.run import ingest_feed\n"
        "print(json.dumps(asdict(ingest_feed('ward_returns', 'last cell', strict=False))))\n"
    )
    env = dict(os.environ, WAREHOUSE_URL=warehouse, MTQG_STATE_DIR=str(state))
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"the ingest died ({done.returncode}): {done.stderr[-2000:]}"
    report = json.loads(done.stdout.strip().splitlines()[-1])
    (message,) = report["quarantined"]
    assert message.startswith(bad.name) and "sheet 'Rà soát' reaches XFD1048576" in message
    assert [item["source_file"] for item in report["loaded"]] == [good.name]


def test_values_with_no_header_above_them_reject_their_row(
    warehouse: str, tmp_path: Path, clean_workbook: Path
) -> None:
    """As in the CSV reader: a value under an emptied header cell, or right of the header,
    would be lost, so its row is rejected, naming the column."""
    import openpyxl

    from mtqg_warehouse.ingest.xlsx_bounds import column_letters

    inbox = tmp_path / "state" / "inbox" / "ward_returns"
    inbox.mkdir(parents=True)
    workbook = openpyxl.load_workbook(clean_workbook)
    sheet = workbook["Rà soát"]
    width, last = sheet.max_column, sheet.max_row
    sheet.cell(row=4, column=1).value = None  # the optional "STT" header emptied, one value kept
    for row in range(5, last + 1):
        if row != 8:
            sheet.cell(row=row, column=1).value = None
    sheet.cell(row=6, column=width + 2, value="ghi chú")
    workbook.save(inbox / clean_workbook.name)
    (loaded,) = ingest_feed("ward_returns", run_id="no header").loaded
    with psycopg.connect(warehouse) as conn:
        rejected = conn.execute(
            "select row_number, field, reason, reason_vi, fix_hint, value_as_sent from ops.rejected_rows"
        ).fetchall()
    stray = f"column {column_letters(width + 2)} (no header)"
    assert sorted((row, field, sent) for row, field, *_, sent in rejected) == [
        (6, stray, "ghi chú"),
        (8, "column A (no header)", "4"),
    ]
    assert {(reason, vi, hint) for _, _, reason, vi, hint, _ in rejected} == {
        (
            messages.VALUE_WITHOUT_HEADER.reason,
            messages.VALUE_WITHOUT_HEADER.reason_vi,
            messages.VALUE_WITHOUT_HEADER.fix_hint,
        )
    }
    assert loaded["rows_rejected"] == 2
    assert loaded["rows_read"] == loaded["rows_loaded"] + 2
