"""`dbt build` makes a brand-new empty database alone, and the sources it creates for that are
the loaders' own: same columns, defaults, constraints and views, so loads go on from there."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest

from mtqg_warehouse.config import PROJECT_ROOT
from mtqg_warehouse.contracts.model import load_contract
from mtqg_warehouse.db import ddl

pytestmark = pytest.mark.integration

SOURCES = ["ops.load_audit", "ops.current_loads", "raw_insurance.cards", "raw_insurance.cards_lineage"]
CATALOG = {
    "columns": """select table_schema || '.' || table_name, column_name, ordinal_position, data_type,
                         is_nullable, column_default
                  from information_schema.columns
                  where table_schema || '.' || table_name = any(%(relations)s) order by 1, 3""",
    "constraints": """select conrelid::regclass::text, conname, pg_get_constraintdef(oid)
                      from pg_constraint where conrelid::regclass::text = any(%(relations)s) order by 1, 2""",
    "indexes": """select schemaname || '.' || tablename, indexname, indexdef from pg_indexes
                  where schemaname || '.' || tablename = any(%(relations)s) order by 1, 2""",
    "views": """select c.oid::regclass::text, pg_get_viewdef(c.oid, true) from pg_class c
                where c.relkind = 'v' and c.oid::regclass::text = any(%(relations)s) order by 1""",
    "row_sequence": """select pg_get_serial_sequence('raw_insurance.cards', '_row_number'), s.data_type::text,
                              s.min_value, s.max_value, s.increment_by
                       from pg_sequences s
                       where s.schemaname = 'raw_insurance' and s.sequencename = 'cards__row_number'""",
}


def _catalog(url: str) -> dict[str, list[tuple]]:
    with psycopg.connect(url) as conn:
        return {
            name: conn.execute(query, {"relations": SOURCES}).fetchall() for name, query in CATALOG.items()
        }


def test_dbt_alone_builds_an_empty_database(dbt_built_database: str) -> None:
    with psycopg.connect(dbt_built_database) as conn:
        cards = conn.execute("select count(*) from pub_empty.fct_insurance_cards").fetchone()[0]
        units = conn.execute("select count(*) from reference.units").fetchone()[0]
    assert cards == 0
    assert units > 0


def test_the_sources_dbt_creates_are_the_loaders(dbt_built_database: str, warehouse: str) -> None:
    with psycopg.connect(warehouse, autocommit=True) as conn:
        ddl.ensure_ops_schema(conn)
        ddl.ensure_raw_tables(conn, load_contract("insurance"))
    made_by_dbt, made_by_loader = _catalog(dbt_built_database), _catalog(warehouse)
    assert made_by_dbt["columns"], "dbt created no source"
    assert {row[0] for row in made_by_dbt["columns"]} == set(SOURCES)
    assert made_by_dbt == made_by_loader


def test_loads_and_builds_go_on_in_a_database_dbt_made(
    dbt_built_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mtqg_warehouse.ingest.run import ingest_feed
    from mtqg_warehouse.publication.dbt_runner import run_dbt

    monkeypatch.setenv("WAREHOUSE_URL", dbt_built_database)
    monkeypatch.setenv("MTQG_STATE_DIR", str(tmp_path / "state"))
    inbox = tmp_path / "state" / "inbox" / "insurance"
    inbox.mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "tests" / "fixtures" / "insurance" / "the_bhyt_95_202501.csv", inbox)
    ingest_feed("insurance", run_id="manual__after_dbt")
    run_dbt("build", "pub_after_load")
    with psycopg.connect(dbt_built_database) as conn:
        loaded = conn.execute("select sum(rows_loaded) from ops.load_audit").fetchone()[0]
        typed = conn.execute(
            "select count(*) from pub_after_load.fct_insurance_cards where valid_from_date is not null"
        ).fetchone()[0]
    assert loaded > 0
    assert typed == loaded


def test_an_earlier_warehouse_loses_the_sql_functions_staging_no_longer_uses(warehouse: str) -> None:
    with psycopg.connect(warehouse, autocommit=True) as conn:
        conn.execute("create schema ops")
        conn.execute("create schema staging")
        for name, returns in (("vn_date", "date"), ("vn_number", "numeric")):
            body = f"'select null::{returns}'"
            conn.execute(f"create function ops.{name}(value text) returns {returns} language sql as {body}")
        conn.execute(
            "create view staging.stg_insurance__cards as select ops.vn_date('01/01/2024') as issued_date"
        )
        ddl.ensure_ops_schema(conn)
        left = conn.execute(
            """select proname from pg_proc where pronamespace = 'ops'::regnamespace
               and proname in ('vn_date', 'vn_number')"""
        ).fetchall()
    assert left == []
