"""Warehouse build: dbt into a new publication schema, GX audit, then publish to `marts`.

Owner: data engineering. Scheduled on the raw assets of every feed. Write-audit-publish:
`marts` is repointed only when every GX check passes; a failed audit keeps the previous
publication visible and names the failed checks and the Data Docs page.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import Asset, AssetAny, dag, task

from mtqg_warehouse.orchestration.ids import FEEDS, raw_asset_name


@dag(
    dag_id="build_warehouse",
    schedule=AssetAny(*(Asset(raw_asset_name(feed)) for feed in FEEDS)),
    start_date=datetime(2022, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"owner": "data-engineering", "retries": 2, "retry_delay": timedelta(minutes=2)},
    tags=["layer:marts", "dbt", "gx"],
    doc_md=__doc__,
)
def build_warehouse() -> None:
    @task
    def build_publication(run_id: str | None = None) -> str:
        from mtqg_warehouse.publication.steps import build

        return build(run_id)

    @task(retries=0)
    def audit_publication(schema: str) -> dict:
        from mtqg_warehouse.publication.steps import audit

        return audit(schema)

    @task
    def publish_marts(schema: str, audit_result: dict) -> list[str]:
        from mtqg_warehouse.publication.steps import publish_build

        return publish_build(schema)

    @task
    def report_summary(published: list[str]) -> dict:
        from mtqg_warehouse.publication.steps import summary

        return summary()

    schema = build_publication()
    report_summary(publish_marts(schema, audit_publication(schema)))


build_warehouse()
