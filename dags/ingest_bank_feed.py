"""Policy-bank (VBSP) loan feed: the bank's daily CSV of loan events.

Owner: data engineering. Schedule: @daily; a scheduled or backfilled run takes the period
that ended at its logical date, a manual run everything waiting. Every file in
`inbox/bank/` is fingerprinted, its loan events (disbursement, repayment, interest, write-off) loaded into
`raw_bank.loan_events` with COPY or quarantined with its reason, and archived.
A run that loaded something updates the `raw_bank` asset, which schedules
`build_warehouse`; quarantined files fail the run after the good files are in.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import Asset, dag, task
from airflow.sdk.exceptions import AirflowSkipException

from mtqg_warehouse.assets import raw_asset_name

FEED = "bank"


@dag(
    dag_id="ingest_bank_feed",
    schedule="@daily",
    start_date=datetime(2022, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"owner": "data-engineering", "retries": 2, "retry_delay": timedelta(minutes=5)},
    tags=["feed:bank", "layer:raw"],
    doc_md=__doc__,
)
def ingest_bank_feed() -> None:
    @task
    def load_inbox(run_id: str | None = None, logical_date: datetime | None = None) -> dict:
        from mtqg_warehouse.tasks import load_feed_inbox

        return load_feed_inbox(FEED, run_id or "manual", logical_date)

    @task(outlets=[Asset(raw_asset_name(FEED))])
    def update_asset(report: dict) -> int:
        from mtqg_warehouse.tasks import nothing_new

        if nothing_new(report):
            raise AirflowSkipException("nothing new loaded: no asset event")
        return report["rows_loaded"]

    @task(retries=0)
    def check_quarantine(report: dict) -> None:
        from mtqg_warehouse.tasks import fail_on_quarantine

        fail_on_quarantine(report)

    report = load_inbox()
    update_asset(report)
    check_quarantine(report)


ingest_bank_feed()
