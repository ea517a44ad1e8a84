"""`mtqg status` on a real warehouse: what it shows and the exit code a script acts on.

The loads and quarantine are real (the loader on the insurance fixture: 5 rows loaded, 3
rejected; a file that is not CSV). The publication log and alert rows are written directly:
a dbt build would cost a minute here and the lifecycle's own tests cover how they get there.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

pytestmark = pytest.mark.integration

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "insurance" / "the_bhyt_95_202501.csv"
MTQG = str(Path(sys.executable).with_name("mtqg"))


def _status(*args: str) -> tuple[int, str]:
    result = subprocess.run([MTQG, "status", *args], capture_output=True, text=True, timeout=120, check=False)
    assert not result.stderr.strip() or result.returncode == 3, result.stderr
    return result.returncode, result.stdout


def test_status_reports_loads_rejections_publication_alerts_and_quarantine(
    warehouse: str, tmp_path: Path
) -> None:
    from mtqg_warehouse.ingest.run import ingest_feed

    code, text = _status()
    assert code == 1 and "nothing loaded yet" in text and "nothing is published" in text

    inbox = tmp_path / "state" / "inbox" / "insurance"
    inbox.mkdir(parents=True)
    shutil.copyfile(FIXTURE, inbox / FIXTURE.name)
    ingest_feed("insurance", run_id="test")
    code, text = _status()
    assert code == 1, text
    assert "the_bhyt_95_202501.csv" in text
    waiting = text.split("waiting for a corrected file")[1].split("Publication")[0]
    assert "insurance" in waiting and " 3 " in waiting, waiting

    with psycopg.connect(warehouse, autocommit=True) as conn:
        conn.execute(
            "insert into ops.publish_log (build_schema, status, published_at, checks_passed, checks_failed) "
            "values ('pub_00001', 'published', now(), 12, 0)"
        )
    code, text = _status()
    assert code == 0, text
    assert "#1 pub_00001" in text and "All well." in text

    with psycopg.connect(warehouse, autocommit=True) as conn:
        conn.execute(
            "insert into ops.publish_log (build_schema, status) values ('pub_00002', 'failed_validation')"
        )
        _ensure_alerts_table(conn)
        conn.execute("insert into ops.alerts (subject, body) values ('GX audit failed on pub_00002', 'x')")
    (inbox / "the_bhyt_95_202502.csv").write_bytes(b"\x00\x01 not a csv \xff")
    ingest_feed("insurance", run_id="test", strict=False)
    code, payload = _status("--json")
    assert code == 1
    status = json.loads(payload)
    assert status["publication"]["build_schema"] == "pub_00001"
    assert [a["subject"] for a in status["open_alerts"]] == ["GX audit failed on pub_00002"]
    (quarantined,) = status["quarantined"]["insurance"]  # kept under a prefix of its sha256
    assert quarantined.endswith("_the_bhyt_95_202502.csv")
    assert status["problems"] == [
        "the latest build pub_00002 ended failed_validation",
        "1 open alert(s)",
        "1 insurance file(s) in quarantine",
    ]


def test_status_exits_3_when_the_warehouse_cannot_be_reached(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAREHOUSE_URL", "postgresql://nobody@127.0.0.1:1/none")
    code, _ = _status()
    assert code == 3


def _ensure_alerts_table(conn: psycopg.Connection) -> None:
    """The alerts table the publication's notifiers keep, as ops.sql makes it where it has it."""
    conn.execute(
        "create table if not exists ops.alerts (alert_id bigserial primary key, "
        "raised_at timestamptz not null default now(), dag_id text, run_id text, task_id text, "
        "feed text, publication text, subject text not null, body text not null, resolved_at timestamptz)"
    )
