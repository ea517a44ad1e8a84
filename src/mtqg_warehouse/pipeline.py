"""One bounded pipeline run through Airflow: ingest DAGs, then the asset-scheduled build."""

from __future__ import annotations

import logging

from mtqg_warehouse import orchestrate
from mtqg_warehouse.assets import FEEDS

log = logging.getLogger(__name__)

BUILD_DAG = "build_warehouse"


def ingest_dag_id(feed: str) -> str:
    return f"ingest_{feed}_feed"


def run_pipeline(
    warehouse_url: str, feeds: tuple[str, ...] = FEEDS, timeout: float = 600
) -> list[orchestrate.RunOutcome]:
    """Trigger each feed's ingest DAG and wait for the build DAG the assets schedule."""
    dag_ids = [ingest_dag_id(feed) for feed in feeds]
    outcomes = []
    with orchestrate.running_airflow(warehouse_url) as env:
        orchestrate.wait_for_dags([*dag_ids, BUILD_DAG])
        baseline = orchestrate.last_run_rowid()
        for dag_id in dag_ids:
            orchestrate.trigger(env, dag_id)
        for dag_id in dag_ids:
            outcomes.append(orchestrate.wait_for_run(dag_id, baseline, timeout))
        outcomes.append(orchestrate.wait_for_run(BUILD_DAG, baseline, timeout))
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
