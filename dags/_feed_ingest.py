"""The shape every feed's ingest DAG shares, so the three DAG files differ only in what differs.

Not a DAG file itself (`.airflowignore` skips it); the DAG files import it from the DAGs
folder, which Airflow puts on sys.path. Tasks: load the inbox (each file fingerprinted,
loaded with COPY or quarantined, archived), update the feed's raw asset when something new
was loaded (that schedules `build_warehouse`), and fail the run, after the good files are
in, if any file was quarantined or refused.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG, Asset, dag, task
from airflow.sdk.exceptions import AirflowSkipException

from mtqg_warehouse.alerts.notifier import WarehouseAlertNotifier
from mtqg_warehouse.contracts.model import load_contract
from mtqg_warehouse.contracts.periods import ingest_schedule
from mtqg_warehouse.orchestration import ids

DEFAULT_ARGS = {
    "owner": "data-engineering",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    # one alert per failed task (a file that could not be taken included): alerts/notifier.py
    "on_failure_callback": WarehouseAlertNotifier(),
}


def feed_ingest_dag(feed: str, doc_md: str | None) -> DAG:
    """The feed's ingest DAG, on the schedule its contract's cadence gives (contracts/periods.py)."""

    @dag(
        dag_id=ids.ingest_dag_id(feed),
        schedule=ingest_schedule(load_contract(feed).cadence),
        start_date=datetime(2022, 1, 1),
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        tags=[f"feed:{feed}", "layer:raw"],
        doc_md=doc_md,
    )
    def ingest() -> None:
        @task(task_id=ids.LOAD_INBOX_TASK)
        def load_inbox(run_id: str | None = None, logical_date: datetime | None = None) -> dict:
            from mtqg_warehouse.ingest.steps import load_feed_inbox

            return load_feed_inbox(feed, run_id or "manual", logical_date)

        @task(task_id=ids.UPDATE_ASSET_TASK, outlets=[Asset(ids.raw_asset_name(feed))])
        def update_asset(report: dict) -> int:
            from mtqg_warehouse.ingest.steps import nothing_new

            if nothing_new(report):
                raise AirflowSkipException("nothing new loaded: no asset event")
            return report["rows_loaded"]

        @task(task_id=ids.CHECK_QUARANTINE_TASK, retries=0)
        def check_quarantine(report: dict) -> None:
            from mtqg_warehouse.ingest.steps import fail_on_quarantine

            fail_on_quarantine(report)

        report = load_inbox()
        update_asset(report)
        check_quarantine(report)

    return ingest()
