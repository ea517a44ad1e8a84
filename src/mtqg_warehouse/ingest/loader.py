"""Loading one delivery: one transaction, nothing lost, nothing doubled.

The file's audit row is opened first; each table the reader found then goes through the
read-check-COPY pipeline into ``raw_<feed>.<table>`` (pipeline.py), and its rejected rows
into ``ops.rejected_rows`` (rejections.py). The audit row is completed last (audit.py): its
CHECK refuses any load where rows read != rows loaded + rows rejected.
Lineage per row is the load id (a column default fed by a transaction-local setting) and
the row number; the file-level lineage is the audit row's (see raw_tables.py).
"""

from __future__ import annotations

import uuid
from datetime import date

import psycopg

from mtqg_warehouse.contracts.model import FeedContract
from mtqg_warehouse.contracts.periods import period_day
from mtqg_warehouse.ingest import audit, cross_file
from mtqg_warehouse.ingest.audit import LoadResult
from mtqg_warehouse.ingest.files import Delivery
from mtqg_warehouse.ingest.pipeline import copy_table
from mtqg_warehouse.ingest.rejections import write_rejections
from mtqg_warehouse.ingest.rows import ReadResult, RowCounts
from mtqg_warehouse.ingest.unit_validity import sender_problem


class AlreadyLoaded(Exception):
    """The file's bytes equal a loaded file's (found once its hash was known): undo the load."""

    def __init__(self, load_id: int) -> None:
        super().__init__(f"identical to load {load_id}")
        self.load_id = load_id


def load_delivery(
    conn: psycopg.Connection,
    contract: FeedContract,
    delivery: Delivery,
    results: list[ReadResult],
    run_id: str | None,
) -> LoadResult:
    """Write one delivery's tables in the caller's transaction; raises ``AlreadyLoaded`` (the
    caller rolls back) when the file turns out to be a copy of a loaded one."""
    load_id = audit.open_audit(conn, delivery, run_id, status="loaded", sha256=f"pending:{uuid.uuid4()}")
    counts = RowCounts()
    sender = sender_problem(delivery.ward_code, delivery.period)
    day = file_date(delivery.period)
    for result in results:
        _set_lineage(conn, load_id, result.table, result.sheet)
        table = contract.tables[result.table]
        outcome = copy_table(conn, contract.raw_schema, table, result, delivery.ward_code, sender, day)
        write_rejections(conn, outcome.rejected, load_id, delivery, result.sheet)
        repeated = cross_file.reject_repeats(conn, contract, table, delivery, load_id, result.sheet)
        counts += outcome.counts + RowCounts(loaded=-repeated, rejected=repeated)
    earlier = audit.already_loaded(conn, delivery)  # waits for the file's hash
    if earlier is not None:
        raise AlreadyLoaded(earlier)
    superseded = audit.supersede_earlier(conn, delivery, load_id)
    audit.close_load(conn, delivery, load_id, counts)
    return LoadResult(
        load_id, delivery.name, "loaded", counts.read, counts.loaded, counts.rejected, superseded
    )


def file_date(period: str | None) -> date | None:
    """The day a daily feed's file name gives (yyyymmdd); None for months and years."""
    return period_day(period)


def _set_lineage(conn: psycopg.Connection, load_id: int, table: str, sheet: str | None) -> None:
    """The load id every raw row defaults to (see raw_tables.py); the sheet goes in the audit,
    once per table, with the rest of the file-level lineage."""
    conn.execute("select set_config('mtqg.load_id', %s, true)", [str(load_id)])
    if sheet is not None:
        audit.record_sheet(conn, load_id, table, sheet)
