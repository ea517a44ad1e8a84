"""Airflow's metadata database is created beside the warehouse, once."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql

from mtqg_warehouse.orchestration.metadata_db import ensure_metadata_database, metadata_database_name

pytestmark = pytest.mark.integration


def test_created_on_first_use_and_then_left_alone(warehouse: str) -> None:
    name = metadata_database_name(warehouse)
    with psycopg.connect(warehouse, autocommit=True) as conn:
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
    assert ensure_metadata_database(warehouse) is True
    assert ensure_metadata_database(warehouse) is False
    with psycopg.connect(warehouse) as conn:
        assert conn.execute("select count(*) from pg_database where datname = %s", (name,)).fetchone() == (1,)
