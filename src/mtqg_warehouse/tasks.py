"""The callables DAG tasks run, kept here so DAG files stay wiring and parse in milliseconds."""

from __future__ import annotations

import logging
from dataclasses import asdict

log = logging.getLogger(__name__)


def load_feed_inbox(feed: str, run_id: str) -> dict:
    """Load what waits in the feed's inbox; quarantines are reported, not raised, here."""
    from mtqg_warehouse.ingest.run import ingest_feed

    report = ingest_feed(feed, run_id=run_id, strict=False)
    return asdict(report) | {"rows_loaded": report.rows_loaded}


def fail_on_quarantine(report: dict) -> None:
    """Fail the run, after the good files loaded, naming every file that could not be taken."""
    from mtqg_warehouse.ingest.errors import BatchHadQuarantines

    bad = report["quarantined"] + report["refused"]
    if bad:
        raise BatchHadQuarantines(f"{report['feed']}: {len(bad)} file(s) not taken: " + "; ".join(bad))
