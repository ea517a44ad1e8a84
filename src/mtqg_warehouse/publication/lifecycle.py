"""The publication lifecycle in one place: build schemas, statuses, publish, rollback, retire.

Write-audit-publish: each build gets its own schema `pub_NNNNN`; `marts` holds one view per
published model over the current publication's tables, so a publish (or a rollback) is a
single transaction of view swaps, readers never see a half build, and the reader role's
grants are re-applied in that same transaction (publication/reader_role.py). Relations whose
name ends in ``_restricted`` (lists of households for ward officers) get their view in the
`restricted` schema instead, which the BI reader cannot read. Every status change goes through
``change_status``, which checks it against ``TRANSITIONS`` and only updates a row still in the
status it was read in, so two processes can never both move the same publication.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import TypeVar

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from mtqg_warehouse.config import keep_publications
from mtqg_warehouse.publication import reader_role

log = logging.getLogger(__name__)

T = TypeVar("T")
# How long a swap of `marts` waits for one lock before it gives way and tries again: under
# the server's deadlock_timeout (1 s by default), so that where a reader's transaction and a
# swap wait for each other, the swap gives way before the server would end either of them
SWAP_LOCK_TIMEOUT = "500ms"
SWAP_PATIENCE_S = 120.0  # then the swap fails, naming why; the task's retry tries again

MARTS_SCHEMA = reader_role.MARTS_SCHEMA
SCHEMA_PREFIX = "pub_"
RESTRICTED_SCHEMA = "restricted"
RESTRICTED_SUFFIX = "_restricted"  # the one rule for which published relations BI may not read


class PublicationStatus(StrEnum):
    """Stored as text in ``ops.publish_log.status`` (see its check constraint in ops.sql)."""

    BUILDING = "building"
    VALIDATED = "validated"
    PUBLISHED = "published"
    FAILED_BUILD = "failed_build"
    FAILED_VALIDATION = "failed_validation"
    SUPERSEDED = "superseded"
    ROLLED_BACK = "rolled_back"
    RETIRED = "retired"


S = PublicationStatus
TRANSITIONS: Mapping[PublicationStatus, frozenset[PublicationStatus]] = {
    S.BUILDING: frozenset({S.VALIDATED, S.FAILED_BUILD, S.FAILED_VALIDATION}),
    # a validated build that a newer one overtook before it was published is retired unseen
    S.VALIDATED: frozenset({S.PUBLISHED, S.RETIRED}),
    S.PUBLISHED: frozenset({S.SUPERSEDED, S.ROLLED_BACK}),
    # superseded: a rollback target until retention retires it
    S.SUPERSEDED: frozenset({S.PUBLISHED, S.RETIRED}),
    # republishing a rolled-back publication undoes a mistaken rollback
    S.ROLLED_BACK: frozenset({S.PUBLISHED, S.RETIRED}),
    S.FAILED_BUILD: frozenset({S.RETIRED}),
    S.FAILED_VALIDATION: frozenset({S.RETIRED}),
    S.RETIRED: frozenset(),
}
# columns a transition stamps with the time it happened
_STAMPS = {
    S.VALIDATED: "validated_at",
    S.FAILED_VALIDATION: "validated_at",
    S.PUBLISHED: "published_at",
    S.RETIRED: "retired_at",
}
_RECORDED = frozenset({"checks_passed", "checks_failed", "data_docs_url", "validation", "failure"})


class IllegalTransition(RuntimeError):
    """A status change the lifecycle does not allow, e.g. publishing a failed build."""


class ReadersHoldMarts(RuntimeError):
    """Readers kept `marts` locked for longer than a swap waits: nothing was changed."""


class ConcurrentStatusChange(RuntimeError):
    """Another process changed the publication's status between our read and our update."""


def check_transition(publication: str, current: PublicationStatus, to: PublicationStatus) -> None:
    if to not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "nothing"
        raise IllegalTransition(
            f"publication {publication} cannot go from {current} to {to} (from {current}: {allowed})"
        )


def status_of(conn: psycopg.Connection, schema: str) -> PublicationStatus:
    row = conn.execute("select status from ops.publish_log where build_schema = %s", [schema]).fetchone()
    if row is None:
        raise LookupError(f"no publication {schema} in ops.publish_log")
    return PublicationStatus(row[0])


