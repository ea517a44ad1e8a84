"""The loader's promises against a real PostgreSQL: exactly once, atomic, superseding, and
closed to hostile input."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from copy_progress import wait_for_copy

from mtqg_warehouse.ingest import files, xlsx_reader
from mtqg_warehouse.ingest.errors import BatchHadQuarantines
from mtqg_warehouse.ingest.run import ingest_feed

pytestmark = pytest.mark.integration

RAW_TABLES = (
    "raw_ward_returns.poverty_review",
    "raw_ward_returns.support",
    "raw_ward_returns.funds",
    "raw_bank.loan_events",
    "raw_insurance.cards",
)


@pytest.fixture(scope="module")
def clean_feeds(tmp_path_factory: pytest.TempPathFactory, generate_city) -> Path:
    return generate_city(tmp_path_factory.mktemp("clean"), households=2000, seed=11)


def _deliver(source: Path, state: Path, feed: str, pattern: str = "*") -> None:
    inbox = state / "inbox" / feed
    inbox.mkdir(parents=True, exist_ok=True)
    for path in sorted((source / feed).glob(pattern)):
        shutil.copyfile(path, inbox / path.name)


def _checksums(url: str) -> dict[str, tuple[int, str]]:
    """Row count and an order-independent digest of every raw table."""
    with psycopg.connect(url) as conn:
        return {
            table: conn.execute(
                f"select count(*), coalesce(md5(string_agg(md5(t::text), '' order by md5(t::text))), '') "
                f"from {table} as t"
            ).fetchone()
            for table in RAW_TABLES
        }


def test_same_inbox_loaded_twice_leaves_the_warehouse_identical(
    warehouse: str, tmp_path: Path, clean_feeds: Path
) -> None:
    state = tmp_path / "state"
    for feed in ("ward_returns", "bank", "insurance"):
        _deliver(clean_feeds, state, feed)
        ingest_feed(feed, run_id="first")
    first = _checksums(warehouse)
    assert all(count > 0 for count, _ in first.values())
    for feed in ("ward_returns", "bank", "insurance"):
        _deliver(clean_feeds, state, feed)
        report = ingest_feed(feed, run_id="second")
        assert report.loaded == [] and len(report.duplicates) > 0
    assert _checksums(warehouse) == first
    with psycopg.connect(warehouse) as conn:
        statuses = dict(conn.execute("select status, count(*) from ops.load_audit group by 1").fetchall())
    assert statuses["duplicate"] == statuses["loaded"]


def test_a_renamed_copy_of_a_loaded_file_is_rolled_back_and_recorded_as_a_duplicate(
    warehouse: str, tmp_path: Path, clean_feeds: Path
) -> None:
    state = tmp_path / "state"
    _deliver(clean_feeds, state, "bank", "vbsp_*_2023010*.csv")
    ingest_feed("bank", run_id="first")
    before = _bank_checksum(warehouse)
    inbox = state / "inbox" / "bank"
    inbox.mkdir(parents=True, exist_ok=True)
    original = sorted((clean_feeds / "bank").glob("vbsp_*_2023010*.csv"))[0]
    renamed = inbox / original.name.replace(".csv", "_02.csv")
    shutil.copyfile(original, renamed)
    report = ingest_feed("bank", run_id="renamed")
    assert report.loaded == [] and report.duplicates == [renamed.name]
    assert _bank_checksum(warehouse) == before, "the copy's rows were rolled back"
    with psycopg.connect(warehouse) as conn:
        status, message = conn.execute(
            "select status, message from ops.load_audit where source_file = %s", [renamed.name]
        ).fetchone()
        pending = conn.execute("select count(*) from ops.load_audit where sha256 like 'pending:%'").fetchone()
    assert status == "duplicate" and message.startswith("identical to load ")
    assert pending == (0,), "every audit row carries its file's real sha256"


def _bank_file(folder: Path, name: str, rows: int, day: str = "04/05/2023") -> Path:
    """A valid daily bank file of ``rows`` disbursements dated ``day``."""
    from mtqg_warehouse.contracts.model import load_contract

    columns = load_contract("bank").tables["loan_events"].columns
    header = ",".join(column.header_vi for column in columns)
    template = (
        "GD{i:012d},TK{i:010d},31825-{h:06d},0953{i:08d},Lê Văn Tám,31825,HN,HND,31825-HND-01,"
        "GN,10.000.000,{day},10.000.000,0\n"
    )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(header + "\n")
        handle.writelines(template.format(i=i, h=i % 999_999, day=day) for i in range(rows))
    return path


def _audit_of(url: str, name: str) -> tuple[str, int, int, bool]:
    """status, rows loaded, rows rejected, and whether the load is current."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "select status, rows_loaded, rows_rejected, superseded_by is null from ops.load_audit "
            "where source_file = %s order by load_id desc limit 1",
            [name],
        ).fetchone()
    assert row is not None, f"no audit row for {name}"
    return row


