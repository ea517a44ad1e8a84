"""Where the runner puts Airflow's metadata: beside the warehouse, unless the operator says otherwise."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import make_url

from mtqg_warehouse.orchestration.bounded_runs import _logical_date
from mtqg_warehouse.orchestration.metadata_db import (
    ASYNC_CONN,
    SYNC_CONN,
    metadata_database_name,
    metadata_settings,
    metadata_url,
)


def test_airflow_gets_its_own_database_on_the_warehouse_server():
    url = make_url(metadata_url("postgresql://etl:s3cr%40t:x@db.example:6543/warehouse"))
    assert (url.drivername, url.host, url.port) == ("postgresql+psycopg", "db.example", 6543)
    assert url.username == "etl"
    assert url.password == "s3cr@t:x"  # quoted once, read back whole
    assert url.database == "warehouse_airflow"


def test_a_socket_folder_stays_a_socket_folder():
    url = make_url(metadata_url("postgresql://postgres@/warehouse?host=/run/postgresql&port=5433"))
    assert url.host is None
    assert url.query == {"host": "/run/postgresql", "port": "5433"}


def test_each_throwaway_warehouse_gets_its_own_airflow_database():
    name = metadata_database_name("postgresql://postgres@127.0.0.1:5432/mtqg_test_1a2b")
    assert name == "mtqg_test_1a2b_airflow"


def test_both_of_airflows_engines_use_psycopg_3():
    settings = metadata_settings("postgresql://postgres@127.0.0.1:5432/warehouse", {})
    assert settings[SYNC_CONN] == settings[ASYNC_CONN]
    assert settings[SYNC_CONN].startswith("postgresql+psycopg://")


def test_an_operators_metadata_database_wins():
    warehouse = "postgresql://postgres@127.0.0.1:5432/warehouse"
    both = {
        SYNC_CONN: "postgresql+psycopg2://a@meta.example/airflow",
        ASYNC_CONN: "postgresql+asyncpg://a@m/b",
    }
    assert metadata_settings(warehouse, both) == {}
    # psycopg 3 serves the async engine (Airflow would derive asyncpg, which is not installed)
    sync_only = {SYNC_CONN: "postgresql+psycopg2://airflow@meta.example/airflow"}
    assert metadata_settings(warehouse, sync_only) == {
        ASYNC_CONN: "postgresql+psycopg://airflow@meta.example/airflow"
    }


def test_backfill_dates_are_utc_unless_they_name_a_zone():
    assert _logical_date("2023-05-02") == dt.datetime(2023, 5, 2, tzinfo=dt.UTC)
    plus7 = dt.timezone(dt.timedelta(hours=7))
    assert _logical_date("2023-05-02T00:00+07:00") == dt.datetime(2023, 5, 2, tzinfo=plus7)


def test_the_runner_gives_its_components_the_warehouse_servers_database(monkeypatch, tmp_path):
    from mtqg_warehouse.orchestration.airflow_runner import airflow_env

    monkeypatch.setenv("MTQG_STATE_DIR", str(tmp_path))
    monkeypatch.delenv(SYNC_CONN, raising=False)
    env = airflow_env("postgresql://postgres@127.0.0.1:5432/warehouse")
    assert make_url(env[SYNC_CONN]).database == "warehouse_airflow"
    assert not any("sqlite" in value for value in env.values())

    monkeypatch.setenv(SYNC_CONN, "postgresql+psycopg://airflow@meta.example/airflow")
    assert airflow_env("postgresql://postgres@127.0.0.1:5432/warehouse")[SYNC_CONN].endswith("/airflow")