def change_status(
    conn: psycopg.Connection,
    schema: str,
    to: PublicationStatus,
    recorded: Mapping[str, object] | None = None,
) -> PublicationStatus:
    """Move ``schema`` to ``to`` if the table allows it; returns the status it left.

    The update is conditional on the status just read, so a concurrent change is refused
    rather than overwritten; ``recorded`` sets audit columns in the same statement.
    """
    current = status_of(conn, schema)
    check_transition(schema, current, to)
    recorded = dict(recorded or {})
    if unknown := set(recorded) - _RECORDED:
        raise ValueError(f"not a publish_log column a transition records: {sorted(unknown)}")
    assignments: list[sql.Composable] = [sql.SQL("status = %(to)s")]
    if to in _STAMPS:
        assignments.append(sql.SQL("{} = now()").format(sql.Identifier(_STAMPS[to])))
    assignments += [sql.SQL("{} = {}").format(sql.Identifier(c), sql.Placeholder(c)) for c in recorded]
    recorded = {c: Jsonb(v) if c == "validation" and v is not None else v for c, v in recorded.items()}
    query = sql.SQL("update ops.publish_log set {} where build_schema = %(schema)s and status = %(from)s")
    params = {**recorded, "to": str(to), "schema": schema, "from": str(current)}
    cursor = conn.execute(query.format(sql.SQL(", ").join(assignments)), params)
    if cursor.rowcount != 1:
        raise ConcurrentStatusChange(f"publication {schema} left {current} before it could go to {to}")
    log.info("publication %s: %s -> %s", schema, current, to)
    return current


def publication_schema(publication_id: int) -> str:
    """A publication's schema: `pub_` and its zero-padded id (sorts as the ids do)."""
    return f"{SCHEMA_PREFIX}{publication_id:05d}"


def publication_id(schema: str) -> int:
    """The id in a publication's schema name (``publication_schema``'s inverse); ValueError
    for a schema that is not a publication's."""
    number = schema.removeprefix(SCHEMA_PREFIX)
    if number == schema or not number.isdigit():
        raise ValueError(f"{schema!r} is not a publication's schema ({SCHEMA_PREFIX}<number>)")
    return int(number)


def next_publication_id(conn: psycopg.Connection) -> int:
    """The id the next build takes (publication/build_lease.py leases it before it exists)."""
    sequence = "select nextval(pg_get_serial_sequence('ops.publish_log', 'publication_id'))"
    row = conn.execute(sequence).fetchone()
    assert row is not None  # nextval always returns one row
    return int(row[0])


def start_publication(conn: psycopg.Connection, run_id: str | None, new_id: int | None = None) -> str:
    """Register a new build as `building` (as ``new_id`` when given), with the loads current
    as it starts (the ones its staging reads); returns its schema, `pub_` and the zero-padded id."""
    new_id = next_publication_id(conn) if new_id is None else new_id
    schema = publication_schema(new_id)
    with conn.transaction():
        conn.execute(
            "insert into ops.publish_log (publication_id, build_schema, status, run_id) "
            "values (%s, %s, %s, %s)",
            [new_id, schema, str(S.BUILDING), run_id],
        )
        conn.execute(
            "insert into ops.publication_loads (publication_id, load_id) "
            "select %s, load_id from ops.current_loads",
            [new_id],
        )
    return schema


def record_built(conn: psycopg.Connection, schema: str) -> None:
    """dbt finished: stamp the time (the status stays `building` until GX has judged it)."""
    conn.execute(
        "update ops.publish_log set built_at = now() where build_schema = %s and status = %s",
        [schema, str(S.BUILDING)],
    )


def fail_build(conn: psycopg.Connection, schema: str, error: str | None = None) -> None:
    recorded = {"checks_passed": 0, "checks_failed": 0, "failure": error[:4000] if error else None}
    change_status(conn, schema, S.FAILED_BUILD, recorded)


def record_audit(
    conn: psycopg.Connection,
    schema: str,
    passed: bool,
    checks_passed: int,
    checks_failed: int,
    docs: str | None,
    validation: Mapping[str, object] | None = None,
) -> None:
    """The GX verdict: `validated` may be published, `failed_validation` never will be.
    ``validation`` (each failed check, its observed value and expected range) is kept with it."""
    recorded: dict[str, object] = {
        "checks_passed": checks_passed,
        "checks_failed": checks_failed,
        "data_docs_url": docs,
    }
    if validation is not None:
        recorded["validation"] = dict(validation)
    change_status(conn, schema, S.VALIDATED if passed else S.FAILED_VALIDATION, recorded)


def current_publication(conn: psycopg.Connection) -> str | None:
    row = conn.execute(
        "select build_schema from ops.publish_log where status = %s order by published_at desc limit 1",
        [str(S.PUBLISHED)],
    ).fetchone()
    return row[0] if row else None


