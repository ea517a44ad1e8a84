"""One bounded pipeline run through Airflow: ingest DAGs, then the asset-scheduled build."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Sequence

from mtqg_warehouse.orchestration import airflow_runner as orchestrate
from mtqg_warehouse.orchestration.ids import BUILD_DAG_ID, UPDATE_ASSET_TASK, ingest_dag_id

log = logging.getLogger(__name__)


def run_pipeline(
    warehouse_url: str,
    feeds: Sequence[str] | None = None,
    timeout: float = 600,
    extra: orchestrate.ExtraComponents | None = None,
) -> list[orchestrate.RunOutcome]:
    """Trigger each feed's ingest DAG (every contract's feed by default), then wait for every
    build the asset events schedule. ``extra``: another executor's settings and processes
    (celery_workers.py); the LocalExecutor by default.

    When no ingest loaded anything new (a re-run over the same files), no asset event is
    emitted and no build runs: the published marts are already current.
    """
    with orchestrate.running_airflow(warehouse_url, extra) as airflow:
        outcomes = run_feeds(airflow, feeds, timeout)
    log_failures(outcomes)
    return outcomes


def run_feeds(
    airflow: orchestrate.RunningAirflow, feeds: Sequence[str] | None = None, timeout: float = 600
) -> list[orchestrate.RunOutcome]:
    """`run_pipeline`'s work on components already running: runs changed since
    ``airflow.started`` are waited for (a caller that keeps Airflow running across several
    pipeline runs, as the tests do, moves ``started`` to each run's start)."""
    from mtqg_warehouse.contracts.model import feeds as contract_feeds

    dag_ids = [ingest_dag_id(feed) for feed in (contract_feeds() if feeds is None else feeds)]
    outcomes = []
    orchestrate.wait_for_dags(airflow.api, [*dag_ids, BUILD_DAG_ID])
    for dag_id in dag_ids:
        orchestrate.trigger(airflow.api, dag_id)
    # runs the scheduler creates on start (a feed's latest interval) count too
    for dag_id in dag_ids:
        outcomes.extend(orchestrate.wait_for_all_runs(airflow, dag_id, timeout))
    if any(airflow.api.task_state(o.dag_id, o.run_id, UPDATE_ASSET_TASK) == "success" for o in outcomes):
        time.sleep(2)  # let the scheduler turn the last asset event into a queued build run
        outcomes.extend(orchestrate.wait_for_all_runs(airflow, BUILD_DAG_ID, timeout))
    return outcomes


def log_failures(outcomes: Sequence[orchestrate.RunOutcome]) -> None:
    """Each run that did not succeed, with its failed tasks' log tails, so a failure says why."""
    for outcome in outcomes:
        if outcome.state != "success":
            log.error(
                "%s %s: %s\n%s",
                outcome.dag_id,
                outcome.run_id,
                outcome.state,
                orchestrate.failed_task_logs(outcome.dag_id, outcome.run_id),
            )


def run_backfill(
    warehouse_url: str, feed: str, from_date: str, to_date: str, timeout: float = 600
) -> list[orchestrate.RunOutcome]:
    """An Airflow backfill of one feed's ingest DAG over past logical dates (ISO dates, inclusive).

    Each run loads the period that ended at its logical date (see periods.py), so a backfill
    of 2-4 May takes the daily bank files of 1-3 May and leaves the others waiting.
    """
    with orchestrate.running_airflow(warehouse_url) as airflow:
        return backfill_on(airflow, feed, from_date, to_date, timeout)


def backfill_on(
    airflow: orchestrate.RunningAirflow, feed: str, from_date: str, to_date: str, timeout: float = 600
) -> list[orchestrate.RunOutcome]:
    """`run_backfill`'s work on components already running (see `run_feeds`)."""
    dag_id = ingest_dag_id(feed)
    orchestrate.wait_for_dags(airflow.api, [dag_id])
    airflow.api.create_backfill(dag_id, _logical_date(from_date), _logical_date(to_date))
    outcomes = orchestrate.wait_for_all_runs(airflow, dag_id, timeout, run_type="backfill")
    orchestrate.wait_for_all_runs(airflow, BUILD_DAG_ID, timeout, allow_none=True)
    return outcomes


def _logical_date(text: str) -> dt.datetime:
    """``2023-05-02`` (or an ISO date-time) as Airflow's CLI reads it: UTC unless it names a zone."""
    parsed = dt.datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
