"""Health-insurance (BHYT) card feed: the social insurance agency's monthly CSV.

Owner: data engineering. Every file in `inbox/insurance/` is fingerprinted, loaded into
`raw_insurance.cards` with COPY (or quarantined with its reason), archived, and the
`raw_insurance` asset is updated, which schedules `build_warehouse`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import Asset, dag, task

from mtqg_warehouse.assets import raw_asset_name

FEED = "insurance"


@dag(
    dag_id="ingest_insurance_feed",
    schedule="@monthly",
    start_date=datetime(2022, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"owner": "data-engineering", "retries": 2, "retry_delay": timedelta(minutes=5)},
    tags=["feed:insurance", "layer:raw"],
    doc_md=__doc__,
)
def ingest_insurance_feed() -> None:
    @task(outlets=[Asset(raw_asset_name(FEED))])
    def load_inbox(run_id: str | None = None) -> dict:
        from mtqg_warehouse.tasks import load_feed_inbox

        return load_feed_inbox(FEED, run_id or "manual")

    @task(retries=0)
    def check_quarantine(report: dict) -> None:
        from mtqg_warehouse.tasks import fail_on_quarantine

        fail_on_quarantine(report)

    check_quarantine(load_inbox())


ingest_insurance_feed()
