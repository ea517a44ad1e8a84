"""The persistent side of versioned facts (dbt_project/macros/versioned_facts.sql).

Large facts keep their rows in `facts.<model>`, each row stamped with the publication that
added it and the one that retired it; a publication's schema only holds a view of the rows
it can see. This module does what must happen around dbt for that to stay exact:

- ``prepare``: before a build, wait for earlier builds still running elsewhere, undo what
  failed or abandoned builds wrote (their rows must never be visible to a later
  publication) and choose the base the build is incremental on:
  the newest build that did not fail, if the models, seeds and pseudonym key are the ones it
  was built with (otherwise the build recomputes everything, still versioned);
- ``prune``: after retirement, delete the rows no retained publication can see.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time

import psycopg
from psycopg import sql

from mtqg_warehouse.publication import build_lease, lifecycle
from mtqg_warehouse.publication.dbt_runner import DBT_PROJECT_DIR

log = logging.getLogger(__name__)

FACTS_SCHEMA = "facts"
# what a build's rows depend on besides the loads: change any and the next build is full
_DEFINITIONS = ("models", "macros", "materializations", "seeds", "dbt_project.yml")
# builds whose rows are kept: they passed dbt, whatever GX and the publisher did next
_KEPT = ("validated", "published", "superseded", "rolled_back", "retired")
_FAILED = ("failed_build", "failed_validation", "building")
# how long after its dbt step a build with no lease may still be between two Airflow tasks
BETWEEN_STEPS_GRACE_S = 120


def models_fingerprint(conn: psycopg.Connection) -> str:
    """sha256 of the dbt project's definitions and of when the pseudonym key was set."""
    digest = hashlib.sha256()
    for name in _DEFINITIONS:
        root = DBT_PROJECT_DIR / name
        for path in sorted([root] if root.is_file() else root.rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(DBT_PROJECT_DIR)).encode())
                digest.update(path.read_bytes())
    if conn.execute("select to_regclass('keys.pseudonym_key')").fetchone() != (None,):
        row = conn.execute("select set_at from keys.pseudonym_key").fetchone()
        digest.update(str(row[0] if row else None).encode())
    return digest.hexdigest()


def prepare(conn: psycopg.Connection, schema: str, fingerprint: str) -> int | None:
    """Discard failed builds' rows, record this build's fingerprint (``models_fingerprint``);
    return the base publication id (None: recompute everything)."""
    publication_id = lifecycle.publication_id(schema)
    # made before dbt's threads start: two versioned models creating it at once in a first
    # build can collide in the catalog (`create schema if not exists` is not race-free)
    conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(FACTS_SCHEMA)))
    conn.execute(
        "update ops.publish_log set models_sha256 = %s where publication_id = %s",
        [fingerprint, publication_id],
    )
    _settle_earlier_builds(conn, publication_id)
    tip = conn.execute(
        """select publication_id, models_sha256 from ops.publish_log
           where publication_id < %s and status = any(%s)
           order by publication_id desc limit 1""",
        [publication_id, list(_KEPT)],
    ).fetchone()
    tip_id = tip[0] if tip else 0
    failed = [
        row[0]
        for row in conn.execute(
            """select publication_id from ops.publish_log
               where publication_id > %s and publication_id < %s and status = any(%s)""",
            [tip_id, publication_id, list(_FAILED)],
        )
    ]
    if failed:
        discard(conn, failed)
    if tip is None or tip[1] != fingerprint:
        log.info("%s: full build (%s)", schema, "no earlier build" if tip is None else "definitions changed")
        return None
    log.info("%s: incremental on %s", schema, lifecycle.publication_schema(tip_id))
    return tip_id


def _settle_earlier_builds(conn: psycopg.Connection, publication_id: int) -> None:
    """Wait for every earlier build another process is still running (build_lease.py), then
    mark failed those left `building`: their process died (killed, or the machine stopped)
    before they were judged, and their rows are discarded with the other failed builds'."""
    while True:
        building = _building_before(conn, publication_id)
        running = [earlier for earlier in building if build_lease.alive(conn, earlier)]
        if running:
            build_lease.wait_for(conn, running[0])
            continue
        between_steps = [earlier for earlier in building if _between_steps(conn, earlier)]
        if not between_steps:
            break
        time.sleep(1)  # its next task takes the lease again, or the grace ends
    for earlier in building:
        schema = lifecycle.publication_schema(earlier)
        with contextlib.suppress(lifecycle.ConcurrentStatusChange):  # its process moved it meanwhile
            lifecycle.fail_build(conn, schema, "its process ended before the build was judged (killed?)")
            log.warning("%s: its process ended before it was judged; marked failed_build", schema)


def _between_steps(conn: psycopg.Connection, publication_id: int) -> bool:
    """dbt finished less than BETWEEN_STEPS_GRACE_S ago: the build may be between two of its
    Airflow tasks (dbt, then the audit in another process), when no process holds its lease."""
    row = conn.execute(
        "select built_at > now() - make_interval(secs => %s) from ops.publish_log where publication_id = %s",
        [BETWEEN_STEPS_GRACE_S, publication_id],
    ).fetchone()
    return bool(row and row[0])


def _building_before(conn: psycopg.Connection, publication_id: int) -> list[int]:
    rows = conn.execute(
        "select publication_id from ops.publish_log where publication_id < %s and status = %s order by 1",
        [publication_id, str(lifecycle.PublicationStatus.BUILDING)],
    ).fetchall()
    return [row[0] for row in rows]


def stores(conn: psycopg.Connection) -> list[str]:
    rows = conn.execute(
        "select tablename from pg_tables where schemaname = %s order by 1", [FACTS_SCHEMA]
    ).fetchall()
    return [row[0] for row in rows]


def discard(conn: psycopg.Connection, publication_ids: list[int]) -> None:
    """Undo failed builds: delete the rows they added, make current again what they retired."""
    with conn.transaction():
        for store in stores(conn):
            table = sql.Identifier(FACTS_SCHEMA, store)
            conn.execute(sql.SQL("delete from {} where _added_in = any(%s)").format(table), [publication_ids])
            conn.execute(
                sql.SQL("update {} set _retired_in = null where _retired_in = any(%s)").format(table),
                [publication_ids],
            )
    log.info("discarded the fact rows of failed builds %s", publication_ids)


def prune(conn: psycopg.Connection) -> int:
    """Delete rows retired at or before the oldest retained publication: none can see them."""
    row = conn.execute(
        "select min(publication_id) from ops.publish_log where status = any(%s)",
        [["validated", "published", "superseded", "rolled_back", "building"]],
    ).fetchone()
    if row is None or row[0] is None:
        return 0
    deleted = 0
    for store in stores(conn):
        cursor = conn.execute(
            sql.SQL("delete from {} where _retired_in <= %s").format(sql.Identifier(FACTS_SCHEMA, store)),
            [row[0]],
        )
        deleted += cursor.rowcount
    return deleted
