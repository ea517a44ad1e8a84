"""CSV deliveries as Windows tools, careless senders and attackers make them: each ends
loaded, its bad rows rejected with a reason, or quarantined with a message that says what
the file is; none takes unbounded memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import psycopg
import pytest

from mtqg_warehouse.contracts.model import load_contract
from mtqg_warehouse.ingest import messages
from mtqg_warehouse.ingest.run import ingest_feed

pytestmark = pytest.mark.integration

ROW = (
    "GD{i:012d},TK{i:010d},31825-{i:06d},0953{i:08d},{name},31825,HN,HND,31825-HND-01,"
    "GN,10.000.000,04/05/2023,10.000.000,0\n"
)
LIMITED_BATCH = """
import json, resource, sys
from dataclasses import asdict
resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))
from mtqg_warehouse.ingest.run import ingest_feed
print(json.dumps(asdict(ingest_feed("bank", run_id="limited", strict=False))))
"""


def _header() -> str:
    return ",".join(column.header_vi for column in load_contract("bank").tables["loan_events"].columns) + "\n"


def _inbox(tmp_path: Path) -> Path:
    inbox = tmp_path / "state" / "inbox" / "bank"
    inbox.mkdir(parents=True)
    return inbox


def _limited_batch(url: str, tmp_path: Path) -> dict:
    """The batch in a process that may not use more than 2 GiB of address space."""
    env = dict(os.environ, WAREHOUSE_URL=url, MTQG_STATE_DIR=str(tmp_path / "state"))
    done = subprocess.run(
        [sys.executable, "-c", LIMITED_BATCH], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_rows_of_nothing_but_commas_are_blank_lines_and_cost_little(warehouse: str, tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    commas = "," * 13 + "\r\n"
    body = ROW.format(i=1, name="Lê Văn Tám") + commas * 320_000 + ROW.format(i=2, name="Lê Thị Hoa")
    (inbox / "vbsp_954_20230504.csv").write_text(_header() + body, encoding="utf-8")
    report = _limited_batch(warehouse, tmp_path)
    assert [(item["rows_read"], item["rows_loaded"]) for item in report["loaded"]] == [(2, 2)]


def test_ten_million_blank_lines_meet_the_row_limit_in_bounded_memory(warehouse: str, tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    (inbox / "vbsp_954_20230504.csv").write_bytes(_header().encode() + b"\n" * 10_500_000)
    report = _limited_batch(warehouse, tmp_path)
    (quarantined,) = report["quarantined"]
    assert "more than 10,000,000 rows" in quarantined


def test_an_overlong_field_rejects_its_row_and_is_stored_capped(warehouse: str, tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    rows = [
        ROW.format(i=1, name="Lê Văn Tám"),
        ROW.format(i=2, name="x" * 5_000),
        ROW.format(i=3, name="y" * 20_000_000),
        ROW.format(i=4, name="Lê Thị Hoa"),
    ]
    (inbox / "vbsp_954_20230504.csv").write_text(_header() + "".join(rows), encoding="utf-8")
    report = ingest_feed("bank", run_id="long", strict=False)
    assert [(item["rows_read"], item["rows_loaded"]) for item in report.loaded] == [(4, 2)]
    with psycopg.connect(warehouse) as conn:
        rejected = conn.execute(
            "select row_number, field, reason, reason_vi, length(value_as_sent), length(original_text), "
            "original_length from ops.rejected_rows order by row_number"
        ).fetchall()
    assert [(row, field) for row, field, *_ in rejected] == [(3, "borrower_name"), (4, "borrower_name")]
    assert all("longer than the 4,096 allowed" in reason and vi for _, _, reason, vi, *_ in rejected)
    assert [(sent, stored) for *_, sent, stored, _ in rejected] == [(2_000, 2_000), (2_000, 2_000)]
    assert rejected[1][6] > 20_000_000


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (lambda header: header.encode("utf-16"), messages.UTF16_FILE),
        (
            lambda header: (header + ROW.format(i=1, name="A")).replace("\n", "\r").encode(),
            messages.CR_ONLY_LINE_ENDS,
        ),
        (None, messages.BINARY_FILE),
        (lambda header: (",".join(f"c{i}" for i in range(300)) + "\n").encode(), "300 columns"),
    ],
    ids=["utf16", "cr-only", "binary", "too-many-columns"],
)
def test_a_file_that_is_not_csv_utf8_is_quarantined_saying_what_it_is(
    warehouse: str, tmp_path: Path, content, message: str
) -> None:
    inbox = _inbox(tmp_path)
    target = inbox / "vbsp_954_20230504.csv"
    if content is None:  # a workbook sent under a .csv name
        with zipfile.ZipFile(target, "w") as archive:
            archive.writestr("xl/workbook.xml", "<workbook/>")
    else:
        target.write_bytes(content(_header()))
    (inbox / "vbsp_954_20230505.csv").write_text(
        _header() + ROW.format(i=9, name="Lê Văn Tám"), encoding="utf-8"
    )
    report = ingest_feed("bank", run_id="not csv", strict=False)
    (quarantined,) = report.quarantined
    assert quarantined.startswith("vbsp_954_20230504.csv") and message in quarantined
    assert [item["source_file"] for item in report.loaded] == ["vbsp_954_20230505.csv"]


def test_a_byte_order_mark_inside_the_file_is_no_part_of_a_key(warehouse: str, tmp_path: Path) -> None:
    """Two exports joined by hand: the second one's byte-order mark starts a data row. Kept,
    it would make a transaction number that looks like another and is not, and pass the
    check that a number is reported once across files."""
    inbox = _inbox(tmp_path)
    body = ROW.format(i=1, name="Lê Văn Tám") + "\ufeff" + ROW.format(i=2, name="Lê Thị Hoa")
    (inbox / "vbsp_954_20230504.csv").write_text(_header() + body, encoding="utf-8")
    next_day = ROW.format(i=2, name="Lê Thị Hoa").replace("04/05/2023", "05/05/2023")
    (inbox / "vbsp_954_20230505.csv").write_text(_header() + next_day, encoding="utf-8")
    report = ingest_feed("bank", run_id="joined", strict=False)
    assert [(item["rows_read"], item["rows_loaded"]) for item in report.loaded] == [(2, 2), (1, 0)]
    with psycopg.connect(warehouse) as conn:
        keys = conn.execute("select transaction_id from raw_bank.loan_events order by 1").fetchall()
        (reason,) = conn.execute("select reason from ops.rejected_rows").fetchone()
    assert keys == [("GD000000000001",), ("GD000000000002",)]
    assert "vbsp_954_20230504.csv" in reason, "the next day's repeat is caught as one"
