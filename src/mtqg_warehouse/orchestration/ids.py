"""Names of the Airflow Assets that connect ingestion to the warehouse build.

Plain strings: the package never imports Airflow; the DAG files wrap them in ``Asset``.
"""

from __future__ import annotations

FEEDS = ("ward_returns", "bank", "insurance")


def raw_asset_name(feed: str) -> str:
    """One asset per feed's raw schema: a load of any of its tables updates it."""
    return f"raw_{feed}"
