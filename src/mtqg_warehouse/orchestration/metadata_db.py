"""Airflow's metadata database: a PostgreSQL database of its own beside the warehouse.

Airflow recommends PostgreSQL for anything beyond a try-out, and SQLite's single writer lock
failed backfills while the scheduler wrote. So the runner keeps Airflow's metadata on the
warehouse's server (same host, port and user) in ``<warehouse db>_airflow``, created on first
use; the throwaway test warehouses get their own, dropped with them. An operator who sets
``AIRFLOW__DATABASE__SQL_ALCHEMY_CONN`` chooses another one, and it is used as given (with
psycopg 3 for Airflow's async engine too, unless ``..._CONN_ASYNC`` is set as well).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from mtqg_warehouse.config import WarehouseTarget

log = logging.getLogger(__name__)

SYNC_CONN = "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"
ASYNC_CONN = "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC"
# psycopg 3 serves both of Airflow's engines; Airflow would otherwise derive asyncpg, not installed
DRIVER = "postgresql+psycopg"


def metadata_database_name(warehouse_url: str) -> str:
    return f"{WarehouseTarget.from_url(warehouse_url).dbname}_airflow"


def metadata_url(warehouse_url: str) -> str:
    """The SQLAlchemy URL of the warehouse server's Airflow database (password included)."""
    from sqlalchemy.engine import URL

    target = WarehouseTarget.from_url(warehouse_url)
    socket = target.host.startswith("/")
    url = URL.create(
        DRIVER,
        username=target.user,
        password=target.password or None,
        host=None if socket else target.host,
        port=None if socket else target.port,
        database=metadata_database_name(warehouse_url),
        query={"host": target.host, "port": str(target.port)} if socket else {},
    )
    return url.render_as_string(hide_password=False)


def metadata_settings(warehouse_url: str, environ: Mapping[str, str]) -> dict[str, str]:
    """Airflow's database settings: the operator's when given, else the warehouse server's."""
    explicit = environ.get(SYNC_CONN)
    if explicit:
        # Airflow would derive an asyncpg URL for its async engine (not installed): use psycopg 3
        scheme, rest = explicit.split(":", 1)
        postgres = scheme.split("+")[0] == "postgresql" and not environ.get(ASYNC_CONN)
        return {ASYNC_CONN: f"{DRIVER}:{rest}"} if postgres else {}
    url = metadata_url(warehouse_url)
    return {SYNC_CONN: url, ASYNC_CONN: url}


def ensure_metadata_database(warehouse_url: str) -> bool:
    """Create the Airflow database beside the warehouse when absent; whether it was created."""
    from psycopg import errors, sql

    from mtqg_warehouse.db.connection import connect

    name = metadata_database_name(warehouse_url)
    with connect(warehouse_url) as conn:
        if conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone():
            return False
        try:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
        except errors.DuplicateDatabase:  # another runner created it meanwhile
            return False
    log.info("created Airflow's metadata database %s", name)
    return True
