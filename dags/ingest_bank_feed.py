"""Policy-bank (VBSP) loan feed: the bank's daily CSV of loan events.

Owner: data engineering. Schedule: from the contract's cadence (daily, see
contracts/periods.py); a scheduled or backfilled run takes the period that ended at its
logical date, a manual run everything waiting. Every file in
`inbox/bank/` is fingerprinted, its loan events (disbursement, repayment, interest, write-off) loaded into
`raw_bank.loan_events` with COPY or quarantined with its reason, and archived.
A run that loaded something updates the `raw_bank` asset, which schedules
`build_warehouse`; quarantined files fail the run after the good files are in.

The Airflow DAG is built by `dags/_feed_ingest.py`, shared by every feed.
"""

from __future__ import annotations

from _feed_ingest import feed_ingest_dag

ingest_bank_feed = feed_ingest_dag(feed="bank", doc_md=__doc__)
