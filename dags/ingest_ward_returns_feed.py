"""Ward returns: each ward's or commune's .xlsx workbooks (poverty review, support, funds).

Owner: data engineering. Schedule: from the contract's cadence; the yearly review and the
monthly report arrive at different cadences, so every run, hourly, takes whatever has
arrived (see contracts/periods.py). Every file in
`inbox/ward_returns/` is fingerprinted, its sheets of each workbook loaded into
`raw_ward_returns.{poverty_review,support,funds}` with COPY or quarantined with its reason, and archived.
A run that loaded something updates the `raw_ward_returns` asset, which schedules
`build_warehouse`; quarantined files fail the run after the good files are in.

The Airflow DAG is built by `dags/_feed_ingest.py`, shared by every feed.
"""

from __future__ import annotations

from _feed_ingest import feed_ingest_dag

ingest_ward_returns_feed = feed_ingest_dag(feed="ward_returns", doc_md=__doc__)
