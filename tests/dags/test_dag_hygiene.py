"""Every DAG file imports cleanly through Airflow's DagBag, parses fast, and is well labelled."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from mtqg_warehouse.orchestration.ids import (
    BUILD_DAG_ID,
    CHECK_QUARANTINE_TASK,
    LOAD_INBOX_TASK,
    UPDATE_ASSET_TASK,
    ingest_dag_id,
    raw_asset_name,
)

DAGS_FOLDER = Path(__file__).resolve().parents[2] / "dags"
MAX_PARSE_SECONDS = 1.0
# modules starting with "_" hold shared DAG shapes, not DAGs (see dags/.airflowignore)
DAG_FILES = sorted(path for path in DAGS_FOLDER.glob("*.py") if not path.name.startswith("_"))


@pytest.fixture(scope="session")
def dagbag(tmp_path_factory: pytest.TempPathFactory, test_database_url: str):
    """Every DAG, parsed as the runner's components parse them (metadata settings included).

    The settings are set only while Airflow is first imported, so that they do not leak into
    the environment the runner gives its components later in the session.
    """
    from mtqg_warehouse.orchestration.metadata_db import metadata_settings

    home = tmp_path_factory.mktemp("airflow_home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AIRFLOW_HOME", str(home))
        patch.setenv("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
        patch.setenv("AIRFLOW__CORE__DAGS_FOLDER", str(DAGS_FOLDER))
        for name, value in metadata_settings(test_database_url, os.environ).items():
            patch.setenv(name, value)
        # Airflow 3 puts the DAG bundle's folder on sys.path (BundleDagBag); a plain DagBag does not
        if str(DAGS_FOLDER) not in sys.path:
            sys.path.append(str(DAGS_FOLDER))
        from airflow.dag_processing.dagbag import DagBag

        return DagBag(dag_folder=str(DAGS_FOLDER))


def test_no_import_errors(dagbag) -> None:
    assert dagbag.import_errors == {}


def test_every_dag_file_defines_a_dag_named_after_it(dagbag) -> None:
    files = sorted(path.stem for path in DAG_FILES)
    assert files, "no DAG files found"
    assert sorted(dagbag.dag_ids) == files


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_each_file_parses_within_budget(dagbag, path: Path) -> None:
    from airflow.dag_processing.dagbag import DagBag

    started = time.perf_counter()
    bag = DagBag(dag_folder=str(path))
    elapsed = time.perf_counter() - started
    assert bag.import_errors == {}
    assert list(bag.dag_ids) == [path.stem], "Airflow must find the DAG (safe mode wants 'airflow' and 'dag')"
    assert elapsed < MAX_PARSE_SECONDS, f"{path.name} took {elapsed:.2f} s to parse"


def test_every_dag_has_tags_owner_and_retries(dagbag) -> None:
    problems = []
    for dag_id, dag in dagbag.dags.items():
        if not dag.tags:
            problems.append(f"{dag_id}: no tags")
        for task in dag.tasks:
            if not task.owner or task.owner == "airflow":
                problems.append(f"{dag_id}.{task.task_id}: no owner")
        if dag.default_args.get("retries", 0) < 2:
            problems.append(f"{dag_id}: default retries < 2")
    assert problems == []


def test_every_contracts_feed_has_its_ingest_dag_on_the_contracts_schedule(dagbag) -> None:
    from mtqg_warehouse.contracts.model import feeds, load_contract
    from mtqg_warehouse.contracts.periods import ingest_schedule

    for feed in feeds():
        dag = dagbag.dags[ingest_dag_id(feed)]
        assert dag.schedule == ingest_schedule(load_contract(feed).cadence)
    assert set(dagbag.dag_ids) == {BUILD_DAG_ID, *(ingest_dag_id(feed) for feed in feeds())}


def test_the_build_is_scheduled_on_every_feeds_raw_asset(dagbag) -> None:
    from mtqg_warehouse.contracts.model import feeds

    assets = {asset.name for asset in dagbag.dags[BUILD_DAG_ID].schedule.objects}
    assert assets == {raw_asset_name(feed) for feed in feeds()}


def test_the_runner_and_the_dags_name_the_same_tasks(dagbag) -> None:
    ingest = dagbag.dags[ingest_dag_id("bank")]
    assert set(ingest.task_ids) == {LOAD_INBOX_TASK, UPDATE_ASSET_TASK, CHECK_QUARANTINE_TASK}
    assert [asset.name for asset in ingest.get_task(UPDATE_ASSET_TASK).outlets] == [raw_asset_name("bank")]