def publish(conn: psycopg.Connection, schema: str) -> list[str]:
    """Repoint `marts` at validated ``schema`` in one transaction; the previous one is superseded.

    Publishing the publication `marts` already shows changes nothing, so that a retried
    publish task (say, after retirement failed) does not fail on its own earlier success.
    """
    reader_role.ensure_role(conn)
    return _swapping(conn, f"publish {schema}", lambda: _publish_now(conn, schema))


def _publish_now(conn: psycopg.Connection, schema: str) -> list[str]:
    if current_publication(conn) == schema:
        log.info("publication %s is already published", schema)
        return _relations(conn, schema)
    check_transition(schema, status_of(conn, schema), S.PUBLISHED)
    previous = current_publication(conn)
    if previous is not None:
        change_status(conn, previous, S.SUPERSEDED)
    relations = _repoint_marts(conn, schema)
    change_status(conn, schema, S.PUBLISHED)
    _resolve_alerts_before(conn, schema)
    return relations


def rollback(conn: psycopg.Connection, to: str | None = None) -> str:
    """Repoint `marts` at a retained earlier publication (default: the one published before
    the current); the current one becomes `rolled_back`. Returns the publication now shown."""
    reader_role.ensure_role(conn)
    current, target = _swapping(conn, "roll back", lambda: _roll_back_now(conn, to))
    log.info("rolled back from %s to %s", current, target)
    return target


def _roll_back_now(conn: psycopg.Connection, to: str | None) -> tuple[str, str]:
    current = current_publication(conn)
    if current is None:
        raise IllegalTransition("nothing is published, so there is nothing to roll back")
    target = to or _previous_publication(conn)
    if target is None:
        raise IllegalTransition(f"no earlier publication is retained to roll {current} back to")
    if (status := status_of(conn, target)) not in (S.SUPERSEDED, S.ROLLED_BACK):
        raise IllegalTransition(f"cannot roll back to {target}: it is {status}, not an earlier publication")
    change_status(conn, current, S.ROLLED_BACK)
    _repoint_marts(conn, target)
    change_status(conn, target, S.PUBLISHED)
    return current, target


def retire(conn: psycopg.Connection, schema: str) -> None:
    """Drop a publication's schema and everything GX kept about it.

    GX is pruned first, because it is idempotent and outside the transaction: if it fails, the
    publication is not marked retired and the next retirement pass tries again.
    """
    from mtqg_warehouse.publication import validation

    check_transition(schema, status_of(conn, schema), S.RETIRED)
    validation.prune_publications({schema})
    _swapping(conn, f"retire {schema}", lambda: _retire_now(conn, schema))


def _retire_now(conn: psycopg.Connection, schema: str) -> None:
    change_status(conn, schema, S.RETIRED)
    conn.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(schema)))


def retire_old_publications(conn: psycopg.Connection, keep: int | None = None) -> list[str]:
    """Retire all but the current publication and the newest ``keep - 1`` rollback targets
    (``keep``: the ``MTQG_KEEP_PUBLICATIONS`` setting unless given).

    The newest build is always kept, even when it failed, so that it can be inspected; builds
    still `building` are left alone, since they may be running now. Then GX is swept of every
    retired publication, which clears what earlier versions (which never pruned GX) or an
    interrupted retirement left behind.
    """
    from mtqg_warehouse.publication import validation, versioned_facts

    keep = keep_publications() if keep is None else keep
    retired = []
    for schema in _retirable(conn, keep):
        retire(conn, schema)
        retired.append(schema)
    rows = conn.execute("select build_schema from ops.publish_log where status = %s", [str(S.RETIRED)])
    validation.prune_publications({row[0] for row in rows})
    versioned_facts.prune(conn)
    return retired


def _retirable(conn: psycopg.Connection, keep: int) -> list[str]:
    retirable = [str(status) for status, targets in TRANSITIONS.items() if S.RETIRED in targets]
    rows = conn.execute(
        """with retained as (
               select publication_id from ops.publish_log
               where status in (%(published)s, %(superseded)s)
               order by published_at desc
               limit %(keep)s
           )
           select build_schema from ops.publish_log
           where status = any(%(retirable)s)
             and publication_id not in (select publication_id from retained)
             and publication_id < (select max(publication_id) from ops.publish_log)
           order by publication_id""",
        {
            "published": str(S.PUBLISHED),
            "superseded": str(S.SUPERSEDED),
            "keep": keep,
            "retirable": retirable,
        },
    ).fetchall()
    return [row[0] for row in rows]


