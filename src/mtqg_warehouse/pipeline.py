"""One bounded pipeline run through Airflow: ingest DAGs, then the asset-scheduled build."""

from __future__ import annotations

import logging
import time

from mtqg_warehouse import orchestrate
from mtqg_warehouse.assets import FEEDS

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
