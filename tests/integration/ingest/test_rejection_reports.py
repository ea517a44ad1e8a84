"""The rejection report beside an archived file: safe to open in Excel, never half-written,
and rebuilt when a run died between archiving the file and writing its report."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from mtqg_warehouse.ingest.run import ingest_feed

pytestmark = pytest.mark.integration

HOSTILE_IDS = ['=HYPERLINK("http://evil.example","x")', "+84912345678", "-1", "@SUM(A1)", "\t=1+2"]


@pytest.fixture(scope="module")
def clean_workbook(tmp_path_factory: pytest.TempPathFactory, generate_city) -> Path:
    out = generate_city(tmp_path_factory.mktemp("city"), households=300, seed=5)
    return sorted((out / "ward_returns").glob("ra_soat_*_2023.xlsx"))[0]


def _deliver_with_formulas(clean: Path, state: Path) -> Path:
    """The workbook with citizen IDs that would run as formulas in Excel: each is rejected."""
    import openpyxl

    inbox = state / "inbox" / "ward_returns"
    inbox.mkdir(parents=True, exist_ok=True)
    workbook = openpyxl.load_workbook(clean)
    sheet = workbook["Rà soát"]
    for row, value in enumerate(HOSTILE_IDS, start=5):
        cell = sheet.cell(row=row, column=6, value=value)  # F: Số CCCD chủ hộ
        cell.data_type = "s"  # text as sent, not a formula openpyxl would write
    workbook.save(inbox / clean.name)
    return inbox / clean.name


def _report(state: Path) -> Path | None:
    found = list((state / "archive" / "ward_returns").glob("*.rejections.csv"))
    return found[0] if found else None


def _report_rows(report: Path) -> list[dict[str, str]]:
    with open(report, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_report_cells_that_excel_would_run_as_formulas_are_neutralised(
    warehouse: str, tmp_path: Path, clean_workbook: Path
) -> None:
    state = tmp_path / "state"
    _deliver_with_formulas(clean_workbook, state)
    ingest_feed("ward_returns", run_id="formulas")
    rows = _report_rows(_report(state))
    sent = {row["row"]: row["value_as_sent"] for row in rows if row["field"] == "Số CCCD chủ hộ"}
    assert sent == {
        "5": '\'=HYPERLINK("http://evil.example","x")',
        "6": "'+84912345678",
        "7": "'-1",
        "8": "'@SUM(A1)",
        "9": "'=1+2",  # the reader trims the tab; what is left starts a formula
    }
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), row


def _load_killed_at(warehouse: str, state: Path, target: str) -> None:
    """Run the ingest in a child process that SIGKILLs itself when ``target`` (a module
    attribute, replaced only in that process) is called: no timing, the exact point."""
    module, attribute = target.rsplit(".", 1)
    script = (
        "import os, signal, importlib\n"
        f"module = importlib.import_module({module!r})\n"
        f"setattr(module, {attribute!r}, lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL))\n"
        "from mtqg_warehouse.ingest.run import ingest_feed\n"
        "ingest_feed('ward_returns', 'killed')\n"
    )
    env = dict(os.environ, WAREHOUSE_URL=warehouse, MTQG_STATE_DIR=str(state))
    done = subprocess.run([sys.executable, "-c", script], env=env, timeout=300)
    assert done.returncode == -9, "the child should have been killed at the report"


def _rejected_count(warehouse: str) -> int:
    with psycopg.connect(warehouse) as conn:
        return conn.execute("select count(*) from ops.rejected_rows").fetchone()[0]


def test_a_run_killed_before_the_report_is_written_gets_it_rebuilt_by_the_next_run(
    warehouse: str, tmp_path: Path, clean_workbook: Path
) -> None:
    state = tmp_path / "state"
    delivered = _deliver_with_formulas(clean_workbook, state)
    # after the commit and the archive move, before the report
    _load_killed_at(warehouse, state, "mtqg_warehouse.ingest.run.write_rejection_report")
    assert not delivered.exists(), "the file was archived before the kill"
    assert _report(state) is None and _rejected_count(warehouse) >= len(HOSTILE_IDS)
    report = ingest_feed("ward_returns", run_id="next")
    assert report.loaded == [] and report.quarantined == []
    rows = _report_rows(_report(state))
    assert len(rows) == _rejected_count(warehouse)
    assert {row["row"] for row in rows} >= {"5", "6", "7", "8", "9"}


def test_a_report_killed_while_being_written_is_never_left_half_written(
    warehouse: str, tmp_path: Path, clean_workbook: Path
) -> None:
    state = tmp_path / "state"
    _deliver_with_formulas(clean_workbook, state)
    # the rows are written and synced, the rename has not happened
    _load_killed_at(warehouse, state, "os.replace")
    archive = state / "archive" / "ward_returns"
    assert _report(state) is None, "no report file exists until it is complete"
    assert list(archive.glob(".*.partial")), "the unfinished report is a hidden temporary file"
    ingest_feed("ward_returns", run_id="next")
    assert len(_report_rows(_report(state))) == _rejected_count(warehouse)
    assert not list(archive.glob(".*.partial"))


def test_an_empty_report_left_by_an_older_version_is_rebuilt(
    warehouse: str, tmp_path: Path, clean_workbook: Path
) -> None:
    state = tmp_path / "state"
    _deliver_with_formulas(clean_workbook, state)
    ingest_feed("ward_returns", run_id="first")
    report = _report(state)
    report.write_bytes(b"")
    ingest_feed("ward_returns", run_id="next")
    assert len(_report_rows(report)) == _rejected_count(warehouse)