def _previous_publication(conn: psycopg.Connection) -> str | None:
    row = conn.execute(
        "select build_schema from ops.publish_log where status = %s order by published_at desc limit 1",
        [str(S.SUPERSEDED)],
    ).fetchone()
    return row[0] if row else None


def _lock(conn: psycopg.Connection) -> None:
    """Publish, rollback and retire queue behind each other."""
    conn.execute("select pg_advisory_xact_lock(hashtext('mtqg_publish'))")


def _swapping(conn: psycopg.Connection, what: str, work: Callable[[], T]) -> T:
    """``work`` in one transaction that gives way to readers of `marts`, tried again until it
    gets through.

    A swap drops and creates views, so it waits for every reader of them, and while it waits,
    new readers queue behind it: one long dashboard query would stall every dashboard. A
    reader's transaction that reads one view and then another can also wait for a swap that
    waits for it, which the server ends by cancelling one of the two. Each lock is therefore
    waited for at most ``SWAP_LOCK_TIMEOUT``; then the swap is rolled back (nothing changed),
    readers go on, and it is tried again after a pause that grows to 5 s, for
    ``SWAP_PATIENCE_S`` in all."""
    deadline = time.monotonic() + SWAP_PATIENCE_S
    pause = 0.1
    while True:
        try:
            with conn.transaction():
                _lock(conn)
                conn.execute(f"set local lock_timeout = '{SWAP_LOCK_TIMEOUT}'")
                return work()
        except (psycopg.errors.LockNotAvailable, psycopg.errors.DeadlockDetected) as err:
            if time.monotonic() + pause > deadline:
                raise ReadersHoldMarts(
                    f"could not {what}: readers of marts held it for more than {SWAP_PATIENCE_S:.0f} s "
                    f"({str(err).splitlines()[0]}); nothing was changed, try again"
                ) from err
            log.info("%s gave way to readers of marts; trying again in %.1f s", what, pause)
            time.sleep(pause)
            pause = min(pause * 2, 5.0)


def _relations(conn: psycopg.Connection, schema: str) -> list[str]:
    rows = conn.execute(
        "select table_name from information_schema.tables where table_schema = %s order by 1", [schema]
    )
    return [row[0] for row in rows]


def _repoint_marts(conn: psycopg.Connection, schema: str) -> list[str]:
    relations = _relations(conn, schema)
    if not relations:
        raise RuntimeError(f"publication {schema} has no relations to publish")
    for target in (MARTS_SCHEMA, RESTRICTED_SCHEMA):
        conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(target)))
        _drop_views(conn, target)
    for relation in relations:
        target = RESTRICTED_SCHEMA if relation.endswith(RESTRICTED_SUFFIX) else MARTS_SCHEMA
        conn.execute(
            sql.SQL("create view {} as select * from {}").format(
                sql.Identifier(target, relation), sql.Identifier(schema, relation)
            )
        )
    _create_publication_views(conn, schema)
    reader_role.grant_marts(conn)
    return relations


def _create_publication_views(conn: psycopg.Connection, schema: str) -> None:
    """Which publication `marts` shows and the loads (returns, files) it holds, for dashboards:
    the reader cannot read `ops`, so these views (owner's rights) carry what it may know."""
    shown = sql.Literal(publication_id(schema))
    conn.execute(
        sql.SQL(
            """create view marts.publication_info as
               select publication_id, build_schema, started_at, built_at, validated_at,
                      published_at, checks_passed, checks_failed, data_docs_url
               from ops.publish_log where publication_id = {}"""
        ).format(shown)
    )
    conn.execute(
        sql.SQL(
            """create view marts.publication_loads as
               select audit.load_id, audit.feed, audit.source_file, audit.sha256, audit.period,
                      audit.ward_code, audit.sender_code, audit.version, audit.rows_loaded,
                      audit.finished_at as loaded_at
               from ops.publication_loads as held
               join ops.load_audit as audit using (load_id)
               where held.publication_id = {}"""
        ).format(shown)
    )


def _drop_views(conn: psycopg.Connection, schema: str) -> None:
    for (view,) in conn.execute("select viewname from pg_views where schemaname = %s", [schema]).fetchall():
        conn.execute(sql.SQL("drop view {}").format(sql.Identifier(schema, view)))


def _resolve_alerts_before(conn: psycopg.Connection, schema: str) -> None:
    """A publication that passed closes the alerts about the failed builds before it."""
    if conn.execute("select to_regclass('ops.alerts')").fetchone() == (None,):
        return
    conn.execute(
        """update ops.alerts set resolved_at = now()
           where resolved_at is null and publication is not null
             and (length(publication), publication) < (length(%(schema)s), %(schema)s)""",
        {"schema": schema},
    )
