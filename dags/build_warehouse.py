"""Warehouse build: dbt into a new publication schema, GX audit, then publish to `marts`.

Owner: data engineering. Scheduled on the raw assets of every feed. Write-audit-publish:
`marts` is repointed only when every GX check passes; a failed audit keeps the previous
publication visible and names the failed checks and the Data Docs page; a failed task (a
failed audit included) sends one alert (mail and/or Slack, else the alerts log).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import Asset, AssetAny, dag, task

from mtqg_warehouse.alerts.notifier import WarehouseAlertNotifier
from mtqg_warehouse.contracts.model import feeds
from mtqg_warehouse.orchestration import ids


@dag(
    dag_id=ids.BUILD_DAG_ID,
    schedule=AssetAny(*(Asset(ids.raw_asset_name(feed)) for feed in feeds())),
    start_date=datetime(2022, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={
        "owner": "data-engineering",
        "retries": 2,
        "retry_delay": timedelta(minutes=2),
        "on_failure_callback": WarehouseAlertNotifier(),
    },
    tags=["layer:marts", "dbt", "gx"],
    doc_md=__doc__,
)
def build_warehouse() -> None:
    @task(task_id=ids.BUILD_PUBLICATION_TASK)
    def build_publication(run_id: str | None = None) -> str:
        from mtqg_warehouse.publication.steps import build

        return build(run_id)

    @task(task_id=ids.AUDIT_PUBLICATION_TASK, retries=0)
    def audit_publication(schema: str) -> dict:
        from mtqg_warehouse.publication.steps import audit

        return audit(schema)

    @task(task_id=ids.PUBLISH_MARTS_TASK)
    def publish_marts(schema: str, audit_result: dict) -> list[str]:
        from mtqg_warehouse.publication.steps import publish_build

        return publish_build(schema)

    @task(task_id=ids.REPORT_SUMMARY_TASK)
    def report_summary(published: list[str]) -> dict:
        from mtqg_warehouse.publication.steps import summary

        return summary()

    schema = build_publication()
    report_summary(publish_marts(schema, audit_publication(schema)))


build_warehouse()
