"""Files that change under the loader, and batches that run at once, as the world does it.

A sender still writing, rewriting or truncating a file while it loads must never have a
shorter or stale version archived as loaded, nor kill the process; two batches of one feed
(Airflow and an operator's CLI) must not trip over each other's files.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from copy_progress import wait_for_copy

from mtqg_warehouse.contracts.model import load_contract
from mtqg_warehouse.ingest.run import ingest_feed

pytestmark = pytest.mark.integration

ROW = (
    "GD{i:012d},TK{i:010d},31825-{h:06d},0953{i:08d},{name},31825,HN,HND,31825-HND-01,"
    "GN,10.000.000,04/05/2023,10.000.000,0\n"
)
BATCH = (
    "import json; from dataclasses import asdict; from mtqg_warehouse.ingest.run import ingest_feed; "
    "print(json.dumps(asdict(ingest_feed('bank', run_id='{run}', strict=False))))"
)


def _header() -> str:
    return ",".join(column.header_vi for column in load_contract("bank").tables["loan_events"].columns) + "\n"


def _bank_file(path: Path, rows: range) -> Path:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(_header())
        handle.writelines(ROW.format(i=i, h=i % 999_999, name="Lê Văn Tám") for i in rows)
    return path


def _start_batch(url: str, state: Path, run: str) -> subprocess.Popen:
    env = dict(os.environ, WAREHOUSE_URL=url, MTQG_STATE_DIR=str(state))
    return subprocess.Popen(
        [sys.executable, "-c", BATCH.replace("{run}", run)], env=env, stdout=subprocess.PIPE, text=True
    )


def _finished(batch: subprocess.Popen) -> dict:
    out, _ = batch.communicate(timeout=300)
    assert batch.returncode == 0, f"the batch died (exit {batch.returncode})"
    return json.loads(out.strip().splitlines()[-1])


def _loaded(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select source_file, rows_read, rows_loaded from ops.load_audit "
            "where status = 'loaded' order by 1"
        ).fetchall()


@pytest.mark.parametrize("change", ["append", "truncate"])
def test_a_file_that_changes_while_it_loads_is_left_for_the_next_run(
    warehouse: str, tmp_path: Path, change: str
) -> None:
    state = tmp_path / "state"
    inbox = state / "inbox" / "bank"
    inbox.mkdir(parents=True)
    path = _bank_file(inbox / "vbsp_954_20230504.csv", range(600_000))
    batch = _start_batch(warehouse, state, "first")
    wait_for_copy(warehouse, batch)
    if change == "append":  # the sender's export was still running
        with open(path, "a", encoding="utf-8") as handle:
            handle.writelines(ROW.format(i=i, h=i, name="Lê Văn Tám") for i in range(600_000, 600_100))
    else:  # the sender overwrote it with a shorter file: a memory map would die of SIGBUS here
        os.truncate(path, path.stat().st_size // 3)
    first = _finished(batch)
    assert first["left_for_next_run"] == [path.name]
    assert first["loaded"] == [] and first["quarantined"] == []
    assert _loaded(warehouse) == []
    assert path.exists(), "a file that changed must stay in the inbox"
    _bank_file(path, range(600_100))  # the sender's complete file
    second = ingest_feed("bank", run_id="second", strict=False)
    assert [item["rows_loaded"] for item in second.loaded] == [600_100]
    assert _loaded(warehouse) == [(path.name, 600_100, 600_100)]


@pytest.mark.parametrize("stalled_at", ["a line end", "mid-line"])
def test_an_upload_that_stalls_is_left_for_the_next_run_then_loads_whole(
    warehouse: str, tmp_path: Path, stalled_at: str
) -> None:
    """The sender's upload holds the file open and writes nothing while the batch runs: at a
    line end the file is whole rows that do not change while they load, mid-line its last
    line is cut off. Either way the file waits for the next run, not loaded in part (the rest
    would be written into the archived file) nor quarantined as truncated."""
    state = tmp_path / "state"
    inbox = state / "inbox" / "bank"
    inbox.mkdir(parents=True)
    path = inbox / "vbsp_954_20230504.csv"
    whole = _header() + "".join(ROW.format(i=i, h=i, name="Lê Văn Tám") for i in range(1_000))
    stall = whole.index("\n", len(whole) * 2 // 5) + (1 if stalled_at == "a line end" else 30)
    with open(path, "w", encoding="utf-8") as upload:
        upload.write(whole[:stall])
        upload.flush()
        first = _finished(_start_batch(warehouse, state, "during the upload"))
        upload.write(whole[stall:])
    assert first["left_for_next_run"] == [path.name]
    assert first["loaded"] == [] and first["quarantined"] == []
    second = ingest_feed("bank", run_id="after the upload", strict=False)
    assert [item["rows_loaded"] for item in second.loaded] == [1_000]
    assert _loaded(warehouse) == [(path.name, 1_000, 1_000)]


def test_two_batches_of_one_feed_at_once_each_file_loaded_once(warehouse: str, tmp_path: Path) -> None:
    state = tmp_path / "state"
    inbox = state / "inbox" / "bank"
    inbox.mkdir(parents=True)
    names = []
    for day in range(2, 8):
        rows = range(day * 100_000, day * 100_000 + 50_000)
        names.append(_bank_file(inbox / f"vbsp_954_202305{day:02d}.csv", rows).name)
    batches = [_start_batch(warehouse, state, run) for run in ("airflow", "operator")]
    reports = [_finished(batch) for batch in batches]
    loaded = sorted(item["source_file"] for report in reports for item in report["loaded"])
    assert loaded == names
    assert all(not report["quarantined"] and not report["left_for_next_run"] for report in reports)
    assert [row[0] for row in _loaded(warehouse)] == names
    assert not list(inbox.iterdir())


def test_a_name_with_quotes_inside_an_unquoted_cell_loads_as_written(warehouse: str, tmp_path: Path) -> None:
    inbox = tmp_path / "state" / "inbox" / "bank"
    inbox.mkdir(parents=True)
    names = ['Phạm Văn "Tư"', "Lê Văn Tám", '"Nguyễn, Văn A"', 'Bà "Ba" Nguyễn']
    (inbox / "vbsp_954_20230504.csv").write_text(
        _header() + "".join(ROW.format(i=i, h=i, name=name) for i, name in enumerate(names)), encoding="utf-8"
    )
    report = ingest_feed("bank", run_id="quotes", strict=False)
    assert not report.quarantined
    with psycopg.connect(warehouse) as conn:
        stored = conn.execute(
            "select borrower_name from raw_bank.loan_events order by _row_number"
        ).fetchall()
    assert [row[0] for row in stored] == ['Phạm Văn "Tư"', "Lê Văn Tám", "Nguyễn, Văn A", 'Bà "Ba" Nguyễn']
