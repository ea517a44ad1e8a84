"""Health-insurance (BHYT) card feed: the social insurance agency's monthly CSV.

Owner: data engineering. Schedule: from the contract's cadence (monthly, see
contracts/periods.py); a scheduled or backfilled run takes the period that ended at its
logical date, a manual run everything waiting. Every file in
`inbox/insurance/` is fingerprinted, its cards issued or renewed loaded into
`raw_insurance.cards` with COPY or quarantined with its reason, and archived.
A run that loaded something updates the `raw_insurance` asset, which schedules
`build_warehouse`; quarantined files fail the run after the good files are in.

The Airflow DAG is built by `dags/_feed_ingest.py`, shared by every feed.
"""

from __future__ import annotations

from _feed_ingest import feed_ingest_dag

ingest_insurance_feed = feed_ingest_dag(feed="insurance", doc_md=__doc__)
