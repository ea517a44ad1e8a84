"""One bounded pipeline run through Airflow: ingest DAGs, then the asset-scheduled build."""

from __future__ import annotations

import logging
import time

from mtqg_warehouse.orchestration import airflow_runner as orchestrate
from mtqg_warehouse.orchestration.ids import FEEDS

log = logging.getLogger(__name__)

BUILD_DAG = "build_warehouse"
ASSET_TASK = "update_asset"


def ingest_dag_id(feed: str) -> str:
    return f"ingest_{feed}_feed"


def run_pipeline(
    warehouse_url: str, feeds: tuple[str, ...] = FEEDS, timeout: float = 600
) -> list[orchestrate.RunOutcome]:
    """Trigger each feed's ingest DAG, then wait for every build the asset events schedule.

    When no ingest loaded anything new (a re-run over the same files), no asset event is
    emitted and no build runs: the published marts are already current.
    """
    dag_ids = [ingest_dag_id(feed) for feed in feeds]
    outcomes = []
    # runs the scheduler creates on start (a feed's latest interval) count too: they load the same inbox
    baseline = orchestrate.last_run_rowid()
    with orchestrate.running_airflow(warehouse_url) as env:
        orchestrate.wait_for_dags([*dag_ids, BUILD_DAG])
        for dag_id in dag_ids:
            orchestrate.trigger(env, dag_id)
        for dag_id in dag_ids:
            outcomes.extend(orchestrate.wait_for_all_runs(dag_id, baseline, timeout))
        if any(orchestrate.task_state(o.dag_id, o.run_id, ASSET_TASK) == "success" for o in outcomes):
            time.sleep(2)  # let the scheduler turn the last asset event into a queued build run
            outcomes.extend(orchestrate.wait_for_all_runs(BUILD_DAG, baseline, timeout))
    for outcome in outcomes:
        if outcome.state != "success":
            log.error(
                "%s %s: %s\n%s",
                outcome.dag_id,
                outcome.run_id,
                outcome.state,
                orchestrate.failed_task_logs(outcome.dag_id, outcome.run_id),
            )
    return outcomes


def run_backfill(
    warehouse_url: str, feed: str, from_date: str, to_date: str, timeout: float = 600
) -> list[orchestrate.RunOutcome]:
    """``airflow backfill create`` for one feed's ingest DAG over past logical dates.

    Each run loads the period that ended at its logical date (see periods.py), so a backfill
    of 2-4 May takes the daily bank files of 1-3 May and leaves the others waiting.
    """
    dag_id = ingest_dag_id(feed)
    baseline = orchestrate.last_run_rowid()
    with orchestrate.running_airflow(warehouse_url) as env:
        orchestrate.wait_for_dags([dag_id])
        orchestrate.airflow_cli(
            env, "backfill", "create", "--dag-id", dag_id, "--from-date", from_date, "--to-date", to_date
        )
        outcomes = orchestrate.wait_for_all_runs(dag_id, baseline, timeout, run_type="backfill")
        orchestrate.wait_for_all_runs(BUILD_DAG, baseline, timeout, allow_none=True)
    return outcomes
