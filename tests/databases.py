"""Throwaway databases on the test server: each named with a prefix and a random suffix, and
dropped together with the Airflow metadata database a runner made beside it."""

from __future__ import annotations

import uuid

from mtqg_warehouse.config import WarehouseTarget


def create_database(server_url: str, prefix: str) -> str:
    """A new, empty database on the server; returns its URL."""
    import psycopg

    target = WarehouseTarget.from_url(server_url)
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(target.url("postgres"), autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    return target.url(name)


def drop_database(url: str) -> None:
    """The database and the Airflow metadata database the runner made beside it."""
    import psycopg

    from mtqg_warehouse.orchestration.metadata_db import metadata_database_name

    target = WarehouseTarget.from_url(url)
    with psycopg.connect(target.url("postgres"), autocommit=True) as conn:
        conn.execute(f'drop database if exists "{target.dbname}" with (force)')
        conn.execute(f'drop database if exists "{metadata_database_name(url)}" with (force)')
