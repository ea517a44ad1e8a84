"""The warehouse at a glance, for `mtqg status`: what came in, what waits for whom, what is shown.

Read-only, from the operational tables the loaders and the publication lifecycle keep
(``ops.load_audit``, ``ops.publish_log``, ``ops.alerts`` where this version has it) and the
quarantine folder. Each part answers one question an operator asks at 2 a.m.: did every
sender's latest file load; whose rows were rejected and wait for a corrected file; which
publication do readers see, and did a later build fail; which alerts are still open; which
files could not be read at all and wait for a person.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import dict_row

from mtqg_warehouse.config import quarantine_dir
from mtqg_warehouse.ingest.files import SIDECAR_SUFFIXES as SIDECARS

FAILED_BUILD_STATUSES = ("failed_build", "failed_validation")

LAST_LOADS = """
select distinct on (feed, sender)
    feed, sender, source_file, period, status, rows_loaded, rows_rejected, loaded_at
from (
    select *, coalesce(sender_code, ward_code, '') as sender, coalesce(finished_at, started_at) as loaded_at
    from ops.load_audit
) as loads
order by feed, sender, loaded_at desc, load_id desc
"""

# rows rejected from files that are still current: the sender has not sent a correction yet
WAITING_REJECTIONS = """
select
    feed,
    coalesce(sender_code, ward_code, '') as sender,
    count(*) as files,
    sum(rows_rejected) as rows_rejected,
    min(coalesce(finished_at, started_at)) as oldest
from ops.load_audit
where status = 'loaded' and superseded_by is null and rows_rejected > 0
group by 1, 2
order by 1, 2
"""

CURRENT_PUBLICATION = """
select publication_id, build_schema, published_at, checks_passed, checks_failed, data_docs_url
from ops.publish_log
where status = 'published'
order by published_at desc
limit 1
"""

LATEST_BUILD = """
select publication_id, build_schema, status, started_at
from ops.publish_log
order by publication_id desc
limit 1
"""

OPEN_ALERTS = """
select alert_id, raised_at, subject, dag_id, task_id, feed, publication
from ops.alerts
where resolved_at is null
order by raised_at desc
"""


@dataclass(frozen=True)
class Status:
    last_loads: list[dict[str, Any]]
    waiting_rejections: list[dict[str, Any]]
    publication: dict[str, Any] | None
    latest_build: dict[str, Any] | None
    open_alerts: list[dict[str, Any]] | None  # None: this warehouse keeps no alerts table yet
    quarantined: dict[str, list[str]] = field(default_factory=dict)

    @property
    def failed_since_publication(self) -> bool:
        """The newest build failed after the publication readers see (or before any)."""
        build = self.latest_build
        if build is None or build["status"] not in FAILED_BUILD_STATUSES:
            return False
        return self.publication is None or build["publication_id"] > self.publication["publication_id"]

    def problems(self) -> list[str]:
        """What needs a person: each makes `mtqg status` exit 1."""
        problems = []
        if self.publication is None:
            problems.append("nothing is published: readers see no marts")
        if self.failed_since_publication:
            assert self.latest_build is not None
            build = self.latest_build
            problems.append(f"the latest build {build['build_schema']} ended {build['status']}")
        if self.open_alerts:
            problems.append(f"{len(self.open_alerts)} open alert(s)")
        for feed, files in self.quarantined.items():
            problems.append(f"{len(files)} {feed} file(s) in quarantine")
        return problems


def read_status(conn: psycopg.Connection) -> Status:
    """Everything `mtqg status` shows, read in one repeatable-read snapshot."""
    cursor = conn.cursor(row_factory=dict_row)
    with conn.transaction():
        cursor.execute("set transaction isolation level repeatable read, read only")
        cursor.execute(
            "select to_regclass('ops.load_audit') is not null as ops, "
            "to_regclass('ops.alerts') is not null as alerts"
        )
        tables = cursor.fetchone() or {"ops": False, "alerts": False}
        if not tables["ops"]:
            return Status([], [], None, None, [] if tables["alerts"] else None, quarantined_files())
        return Status(
            last_loads=_all(cursor, LAST_LOADS),
            waiting_rejections=_all(cursor, WAITING_REJECTIONS),
            publication=_one(cursor, CURRENT_PUBLICATION),
            latest_build=_one(cursor, LATEST_BUILD),
            open_alerts=_all(cursor, OPEN_ALERTS) if tables["alerts"] else None,
            quarantined=quarantined_files(),
        )


def quarantined_files(folder: Path | None = None) -> dict[str, list[str]]:
    """Files moved to ``<quarantine>/<feed>/`` (each with its ``.error.txt``) per feed."""
    root = folder or quarantine_dir()
    found = {}
    for feed_dir in sorted(p for p in root.glob("*") if p.is_dir()):
        files = sorted(p.name for p in feed_dir.iterdir() if p.is_file() and not p.name.endswith(SIDECARS))
        if files:
            found[feed_dir.name] = files
    return found


def _all(cursor: psycopg.Cursor[dict[str, Any]], query: str) -> list[dict[str, Any]]:
    cursor.execute(query)
    return [dict(row) for row in cursor.fetchall()]


def _one(cursor: psycopg.Cursor[dict[str, Any]], query: str) -> dict[str, Any] | None:
    rows = _all(cursor, query)
    return rows[0] if rows else None


def age(moment: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """'3 h ago', '2 d ago': how long since, for an operator's eye."""
    if moment is None:
        return "-"
    seconds = ((now or dt.datetime.now(dt.UTC)) - moment).total_seconds()
    for unit, size in (("d", 86_400), ("h", 3_600), ("min", 60)):
        if seconds >= size:
            return f"{int(seconds // size)} {unit} ago"
    return "just now"
