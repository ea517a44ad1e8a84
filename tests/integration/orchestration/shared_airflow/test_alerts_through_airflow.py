"""Alerts under the real scheduler, caught by a local mail server and a local webhook server
(the package's Airflow session has both configured as its alert channels: conftest.py).

One pipeline run (two ingests, one dbt build, GX) makes both kinds of failure at once: a
bank delivery loads fine but its build fails validation (its second event, a repayment,
leaves the balance where it was: the bank's balances do not reconcile with its own events),
and an empty insurance file is quarantined, which fails its ingest run. Each failed task must send exactly
one message through each configured channel, in Vietnamese and English, naming what the
brief asks for; without channels, the alert goes to the alerts log, `ops.alerts` and the run
summary (tested by calling the same notifier directly: no scheduler needed for that).
"""

from __future__ import annotations

import email
import json
from pathlib import Path
from types import SimpleNamespace

import psycopg
import pytest

from mtqg_warehouse.db.embedded import free_port
from tests.integration.airflow_session import (
    MAIL_FROM,
    MAIL_TO,
    SLACK_CONNECTION,
    SMTP_CONNECTION,
    WEBHOOK_PATH,
    SharedAirflow,
)

pytestmark = [pytest.mark.integration]

BANK_FILE = "vbsp_954_20230501.csv"
EMPTY_INSURANCE_FILE = "the_bhyt_95_202502.csv"
HEADER = Path(__file__).resolve().parents[3] / "fixtures" / "bank_header.csv"


def _deliver(state: Path) -> None:
    bank = state / "inbox" / "bank"
    bank.mkdir(parents=True)
    loan = "TK00000001,31825-000001,095300000001,Lê Văn Tám,31825,HN,HND,31825-HND-01"
    rows = (
        f"GD20230501,{loan},GN,10.000.000,01/05/2023,10.000.000,0\n"
        # repaid 1,000,000 yet still owing 10,000,000: loads (each field is valid), fails the gate
        f"GD20230502,{loan},TN,1.000.000,01/05/2023,10.000.000,0\n"
    )
    (bank / BANK_FILE).write_text(HEADER.read_text(encoding="utf-8") + rows, encoding="utf-8")
    insurance = state / "inbox" / "insurance"
    insurance.mkdir(parents=True)
    (insurance / EMPTY_INSURANCE_FILE).write_bytes(b"")


def _body(mail: email.message.EmailMessage) -> str:
    import html

    part = mail.get_body(preferencelist=("html", "plain"))
    assert part is not None
    return html.unescape(part.get_content())


@pytest.mark.airflow
def test_failed_validation_and_failed_task_alert_through_mail_and_webhook(scheduler: SharedAirflow) -> None:
    warehouse, channels = scheduler.url, scheduler.caught
    _deliver(scheduler.state)
    outcomes = scheduler.run(feeds=("bank", "insurance"), timeout=420)
    states = {(o.dag_id, o.state) for o in outcomes}
    assert ("ingest_bank_feed", "success") in states
    assert ("ingest_insurance_feed", "failed") in states
    assert [(o.dag_id, o.state) for o in outcomes if o.dag_id == "build_warehouse"] == [
        ("build_warehouse", "failed")
    ]

    # one message per failed task and channel
    subjects = sorted(str(mail["Subject"]) for mail in channels.mails)
    assert len(subjects) == 2, subjects
    assert len(channels.posts) == 2, channels.posts
    validation_mail = next(m for m in channels.mails if "Validation failed" in str(m["Subject"]))
    task_mail = next(m for m in channels.mails if "Task failed" in str(m["Subject"]))
    assert validation_mail["To"] == MAIL_TO
    assert validation_mail["From"] == MAIL_FROM

    text = _body(validation_mail)
    assert "Kiểm định không đạt / Validation failed: build_warehouse.audit_publication (bank)" in str(
        validation_mail["Subject"]
    )
    english = text.split("-" * 60)[1]
    assert "Validation failed: build pub_00001 was not published." in english
    assert "Feed: bank" in english
    assert f"{BANK_FILE} (feed bank, sender 954)" in english
    assert (
        "unexpected_rows_expectation [outstanding_balance_does_not_reconcile] (suite stg_bank__loan_events): "
        "observed 1; expected outstanding after a disbursement or repayment" in english
    )
    # the failing row, by file and row (the header is row 1)
    assert f"- file {BANK_FILE}, row 3" in english
    assert (
        "Data Docs (validation report): file://" in english and "data_docs/local_site/index.html" in english
    )
    vietnamese = text.split("-" * 60)[0]
    assert "Kiểm định dữ liệu không đạt: bản dựng pub_00001 không được công bố." in vietnamese
    assert f"- tệp {BANK_FILE}, dòng 3" in vietnamese
    assert "Chưa có bản công bố nào." in vietnamese  # nothing was ever published here

    task_text = _body(task_mail)
    assert "ingest_insurance_feed.check_quarantine" in str(task_mail["Subject"])
    assert f"{EMPTY_INSURANCE_FILE} (feed insurance, sender 95): quarantined" in task_text
    assert f"{EMPTY_INSURANCE_FILE} (nguồn insurance, đơn vị gửi 95): quarantined" in task_text

    posted = sorted(post["body"]["text"] for post in channels.posts)
    assert all(post["path"] == WEBHOOK_PATH for post in channels.posts)
    assert any("outstanding_balance_does_not_reconcile" in body and BANK_FILE in body for body in posted)
    assert any(EMPTY_INSURANCE_FILE in body and "Task failed" in body for body in posted)

    with psycopg.connect(warehouse) as conn:
        alerts = conn.execute(
            "select task_id, feed, publication, delivered_to, delivery_errors "
            "from ops.alerts order by task_id"
        ).fetchall()
        status, validation = conn.execute("select status, validation from ops.publish_log").fetchone()
        assert conn.execute("select to_regnamespace('marts')").fetchone() == (None,)
    assert alerts == [
        ("audit_publication", "bank", "pub_00001", ["smtp", "slack"], []),
        ("check_quarantine", "insurance", None, ["smtp", "slack"], []),
    ]
    assert status == "failed_validation"
    assert [(failure["expectation"], failure["name"]) for failure in validation["failures"]] == [
        ("unexpected_rows_expectation", "outstanding_balance_does_not_reconcile")
    ]
    log = (scheduler.state / "alerts" / "alerts.log").read_text(encoding="utf-8")
    assert log.count("\n=== ") + log.startswith("=== ") == 2


