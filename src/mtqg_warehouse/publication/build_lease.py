"""Which builds are alive: a build's process holds its lease while it works on it.

The versioned fact stores are shared by every build, and a new build undoes the rows of the
builds before it that died (versioned_facts.prepare). Without a sign of life it would undo
a build that another process is still running (two `mtqg build` at once, or one beside
Airflow's), and that build would then publish facts missing its own rows. So each step of a
build (dbt, the audit, the publish; `mtqg build` all three at once) holds a session-level
advisory lock keyed by the publication's id on a connection of its own; a build that finds
an earlier one still `building` waits while its lease is held, and judges it dead otherwise.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from mtqg_warehouse.db import connection as db
from mtqg_warehouse.publication import lifecycle

log = logging.getLogger(__name__)

LEASE_KEY = "mtqg_build_lease"
_held: set[int] = set()  # leases this process holds: a step inside `mtqg build` takes none again
_kept: list[tuple[int, psycopg.Connection]] | None = None  # inside ``kept``: released at its end


@contextmanager
def held(schema: str) -> Iterator[None]:
    """Hold ``schema``'s lease while the block runs (once per process, however nested; until
    the end of ``kept`` when inside it)."""
    publication_id = lifecycle.publication_id(schema)
    if publication_id in _held:
        yield
        return
    conn = db.connect()
    try:
        _advisory(conn, "pg_advisory_lock", publication_id)
    except BaseException:
        conn.close()
        raise
    _held.add(publication_id)
    if _kept is not None:
        _kept.append((publication_id, conn))
        yield
        return
    try:
        yield
    finally:
        _held.discard(publication_id)
        conn.close()  # the session's advisory locks go with it


@contextmanager
def kept() -> Iterator[None]:
    """Leases taken inside stay held until the block ends: `mtqg build` runs the dbt step,
    the audit and the publish in one process, with no moment between two of them when
    another build could judge its build dead."""
    global _kept
    outer, _kept = _kept, []
    try:
        yield
    finally:
        for publication_id, conn in _kept:
            _held.discard(publication_id)
            conn.close()
        _kept = outer


def alive(conn: psycopg.Connection, publication_id: int) -> bool:
    """Whether another process holds the build's lease (this process's own count as alive)."""
    if publication_id in _held:
        return True
    if _advisory(conn, "pg_try_advisory_lock", publication_id):
        _advisory(conn, "pg_advisory_unlock", publication_id)
        return False
    return True


def wait_for(conn: psycopg.Connection, publication_id: int) -> None:
    """Until the build's process lets go of it (its step ends, or the process dies)."""
    schema = lifecycle.publication_schema(publication_id)
    log.info("waiting for %s, which another process is building", schema)
    _advisory(conn, "pg_advisory_lock", publication_id)
    _advisory(conn, "pg_advisory_unlock", publication_id)


def _advisory(conn: psycopg.Connection, function: str, publication_id: int) -> object:
    """One of PostgreSQL's session advisory-lock functions on a build's lease; its result."""
    row = conn.execute(f"select {function}(hashtext(%s), %s)", [LEASE_KEY, publication_id]).fetchone()
    return row[0] if row else None