def test_the_same_bytes_renamed_to_the_day_their_rows_are_of_load(warehouse: str, tmp_path: Path) -> None:
    """A file named for the wrong day has every row rejected for its date; sent again with
    the day its rows are of (what the rejection asks), the identical bytes are a new
    delivery of another return, not a re-delivery."""
    inbox = tmp_path / "state" / "inbox" / "bank"
    misnamed = _bank_file(inbox, "vbsp_954_20230503.csv", 5)
    ingest_feed("bank", run_id="misnamed")
    assert _audit_of(warehouse, misnamed.name) == ("loaded", 0, 5, True)
    _bank_file(inbox, "vbsp_954_20230504.csv", 5)  # the same bytes
    report = ingest_feed("bank", run_id="renamed")
    assert report.duplicates == [] and report.loaded
    assert _audit_of(warehouse, "vbsp_954_20230504.csv") == ("loaded", 5, 0, True)


def test_a_superseded_version_sent_again_as_a_newer_one_is_current_again(
    warehouse: str, tmp_path: Path
) -> None:
    inbox = tmp_path / "state" / "inbox" / "bank"
    first = _bank_file(tmp_path / "kept", "vbsp_954_20230504.csv", 6)
    inbox.mkdir(parents=True)
    shutil.copyfile(first, inbox / first.name)
    ingest_feed("bank", run_id="v1")
    _bank_file(inbox, "vbsp_954_20230504_02.csv", 4)  # a correction: two rows fewer
    ingest_feed("bank", run_id="v2")
    assert _audit_of(warehouse, first.name)[3] is False, "version 2 superseded version 1"
    shutil.copyfile(first, inbox / "vbsp_954_20230504_03.csv")  # the correction withdrawn
    report = ingest_feed("bank", run_id="v3")
    assert report.duplicates == [], "a superseded version sent as a newer one is not a re-delivery"
    assert _audit_of(warehouse, "vbsp_954_20230504_03.csv") == ("loaded", 6, 0, True)
    assert _audit_of(warehouse, "vbsp_954_20230504_02.csv")[3] is False
    shutil.copyfile(first, inbox / first.name)  # version 1 once more: changes nothing
    report = ingest_feed("bank", run_id="v1 again")
    assert report.duplicates == [first.name] and report.loaded == []


def _bank_checksum(url: str) -> tuple[int, str]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select count(*), md5(string_agg(md5(t::text), '' order by md5(t::text))) "
            "from raw_bank.loan_events t"
        ).fetchone()


def _big_bank_file(folder: Path, rows: int) -> Path:
    """A valid daily bank file big enough that killing its load mid-COPY is easy to time."""
    return _bank_file(folder, "vbsp_954_20230504.csv", rows)


def test_a_load_killed_mid_file_leaves_no_trace_and_the_next_run_loads_it_whole(
    warehouse: str, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    inbox = state / "inbox" / "bank"
    inbox.mkdir(parents=True)
    _big_bank_file(inbox, 600_000)
    lines = (inbox / "vbsp_954_20230504.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    smalls = [inbox / "vbsp_954_20230502.csv", inbox / "vbsp_954_20230503.csv"]  # sort before the big one
    for number, small in enumerate(smalls):
        # the small files' own days and transaction ids: an id is unique across files
        rows = [
            line.replace("GD", "GS", 1).replace(",04/05/2023,", f",0{2 + number}/05/2023,")
            for line in lines[1 + 12 * number : 13 + 12 * number]
        ]
        small.write_text("".join([lines[0], *rows]), encoding="utf-8")
    env = dict(os.environ, WAREHOUSE_URL=warehouse, MTQG_STATE_DIR=str(state))
    loader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from mtqg_warehouse.ingest.run import ingest_feed; ingest_feed('bank', 'killed')",
        ],
        env=env,
    )
    try:
        wait_for_copy(warehouse, loader)
    finally:
        loader.send_signal(signal.SIGKILL)
        loader.wait()
    with psycopg.connect(warehouse) as conn:
        conn.execute("select pg_sleep(0.5)")  # the server notices the dead client and rolls back
        loaded = conn.execute("select source_file, rows_loaded from ops.load_audit where status = 'loaded'")
        assert sorted(loaded.fetchall()) == [(small.name, 12) for small in smalls], "files before stay loaded"
        assert conn.execute("select count(*) from raw_bank.loan_events").fetchone() == (24,)
        assert conn.execute("select count(*) from ops.rejected_rows").fetchone() == (0,)
    assert not any(small.exists() for small in smalls), "files loaded before the kill are archived"
    assert (inbox / "vbsp_954_20230504.csv").exists(), "a killed load must not archive the file"
    report = ingest_feed("bank", run_id="again")
    assert [(item["rows_read"], item["rows_loaded"]) for item in report.loaded] == [(600_000, 600_000)]
    with psycopg.connect(warehouse) as conn:
        per_file = conn.execute(
            "select _source_file, count(*) from raw_bank.loan_events_lineage group by 1 order by 1"
        )
        assert per_file.fetchall() == [
            (smalls[0].name, 12),
            (smalls[1].name, 12),
            ("vbsp_954_20230504.csv", 600_000),
        ]