def test_without_channels_the_alert_goes_to_the_log_ops_alerts_and_the_summary(
    warehouse: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mtqg_warehouse.alerts.notifier import WarehouseAlertNotifier
    from mtqg_warehouse.db import connection as db
    from mtqg_warehouse.db import ddl
    from mtqg_warehouse.publication import steps
    from mtqg_warehouse.publication.validation import FailedCheck, ValidationOutcome

    for variable in (SMTP_CONNECTION, SLACK_CONNECTION):
        monkeypatch.delenv(variable, raising=False)
    with db.connect() as conn:
        ddl.ensure_ops_schema(conn)
    outcome = ValidationOutcome(
        success=False,
        checks_passed=4,
        checks_failed=1,
        failures=[
            FailedCheck("fct_insurance_cards", "expect_column_values_to_be_unique", "card_issue_key", "2")
        ],
        data_docs="file:///docs/index.html",
    )
    ti = SimpleNamespace(dag_id="build_warehouse", task_id="audit_publication", run_id="run-1", log_url=None)
    context = {"ti": ti, "run_id": "run-1", "exception": steps.ValidationFailed("failed", outcome)}
    WarehouseAlertNotifier().notify(context)

    log = (tmp_path / "state" / "alerts" / "alerts.log").read_text(encoding="utf-8")
    assert '"delivered_to": []' in log
    assert "expect_column_values_to_be_unique on column card_issue_key" in log and "no duplicates" in log
    with psycopg.connect(warehouse) as conn:
        assert conn.execute("select delivered_to, subject from ops.alerts").fetchall() == [
            ([], "[MTQG] Kiểm định không đạt / Validation failed: build_warehouse.audit_publication")
        ]
    summary = steps.summary()
    assert [alert["delivered_to"] for alert in summary["alerts"]] == [["alerts log only"]]
    assert summary["alerts_log"].endswith("alerts/alerts.log")

    # a channel that is configured but down: the failure is recorded beside the alert, never lost
    monkeypatch.setenv(
        SMTP_CONNECTION,
        json.dumps(
            {
                "conn_type": "smtp",
                "host": "127.0.0.1",
                "port": free_port(0),
                "extra": {"to": "a@b.test", "retry_limit": 1},
            }
        ),
    )
    WarehouseAlertNotifier().notify(context)
    with psycopg.connect(warehouse) as conn:
        delivered, errors = conn.execute(
            "select delivered_to, delivery_errors from ops.alerts order by alert_id desc limit 1"
        ).fetchone()
    assert delivered == [] and len(errors) == 1 and errors[0].startswith("smtp: ")
    assert len(steps.summary()["alerts"]) == 2
