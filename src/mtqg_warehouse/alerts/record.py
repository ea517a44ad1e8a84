"""Where every alert is kept, delivered or not: the alerts log and ``ops.alerts``.

With no mail or Slack connection configured these are the alert's only destination, and the
run summary (``mtqg summary``, ``make demo``) lists the open ones, so an alert is never lost.
The log is appended to before the database is tried, so a warehouse that is down still
leaves the alert on disk.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import asdict
from pathlib import Path
from typing import Any

from mtqg_warehouse.alerts.message import Alert
from mtqg_warehouse.config import state_dir

log = logging.getLogger(__name__)

OPEN_ALERTS_SHOWN = 10


def alerts_log_path() -> Path:
    return state_dir() / "alerts" / "alerts.log"


def record_alert(alert: Alert, delivered_to: list[str], errors: list[str]) -> int | None:
    """Append to the log, insert into ``ops.alerts``; returns the alert's id (None if the
    database could not take it)."""
    _append_to_log(alert, delivered_to, errors)
    try:
        return _insert(alert, delivered_to, errors)
    except Exception:
        log.exception("alert kept in %s only: ops.alerts could not take it", alerts_log_path())
        return None


def open_alerts(limit: int = OPEN_ALERTS_SHOWN) -> list[dict[str, Any]]:
    """The newest alerts not yet resolved by a later publication (for the run summary)."""
    from mtqg_warehouse.db import connection as db

    with db.connect() as conn:
        if conn.execute("select to_regclass('ops.alerts')").fetchone() == (None,):
            return []
        rows = conn.execute(
            """select alert_id, raised_at, subject, delivered_to, delivery_errors
               from ops.alerts where resolved_at is null order by alert_id desc limit %s""",
            [limit],
        ).fetchall()
    return [
        {
            "alert_id": alert_id,
            "raised_at": raised_at.isoformat(),
            "subject": subject,
            "delivered_to": list(delivered) or ["alerts log only"],
            "delivery_errors": list(failed),
        }
        for alert_id, raised_at, subject, delivered, failed in rows
    ]


def _append_to_log(alert: Alert, delivered_to: list[str], errors: list[str]) -> None:
    path = alerts_log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    header = {
        "raised_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "subject": alert.subject,
        "delivered_to": delivered_to,
        "delivery_errors": errors,
    }
    entry = f"=== {json.dumps(header, ensure_ascii=False)}\n{alert.text}\n\n"
    with open(path, "a", encoding="utf-8") as out:  # one write: entries of two tasks do not interleave
        out.write(entry)


def _insert(alert: Alert, delivered_to: list[str], errors: list[str]) -> int:
    from psycopg.types.json import Jsonb

    from mtqg_warehouse.db import connection as db
    from mtqg_warehouse.db import ddl

    facts = alert.facts
    with db.connect() as conn:
        ddl.ensure_ops_schema(conn)
        row = conn.execute(
            """insert into ops.alerts (dag_id, run_id, task_id, feed, publication, subject, body,
                                       details, delivered_to, delivery_errors)
               values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) returning alert_id""",
            [
                facts.dag_id,
                facts.run_id,
                facts.task_id,
                ", ".join(facts.feeds) or None,
                facts.publication,
                alert.subject,
                alert.text,
                Jsonb(asdict(facts)),
                delivered_to,
                errors,
            ],
        ).fetchone()
    assert row is not None  # insert ... returning gives its row
    return row[0]