def test_a_corrected_resubmission_supersedes_the_earlier_return(
    warehouse: str, tmp_path: Path, clean_feeds: Path
) -> None:
    state = tmp_path / "state"
    original = sorted((clean_feeds / "ward_returns").glob("bao_cao_*_202305.xlsx"))[0]
    _deliver(clean_feeds, state, "ward_returns", original.name)
    ingest_feed("ward_returns", run_id="v1")
    corrected = state / "inbox" / "ward_returns" / original.name.replace(".xlsx", "_v2.xlsx")
    _drop_last_support_row(original, corrected)
    report = ingest_feed("ward_returns", run_id="v2")
    (v2,) = report.loaded
    with psycopg.connect(warehouse) as conn:
        audit = conn.execute(
            "select source_file, superseded_by from ops.load_audit order by load_id"
        ).fetchall()
        assert audit == [(original.name, v2["load_id"]), (corrected.name, None)]
        kept = conn.execute("select count(distinct _load_id) from raw_ward_returns.support").fetchone()[0]
        assert kept == 2, "the superseded return stays in raw as history"
        current = conn.execute(
            "select count(*) from raw_ward_returns.support where _load_id in "
            "(select load_id from ops.current_loads)"
        ).fetchone()[0]
    assert current == v2["rows_loaded"] - _funds_rows(warehouse, v2["load_id"])


def _drop_last_support_row(source: Path, target: Path) -> None:
    import openpyxl

    workbook = openpyxl.load_workbook(source)
    sheet = workbook["Hỗ trợ"]
    last = max(row[0].row for row in sheet.iter_rows() if row[1].value)
    sheet.delete_rows(last)
    workbook.save(target)


def _funds_rows(url: str, load_id: int) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select count(*) from raw_ward_returns.funds where _load_id = %s", [load_id]
        ).fetchone()[0]


def test_hostile_names_and_oversized_files_are_refused_cleanly(
    warehouse: str, tmp_path: Path, clean_feeds: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "state"
    inbox = state / "inbox" / "insurance"
    inbox.mkdir(parents=True)
    secret = tmp_path / "secret.csv"
    secret.write_text("not for the warehouse\n")
    (inbox / "the_bhyt_95_202301.csv").symlink_to(secret)
    (inbox / "the_bhyt_95_202302.csv;rm -rf ~").write_text("x\n")
    (inbox / "..the_bhyt_95_202303.csv").write_text("x\n")
    (inbox / "the_bhyt_95_202304.csv").mkdir()
    big = sorted((clean_feeds / "insurance").glob("*.csv"))[0]
    shutil.copyfile(big, inbox / "the_bhyt_95_202305.csv")
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 1024)
    with pytest.raises(BatchHadQuarantines) as raised:
        ingest_feed("insurance", run_id="hostile")
    message = str(raised.value)
    for expected in ("symbolic links", "does not follow", "hidden file", "not a regular file", "larger than"):
        assert expected in message
    assert secret.read_text() == "not for the warehouse\n"
    with psycopg.connect(warehouse) as conn:
        assert conn.execute("select count(*) from ops.load_audit").fetchone() == (0,)


