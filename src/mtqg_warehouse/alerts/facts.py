"""What an alert says, gathered from the failed task and the warehouse's own records.

The validation outcome comes from the exception when it carries one (``.outcome``, as
``publication.steps.ValidationFailed`` does), else from the run's row in ``ops.publish_log``.
The files come from ``ops.load_audit`` (the loads of an ingest run; for a build, the loads
its publication holds that the one shown does not). Anything the database cannot tell (it
is down, a table is missing) is left out: an alert is raised with what is known.
"""

from __future__ import annotations

import logging
from typing import Any

from mtqg_warehouse.alerts.message import AlertFacts
from mtqg_warehouse.alerts.outcome import outcome_record

log = logging.getLogger(__name__)


def gather(
    dag_id: str | None,
    task_id: str | None,
    run_id: str | None,
    exception: BaseException | str | None,
    log_url: str | None = None,
) -> AlertFacts:
    outcome = getattr(exception, "outcome", None)
    validation = outcome_record(outcome) if outcome is not None else None
    facts = AlertFacts(
        kind="validation" if validation and not validation["success"] else "task",
        dag_id=dag_id,
        task_id=task_id,
        run_id=run_id,
        error=str(exception) if exception is not None else None,
        validation=validation,
        data_docs=(validation or {}).get("data_docs"),
        log_url=log_url,
    )
    feed = feed_of_dag(dag_id)
    try:
        _from_warehouse(facts, feed)
    except Exception:  # the alert must go out even when the warehouse cannot be read
        log.exception("alert: could not read the warehouse's records of run %s", run_id)
    facts.feeds = sorted({*([feed] if feed else []), *(f["feed"] for f in facts.files if f.get("feed"))})
    return facts


def feed_of_dag(dag_id: str | None) -> str | None:
    from mtqg_warehouse.contracts.model import feeds
    from mtqg_warehouse.orchestration.ids import ingest_dag_id

    return next((feed for feed in feeds() if ingest_dag_id(feed) == dag_id), None)


def _from_warehouse(facts: AlertFacts, feed: str | None) -> None:
    from mtqg_warehouse.db import connection as db
    from mtqg_warehouse.publication import lifecycle

    with db.connect() as conn:
        if conn.execute("select to_regclass('ops.publish_log')").fetchone() == (None,):
            return
        facts.shown = lifecycle.current_publication(conn)
        publication = _publication_of_run(conn, facts.run_id)
        if publication is not None:
            facts.publication = publication["build_schema"]
            if facts.validation is None and publication["status"] == "failed_validation":
                facts.validation = publication["validation"]
                facts.kind = "validation"
            facts.data_docs = facts.data_docs or publication["data_docs_url"]
            facts.files = _new_loads(conn, publication["publication_id"], facts.shown)
        elif feed is not None:
            facts.files = _run_loads(conn, facts.run_id)


def _publication_of_run(conn: Any, run_id: str | None) -> dict[str, Any] | None:
    if not run_id:
        return None
    row = conn.execute(
        """select publication_id, build_schema, status, validation, data_docs_url
           from ops.publish_log where run_id = %s order by publication_id desc limit 1""",
        [run_id],
    ).fetchone()
    if row is None:
        return None
    keys = ("publication_id", "build_schema", "status", "validation", "data_docs_url")
    return dict(zip(keys, row, strict=True))


def _new_loads(conn: Any, publication_id: int, shown: str | None) -> list[dict[str, Any]]:
    """The loads the failed build held that the publication still shown does not: what is new."""
    rows = conn.execute(
        """select audit.feed, audit.source_file, audit.ward_code, audit.sender_code
           from ops.publication_loads as held
           join ops.load_audit as audit using (load_id)
           where held.publication_id = %(failed)s
             and held.load_id not in (
                 select shown.load_id from ops.publication_loads as shown
                 join ops.publish_log as log using (publication_id)
                 where log.build_schema = %(shown)s
             )
           order by audit.load_id""",
        {"failed": publication_id, "shown": shown or ""},
    ).fetchall()
    return [{"feed": feed, "file": file, "ward": ward, "sender": sender} for feed, file, ward, sender in rows]


def _run_loads(conn: Any, run_id: str | None) -> list[dict[str, Any]]:
    rows = conn.execute(
        """select feed, source_file, ward_code, sender_code, status, message from ops.load_audit
           where run_id = %s order by load_id""",
        [run_id],
    ).fetchall()
    keys = ("feed", "file", "ward", "sender", "status", "message")
    return [dict(zip(keys, row, strict=True)) for row in rows]
