"""Connections to the warehouse and the DDL the loaders own (``ops`` and ``raw_<feed>``)."""

from __future__ import annotations

import logging
from importlib.resources import files
from typing import TYPE_CHECKING

from mtqg_warehouse.config import WarehouseTarget, configured_warehouse_url

if TYPE_CHECKING:
    import psycopg

    from mtqg_warehouse.contracts import FeedContract

log = logging.getLogger(__name__)


def warehouse_url() -> str:
    """``WAREHOUSE_URL`` when set; otherwise the embedded server, started if needed."""
    configured = configured_warehouse_url()
    if configured:
        return configured
    from mtqg_warehouse.embedded import EmbeddedServer

    return EmbeddedServer.default().start()


def warehouse_target() -> WarehouseTarget:
    return WarehouseTarget.from_url(warehouse_url())


def connect(url: str | None = None) -> psycopg.Connection:
    """Autocommit, so that every transaction is an explicit ``with conn.transaction()`` block.

    Without it, a stray read between two blocks opens an implicit transaction and turns the
    next block into a savepoint: a file's load would only commit with the whole batch, after
    the file had been archived.
    """
    import psycopg

    return psycopg.connect(url or warehouse_url(), autocommit=True)


def ensure_ops_schema(conn: psycopg.Connection) -> None:
    """Create or upgrade ``ops`` tables and functions, only when ``sql/ops.sql`` changed.

    Every load and build calls this, so it must not take locks when there is nothing to do:
    even ``alter table ... add column if not exists`` takes an exclusive lock, which deadlocked
    a build against a concurrent load. The script's hash is recorded once it has run.
    """
    import hashlib

    ddl = files("mtqg_warehouse").joinpath("sql/ops.sql").read_text(encoding="utf-8")
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
    if conn.execute("select to_regclass('ops.ddl_version')").fetchone()[0] is None:
        return None
    row = conn.execute("select sha256 from ops.ddl_version").fetchone()
    return row[0] if row else None


def ensure_raw_tables(conn: psycopg.Connection, contract: FeedContract) -> None:
    """One all-text table per contract table, plus lineage columns with a leading underscore."""
    from psycopg import sql

    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('mtqg_raw_ddl'))")
        conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(contract.raw_schema)))
        for table in contract.tables.values():
            columns = sql.SQL(", ").join(
                sql.SQL("{} text").format(sql.Identifier(name)) for name in table.column_names
            )
            conn.execute(
                sql.SQL("create table if not exists {}.{} ({}, {})").format(
                    sql.Identifier(contract.raw_schema),
                    sql.Identifier(table.name),
                    columns,
                    sql.SQL(LINEAGE_COLUMNS_DDL),
                )
            )
            _upgrade_lineage_defaults(conn, contract.raw_schema, table.name)


def _upgrade_lineage_defaults(conn: psycopg.Connection, schema: str, table: str) -> None:
    """Tables made by earlier versions: drop the old foreign key, add the lineage defaults."""
    from psycopg import sql

    rows = conn.execute(
        """select column_name from information_schema.columns
           where table_schema = %s and table_name = %s and column_name = '_load_id'
             and column_default is null""",
        [schema, table],
    ).fetchall()
    if not rows:
        return
    relation = sql.Identifier(schema, table)
    conn.execute(
        sql.SQL("alter table {} drop constraint if exists {}").format(
            relation, sql.Identifier(f"{table}__load_id_fkey")
        )
    )
    for column, default in LINEAGE_DEFAULTS.items():
        conn.execute(
            sql.SQL("alter table {} alter column {} set default {}").format(
                relation, sql.Identifier(column), sql.SQL(default)
            )
        )


# No foreign key from _load_id to ops.load_audit: the loader writes both in one transaction,
# and a per-row FK check would cost more than the COPY itself. The constant lineage columns
# default to transaction-local settings the loader sets, so COPY does not carry them per row.
LINEAGE_DEFAULTS = {
    "_load_id": "current_setting('mtqg.load_id')::bigint",
    "_source_file": "current_setting('mtqg.source_file')",
    "_sha256": "current_setting('mtqg.sha256')",
    "_sheet": "nullif(current_setting('mtqg.sheet', true), '')",
    "_run_id": "nullif(current_setting('mtqg.run_id', true), '')",
}

LINEAGE_COLUMNS_DDL = f"""
    _load_id bigint not null default {LINEAGE_DEFAULTS["_load_id"]},
    _source_file text not null default {LINEAGE_DEFAULTS["_source_file"]},
    _sha256 text not null default {LINEAGE_DEFAULTS["_sha256"]},
    _sheet text default {LINEAGE_DEFAULTS["_sheet"]},
    _row_number integer not null,
    _loaded_at timestamptz not null default now(),
    _run_id text default {LINEAGE_DEFAULTS["_run_id"]}
"""