def test_a_workbook_that_expands_too_far_is_quarantined(
    warehouse: str, tmp_path: Path, clean_feeds: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "state"
    name = sorted((clean_feeds / "ward_returns").glob("ra_soat_*.xlsx"))[0].name
    _deliver(clean_feeds, state, "ward_returns", name)
    monkeypatch.setattr(xlsx_reader, "MAX_UNCOMPRESSED_BYTES", 10_000)
    report = ingest_feed("ward_returns", run_id="bomb", strict=False)
    assert report.loaded == [] and "expands to more than" in report.quarantined[0]
    assert (state / "quarantine" / "ward_returns").is_dir()
    error_files = list((state / "quarantine" / "ward_returns").glob("*.error.txt"))
    assert len(error_files) == 1 and "expands" in error_files[0].read_text()


def test_a_late_copy_of_the_first_version_does_not_undo_the_correction(
    warehouse: str, tmp_path: Path, clean_feeds: Path
) -> None:
    state = tmp_path / "state"
    original = sorted((clean_feeds / "ward_returns").glob("bao_cao_*_202306.xlsx"))[0]
    inbox = state / "inbox" / "ward_returns"
    inbox.mkdir(parents=True)
    corrected = inbox / original.name.replace(".xlsx", "_v2.xlsx")
    _drop_last_support_row(original, corrected)
    ingest_feed("ward_returns", run_id="v2 first")
    shutil.copyfile(original, inbox / original.name)
    ingest_feed("ward_returns", run_id="v1 late")
    with psycopg.connect(warehouse) as conn:
        current = conn.execute("select source_file from ops.current_loads").fetchall()
        late = conn.execute(
            "select superseded_by is not null from ops.load_audit where source_file = %s", [original.name]
        ).fetchone()
    assert current == [(corrected.name,)]
    assert late == (True,)


def test_rows_below_the_totals_row_are_rejected_not_dropped(
    warehouse: str, tmp_path: Path, clean_feeds: Path
) -> None:
    import openpyxl

    state = tmp_path / "state"
    source = sorted((clean_feeds / "ward_returns").glob("ra_soat_*.xlsx"))[0]
    inbox = state / "inbox" / "ward_returns"
    inbox.mkdir(parents=True)
    workbook = openpyxl.load_workbook(source)
    sheet = workbook["Rà soát"]
    last = sheet.max_row
    sheet.cell(row=last + 1, column=1, value="Tổng cộng")
    sheet.cell(row=last + 3, column=1, value="Ghi chú: số liệu tạm tính")
    workbook.save(inbox / source.name)
    (report,) = ingest_feed("ward_returns", run_id="totals").loaded
    with psycopg.connect(warehouse) as conn:
        rejected = conn.execute("select row_number, reason from ops.rejected_rows").fetchall()
    assert (last + 3, "row below the totals row") in rejected
    assert report["rows_read"] == report["rows_loaded"] + report["rows_rejected"]


def test_schema_upkeep_takes_no_lock_a_running_load_holds(warehouse: str) -> None:
    """Every load and build calls ensure_ops_schema; it must not wait on (or deadlock with) a load."""
    from mtqg_warehouse.db import connection as db
    from mtqg_warehouse.db import ddl

    with db.connect(warehouse) as first:
        ddl.ensure_ops_schema(first)
    with psycopg.connect(warehouse) as loading, db.connect(warehouse) as other:
        # an open load transaction, as during a COPY
        loading.execute(
            "insert into ops.load_audit (feed, source_file, sha256, status) "
            "values ('bank', 'x.csv', 'x', 'loaded')"
        )
        other.execute("set lock_timeout = '2s'")
        ddl.ensure_ops_schema(other)
        loading.rollback()


def test_a_bank_correction_supersedes_only_its_own_office(warehouse, tmp_path: Path, generate_city) -> None:
    clean = generate_city(tmp_path / "gen", households=600, seed=3)
    original = max((clean / "bank").glob("vbsp_954_*.csv"), key=lambda p: p.stat().st_size)
    lines = original.read_text(encoding="utf-8").splitlines(keepends=True)
    assert len(lines) > 3
    inbox = tmp_path / "state" / "inbox" / "bank"
    inbox.mkdir(parents=True)
    shutil.copyfile(original, inbox / original.name)
    other = original.name.replace("vbsp_954_", "vbsp_955_")
    (inbox / other).write_text("".join(lines[:-1]), encoding="utf-8")
    ingest_feed("bank", run_id="first", strict=False)
    correction = original.name.replace(".csv", "_02.csv")
    (inbox / correction).write_text("".join(lines[:-2]), encoding="utf-8")
    ingest_feed("bank", run_id="correction", strict=False)
    with psycopg.connect(warehouse) as conn:
        current = sorted(r[0] for r in conn.execute("select source_file from ops.current_loads"))
        senders = dict(conn.execute("select source_file, sender_code from ops.load_audit"))
    assert current == sorted([other, correction])
    assert senders[other] == "955"
