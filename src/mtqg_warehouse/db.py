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


def connect(url: str | None = None, autocommit: bool = False) -> psycopg.Connection:
    import psycopg

    return psycopg.connect(url or warehouse_url(), autocommit=autocommit)


def ensure_ops_schema(conn: psycopg.Connection) -> None:
    """Create ``ops`` tables and helper functions; every statement is idempotent."""
    ddl = files("mtqg_warehouse").joinpath("sql/ops.sql").read_text(encoding="utf-8")
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('mtqg_ops_ddl'))")
        conn.execute(ddl)


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


LINEAGE_COLUMNS_DDL = """
    _load_id bigint not null references ops.load_audit (load_id),
    _source_file text not null,
    _sha256 text not null,
    _sheet text,
    _row_number integer not null,
    _loaded_at timestamptz not null default now(),
    _run_id text
"""
