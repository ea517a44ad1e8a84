"""The compose deployment's PostgreSQL init script, run for real on a fresh PostgreSQL 18
cluster (the embedded server's binaries: the major version of the compose file's image), as
the official image's entrypoint runs it: psql as the superuser, passwords in the environment.

Cost: about 5 s (initdb, start, the script, a few checks, stop).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from mtqg_warehouse.config import PROJECT_ROOT
from mtqg_warehouse.db.embedded import EmbeddedServer, _bin

pytestmark = pytest.mark.integration

SCRIPT = PROJECT_ROOT / "deploy/postgres/initdb.d/10-databases-and-roles.sh"
PASSWORDS = {
    "WAREHOUSE_DB_PASSWORD": "w-secret",
    "AIRFLOW_DB_PASSWORD": "a-secret",
    "SUPERSET_DB_PASSWORD": "s-secret",
    "BI_READER_PASSWORD": "r-secret'quote",  # a quote must not break the SQL
}


@pytest.fixture
def fresh_cluster(tmp_path: Path) -> Iterator[EmbeddedServer]:
    server = EmbeddedServer(tmp_path / "pg")
    server.start()
    with psycopg.connect(server.url("postgres"), autocommit=True) as conn:
        conn.execute("drop database if exists warehouse")  # the embedded server makes one; the image does not
    yield server
    server.stop()


def test_init_script_creates_the_databases_and_roles(fresh_cluster: EmbeddedServer) -> None:
    env = dict(os.environ) | PASSWORDS
    env |= {"POSTGRES_USER": "postgres", "PGHOST": "127.0.0.1", "PGPORT": str(fresh_cluster.port())}
    env["PATH"] = f"{_bin('psql').parent}:{env['PATH']}"
    result = subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr

    with psycopg.connect(fresh_cluster.url("postgres")) as conn:
        owners = dict(
            conn.execute(
                "select datname, pg_get_userbyid(datdba) from pg_database "
                "where datname in ('warehouse', 'airflow', 'superset')"
            ).fetchall()
        )
        logins = dict(
            conn.execute(
                "select rolname, rolpassword is not null from pg_authid where rolcanlogin and not rolsuper"
            ).fetchall()
        )
    assert owners == {"warehouse": "mtqg", "airflow": "airflow", "superset": "superset"}
    assert logins == {"mtqg": True, "airflow": True, "superset": True, "bi_reader": True}

    with psycopg.connect(
        fresh_cluster.url("warehouse").replace("postgres@", "mtqg@"), autocommit=True
    ) as conn:
        conn.execute("create schema ops")  # the build role makes every schema
    # the embedded server, like a real one, asks bi_reader for its password (SCRAM)
    as_reader = {"user": "bi_reader", "password": PASSWORDS["BI_READER_PASSWORD"]}
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(fresh_cluster.url("warehouse"), user="bi_reader", password="wrong").close()
    reader = psycopg.connect(fresh_cluster.url("warehouse"), **as_reader)
    with reader, pytest.raises(psycopg.errors.InsufficientPrivilege):
        reader.execute("create table public.mine (x int)")
    for database in ("airflow", "superset"):
        with pytest.raises(psycopg.OperationalError, match="permission denied"):
            psycopg.connect(fresh_cluster.url(database), **as_reader).close()
