"""dbt's unit tests (each model's logic on rows given in YAML) run here, against the demo's
warehouse, and not in production builds (publication/steps.py leaves them out, as dbt
advises): they test the SQL, which only a change of the project can break."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
import yaml

from mtqg_warehouse.publication import lifecycle
from mtqg_warehouse.publication.dbt_runner import DBT_PROJECT_DIR, run_dbt, target_dir

pytestmark = pytest.mark.integration


def _unit_tests_defined() -> set[str]:
    names = set()
    for path in (DBT_PROJECT_DIR / "models").rglob("*.yml"):
        spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        names |= {test["name"] for test in spec.get("unit_tests", [])}
    return names


def test_every_dbt_unit_test_passes(demo_run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert demo_run.exit_code == 0, demo_run.output
    monkeypatch.setenv("WAREHOUSE_URL", demo_run.url)
    monkeypatch.setenv("MTQG_STATE_DIR", str(tmp_path / "state"))
    with psycopg.connect(demo_run.url) as conn:
        schema = lifecycle.current_publication(conn)
    assert schema is not None
    run_dbt("test", schema, "--select", "test_type:unit")  # raises naming any failed unit test

    results = json.loads((target_dir() / "run_results.json").read_text(encoding="utf-8"))["results"]
    ran = {
        result["unique_id"].rsplit(".", 1)[-1]: result["status"]
        for result in results
        if result["unique_id"].startswith("unit_test.")
    }
    defined = _unit_tests_defined()
    assert defined, "the project defines no dbt unit test"
    assert ran == dict.fromkeys(defined, "pass")
