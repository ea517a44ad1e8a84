"""Stale planner statistics are refreshed by the loader itself, not left to autovacuum."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql

from mtqg_warehouse.db.planner_statistics import analyze_if_stale

pytestmark = [pytest.mark.integration]

SCHEMA, TABLE = "raw odd", 'rows "x"'  # names that must be quoted


def test_a_table_never_analyzed_or_changed_by_a_tenth_is_analyzed_then_left_alone(warehouse: str) -> None:
    relation = sql.Identifier(SCHEMA, TABLE)
    with psycopg.connect(warehouse, autocommit=True) as conn:

        def add(rows: int) -> None:
            conn.execute(sql.SQL("insert into {} select generate_series(1, {})").format(relation, rows))
            conn.execute("select pg_stat_force_next_flush()")

        conn.execute(sql.SQL("create schema {}").format(sql.Identifier(SCHEMA)))
        conn.execute(sql.SQL("create table {} (n int)").format(relation))
        add(1000)
        assert analyze_if_stale(conn, SCHEMA, TABLE), "never analyzed"
        conn.execute("select pg_stat_force_next_flush()")
        assert not analyze_if_stale(conn, SCHEMA, TABLE), "just analyzed"
        add(50)
        assert not analyze_if_stale(conn, SCHEMA, TABLE), "5 % changed: autovacuum would wait too"
        add(100)
        assert analyze_if_stale(conn, SCHEMA, TABLE), "15 % changed since the last analyze"
        (reltuples,) = conn.execute(
            "select reltuples from pg_class where oid = %s::regclass", [relation.as_string(conn)]
        ).fetchone()
        assert reltuples == 1150
