"""The callables DAG tasks run, kept here so DAG files stay wiring and parse in milliseconds."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict

log = logging.getLogger(__name__)


def load_feed_inbox(feed: str, run_id: str, logical_date: dt.datetime | None = None) -> dict:
    """Load what waits in the feed's inbox; quarantines are reported, not raised, here."""
    from mtqg_warehouse.contracts.model import load_contract
    from mtqg_warehouse.contracts.periods import period_for_run
    from mtqg_warehouse.ingest.run import ingest_feed

    period = period_for_run(load_contract(feed).cadence, logical_date)
    report = ingest_feed(feed, run_id=run_id, strict=False, period=period)
    return asdict(report) | {"rows_loaded": report.rows_loaded, "period": period}


def nothing_new(report: dict) -> bool:
    """Nothing newly loaded (no file, or only re-deliveries): no asset event, no needless build."""
    return not report["loaded"]


def fail_on_quarantine(report: dict) -> None:
    """Fail the run, after the good files loaded, naming every file that could not be taken."""
    from mtqg_warehouse.ingest.errors import BatchHadQuarantines

    bad = report["quarantined"] + report["refused"]
    if bad:
        raise BatchHadQuarantines(f"{report['feed']}: {len(bad)} file(s) not taken: " + "; ".join(bad))
