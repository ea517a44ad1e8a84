"""A feed's batch: discover, fingerprint, load, reconcile, archive; one file at a time.

Each file is its own transaction, so a bad or killed file never touches the others; files
that cannot be read at all go to quarantine and fail the task only after the batch is done.
Files are hashed in the background while they load. A file whose name was loaded before
waits for its hash and, if its bytes are the same, is skipped unread; a renamed copy is
found when its hash arrives, and its load is rolled back and recorded as a duplicate.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mtqg_warehouse.contracts.model import FeedContract, load_contract
from mtqg_warehouse.db import connection as db
from mtqg_warehouse.db import ddl
from mtqg_warehouse.ingest import files
from mtqg_warehouse.ingest.audit import (
    already_loaded,
    loaded_under_this_name,
    record_duplicate,
    record_unloaded,
)
from mtqg_warehouse.ingest.errors import BatchHadQuarantines, FileRejected
from mtqg_warehouse.ingest.loader import AlreadyLoaded, load_delivery
from mtqg_warehouse.ingest.report import restore_missing_reports, write_rejection_report
from mtqg_warehouse.ingest.rows import ReadResult

if TYPE_CHECKING:
    import psycopg

    from mtqg_warehouse.ingest.files import Delivery

log = logging.getLogger(__name__)


@dataclass
class BatchReport:
    feed: str
    loaded: list[dict] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    quarantined: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    @property
    def rows_loaded(self) -> int:
        return sum(item["rows_loaded"] for item in self.loaded)


def read_delivery(contract: FeedContract, path: Path) -> list[ReadResult]:
    """Every table of one delivery, read and checked as a whole file first."""
    if contract.format == "csv":
        from mtqg_warehouse.ingest.csv_reader import read_csv

        (table,) = contract.tables.values()
        return [read_csv(path, table, contract.delimiter)]
    from mtqg_warehouse.ingest.xlsx_reader import read_xlsx

    return read_xlsx(path, contract)


def ingest_feed(
    feed: str,
    run_id: str | None = None,
    inbox: Path | None = None,
    strict: bool = True,
    period: str | None = None,
) -> BatchReport:
    """Load what waits in the feed's inbox (only ``period``'s files when given, for backfills);
    raise at the end if any file was quarantined and ``strict``."""
    contract = load_contract(feed)
    report = BatchReport(feed)
    with db.connect() as conn:
        ddl.ensure_ops_schema(conn)
        ddl.ensure_raw_tables(conn, contract)
        restore_missing_reports(conn, contract)  # of loads whose run died before writing them
        deliveries, report.refused = files.discover(contract, inbox, period)
        for delivery in deliveries:
            _ingest_one(conn, contract, delivery, run_id, report)
    log.info("%s batch: %s", feed, asdict(report))
    if strict and (report.quarantined or report.refused):
        raise BatchHadQuarantines(
            f"{feed}: {len(report.quarantined)} file(s) quarantined, {len(report.refused)} refused: "
            + "; ".join(report.quarantined + report.refused)
        )
    return report


def _ingest_one(
    conn: psycopg.Connection,
    contract: FeedContract,
    delivery: Delivery,
    run_id: str | None,
    report: BatchReport,
) -> None:
    earlier = already_loaded(conn, delivery) if loaded_under_this_name(conn, delivery) else None
    if earlier is not None:
        _skip_duplicate(conn, delivery, run_id, earlier, report)
        return
    try:
        with conn.transaction():
            result = load_delivery(conn, contract, delivery, read_delivery(contract, delivery.path), run_id)
    except AlreadyLoaded as duplicate:  # a renamed copy: found once its hash was known
        _skip_duplicate(conn, delivery, run_id, duplicate.load_id, report)
        return
    except FileRejected as err:
        # rows are read lazily, so a file can prove unreadable half-way: the transaction is gone
        _quarantine(conn, delivery, run_id, err.problem)
        report.quarantined.append(str(err))
        return
    archived = files.archive(delivery)
    write_rejection_report(conn, result.load_id, archived, contract)
    report.loaded.append(asdict(result))


def _skip_duplicate(
    conn: psycopg.Connection, delivery: Delivery, run_id: str | None, earlier: int, report: BatchReport
) -> None:
    with conn.transaction():
        record_duplicate(conn, delivery, run_id, earlier)
    files.archive(delivery)
    report.duplicates.append(delivery.name)


def _quarantine(conn: psycopg.Connection, delivery: Delivery, run_id: str | None, problem: str) -> None:
    log.error("quarantined %s: %s", delivery.name, problem)
    with conn.transaction():
        record_unloaded(conn, delivery, run_id, "quarantined", problem)
    files.quarantine(delivery, problem)
