"""The DDL the loaders own (``ops`` and ``raw_<feed>``), applied only when it changed."""

from __future__ import annotations

import hashlib
from importlib.resources import files
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psycopg

    from mtqg_warehouse.contracts.model import FeedContract


def ensure_ops_schema(conn: psycopg.Connection) -> None:
    """Create or upgrade ``ops`` tables and functions, only when ``sql/ops.sql`` changed.

    Every load and build calls this, so it must not take locks when there is nothing to do:
    even ``alter table ... add column if not exists`` takes an exclusive lock, which deadlocked
    a build against a concurrent load. The script's hash is recorded once it has run.
    """
    ddl = files("mtqg_warehouse.db").joinpath("sql/ops.sql").read_text(encoding="utf-8")
    digest = hashlib.sha256(ddl.encode()).hexdigest()
    if _recorded_ddl(conn) == digest:
        return
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('mtqg_ops_ddl'))")
        if _recorded_ddl(conn) == digest:  # another process ran it while we waited
            return
        conn.execute(ddl)
        conn.execute("create table if not exists ops.ddl_version (sha256 text not null)")
        conn.execute("delete from ops.ddl_version")
        conn.execute("insert into ops.ddl_version values (%s)", [digest])


def _recorded_ddl(conn: psycopg.Connection) -> str | None:
    table = conn.execute("select to_regclass('ops.ddl_version')").fetchone()
    assert table is not None  # a select without from always returns its one row
    if table[0] is None:
        return None
    row = conn.execute("select sha256 from ops.ddl_version").fetchone()
    return row[0] if row else None


def ensure_raw_tables(conn: psycopg.Connection, contract: FeedContract) -> None:
    """One all-text table per contract table, with its row sequence and its lineage view.

    Like ``ensure_ops_schema``, the DDL runs only when it changed (its hash is recorded per raw
    schema), because every load calls this and DDL takes locks a running load holds.
    """
    from mtqg_warehouse.db import raw_tables

    statements = raw_tables.ddl(contract)
    digest = raw_tables.digest(statements)
    if _recorded_raw_ddl(conn, contract.raw_schema) == digest:
        return
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('mtqg_raw_ddl'))")
        if _recorded_raw_ddl(conn, contract.raw_schema) == digest:
            return
        raw_tables.upgrade_earlier_layouts(conn, contract)
        for statement in statements:
            conn.execute(statement)
        conn.execute(
            """insert into ops.raw_ddl_version (raw_schema, sha256) values (%s, %s)
               on conflict (raw_schema) do update set sha256 = excluded.sha256""",
            [contract.raw_schema, digest],
        )


def _recorded_raw_ddl(conn: psycopg.Connection, raw_schema: str) -> str | None:
    row = conn.execute(
        "select sha256 from ops.raw_ddl_version where raw_schema = %s", [raw_schema]
    ).fetchone()
    return row[0] if row else None
