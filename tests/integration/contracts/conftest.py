"""A brand-new empty database that `dbt build` alone made, with no Python DDL before it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from mtqg_warehouse.config import WarehouseTarget


@pytest.fixture(scope="session")
def dbt_built_database(server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import psycopg

    from mtqg_warehouse.publication.dbt_runner import run_dbt

    target = WarehouseTarget.from_url(server_url)
    name = f"mtqg_dbt_only_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(target.url("postgres"), autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("WAREHOUSE_URL", target.url(name))
            patch.setenv("MTQG_STATE_DIR", str(tmp_path_factory.mktemp("dbt_state")))
            run_dbt("build", "pub_empty")
        yield target.url(name)
    finally:
        with psycopg.connect(target.url("postgres"), autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')


def compile_inline(sql: str, database_url: str, state: Path) -> str:
    """``dbt compile --inline``: the SQL dbt's macros expand to, against ``database_url``."""
    from dbt.cli.main import dbtRunner

    from mtqg_warehouse.publication.dbt_runner import DBT_PROJECT_DIR, dbt_environment

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WAREHOUSE_URL", database_url)
        patch.setenv("MTQG_STATE_DIR", str(state))
        for key, value in dbt_environment().items():
            patch.setenv(key, value)
        project = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
        variables = ["--vars", json.dumps({"publication_schema": "pub_compile"})]
        result = dbtRunner().invoke(["--quiet", "compile", "--inline", sql, *project, *variables])
    assert result.success, result.exception
    return result.result.results[0].node.compiled_code
