"""Every name Airflow knows the pipeline by: DAG ids, task ids and asset names, defined once.

The DAG files build their DAGs from these, and the runner asks Airflow's REST API about the
same names, so a rename cannot leave one side asking about a DAG the other no longer makes.
Plain strings: the package never imports Airflow; the DAG files wrap assets in ``Asset``.
The feeds themselves come from the contracts (``contracts.model.feeds()``), not from here.
"""

from __future__ import annotations

BUILD_DAG_ID = "build_warehouse"

# the ingest DAG's tasks (dags/_feed_ingest.py)
LOAD_INBOX_TASK = "load_inbox"
UPDATE_ASSET_TASK = "update_asset"  # its success is the asset event that schedules the build
CHECK_QUARANTINE_TASK = "check_quarantine"

# the build DAG's tasks (dags/build_warehouse.py)
BUILD_PUBLICATION_TASK = "build_publication"
AUDIT_PUBLICATION_TASK = "audit_publication"
PUBLISH_MARTS_TASK = "publish_marts"
REPORT_SUMMARY_TASK = "report_summary"


def ingest_dag_id(feed: str) -> str:
    """One ingest DAG per feed, in ``dags/ingest_<feed>_feed.py``."""
    return f"ingest_{feed}_feed"


def raw_asset_name(feed: str) -> str:
    """One asset per feed's raw schema: a load of any of its tables updates it."""
    return f"raw_{feed}"
