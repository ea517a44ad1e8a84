"""A feed's batch: discover, fingerprint, load, reconcile, archive; one file at a time.

Each file is its own transaction, so a bad or killed file never touches the others; files
that cannot be read at all go to quarantine and fail the task only after the batch is done.
Files are hashed in the background while they load. A file whose name was loaded before
waits for its hash and, if its bytes are the same, is skipped unread; a renamed copy is
found when its hash arrives, and its load is rolled back and recorded as a duplicate.

One batch per feed at a time (a session advisory lock): a second run, from Airflow or the
CLI, waits and then finds what the first left. A file that changes while it loads (a
sender still writing, rewriting or truncating it) is rolled back and left in the inbox for
the next run, never archived as loaded; any other error a file raises, from the readers or
the server, quarantines that file and the batch goes on.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mtqg_warehouse.contracts.model import FeedContract, load_contract
from mtqg_warehouse.db import connection as db
from mtqg_warehouse.db import ddl
from mtqg_warehouse.ingest import files, messages
from mtqg_warehouse.ingest.audit import (
    already_loaded,
    loaded_under_this_name,
    record_duplicate,
    record_unloaded,
)
from mtqg_warehouse.ingest.errors import BatchHadQuarantines, FileChanged, FileRejected
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
    left_for_next_run: list[str] = field(default_factory=list)  # still being written

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
        # held until the connection closes: a second batch of the feed waits here
        conn.execute("select pg_advisory_lock(hashtext('mtqg_ingest'), hashtext(%s))", [feed])
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
    if delivery.still_arriving():
        _leave_for_next_run(delivery, report)
        return
    earlier = already_loaded(conn, delivery) if loaded_under_this_name(conn, delivery) else None
    if earlier is not None:
        _skip_duplicate(conn, delivery, run_id, earlier, report)
        return
    try:
        with conn.transaction():
            result = load_delivery(conn, contract, delivery, read_delivery(contract, delivery.path), run_id)
            if delivery.still_arriving():  # the rows and hash may describe a version now gone
                raise FileChanged(delivery.path, messages.STILL_BEING_WRITTEN)
    except AlreadyLoaded as duplicate:  # a renamed copy: found once its hash was known
        _skip_duplicate(conn, delivery, run_id, duplicate.load_id, report)
        return
    except Exception as err:  # noqa: BLE001 - one file's failure must never stop the batch
        if conn.closed or conn.broken:
            raise  # the server or the connection is gone: no file is to blame
        _set_aside(conn, delivery, run_id, err, report)
        return
    archived = files.archive(delivery)
    write_rejection_report(conn, result.load_id, archived, contract)
    report.loaded.append(asdict(result))


def _set_aside(
    conn: psycopg.Connection, delivery: Delivery, run_id: str | None, err: Exception, report: BatchReport
) -> None:
    """A file that changed is left where it is for the next run; one that cannot be loaded is
    quarantined with the reason (rows are read lazily, so a file can prove unreadable
    half-way: its transaction is already rolled back)."""
    if isinstance(err, FileChanged) or delivery.still_arriving():  # a cut-off last line, say
        _leave_for_next_run(delivery, report)
        return
    if isinstance(err, FileRejected):
        problem = err.problem
    else:
        log.exception("unexpected error loading %s", delivery.name)
        problem = messages.UNEXPECTED_ERROR.format(error=f"{type(err).__name__}: {err}"[:500])
    _quarantine(conn, delivery, run_id, problem)
    report.quarantined.append(f"{delivery.name}: {problem}")


def _leave_for_next_run(delivery: Delivery, report: BatchReport) -> None:
    log.warning("%s: %s", delivery.name, messages.STILL_BEING_WRITTEN)
    report.left_for_next_run.append(delivery.name)


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
