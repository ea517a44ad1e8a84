"""The cross-file key lookup costs this file's rows, not the feed's history, whatever the
planner believes: stale statistics of ops.load_audit and BRIN ranges no vacuum summarized
made each daily bank file read every earlier file's rows (13.9 s a file at 300 files)."""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path

import psycopg
import pytest

from mtqg_warehouse.contracts.model import load_contract
from mtqg_warehouse.db import ddl
from mtqg_warehouse.ingest.cross_file import reject_repeats
from mtqg_warehouse.ingest.files import Delivery

pytestmark = [pytest.mark.integration]

EARLIER_LOADS, ROWS_PER_LOAD = 150, 300
NEW_LOAD = EARLIER_LOADS + 1

REGISTER_LOAD = """
insert into ops.load_audit
    (load_id, feed, source_file, sha256, period, status, rows_read, rows_loaded)
values (%(load)s, 'bank', %(file)s, %(file)s, %(period)s, 'loaded', %(rows)s, %(rows)s)
"""
ADD_ROWS = """
insert into raw_bank.loan_events (transaction_id, _load_id, _row_number)
select %(prefix)s || n, %(load)s, n from generate_series(1, %(rows)s) as n
"""
HEAP_PAGES_READ = """
select heap_blks_read + heap_blks_hit from pg_statio_user_tables
where schemaname = 'raw_bank' and relname = 'loan_events'
"""


def _heap_pages_read(conn: psycopg.Connection) -> int:
    """The raw table's heap pages read so far, this session's included: a backend reports its
    counters when it is idle outside a transaction, and sooner only when asked to."""
    conn.commit()
    conn.execute("select pg_stat_force_next_flush()")
    conn.commit()
    (pages,) = conn.execute(HEAP_PAGES_READ).fetchone()
    conn.commit()
    return int(pages)


def _daily_file(load: int) -> dict[str, object]:
    return {"load": load, "file": f"NHCS_{load:04d}.csv", "period": f"2024{load:04d}", "rows": ROWS_PER_LOAD}


def test_a_daily_file_reads_its_own_rows_not_every_earlier_files(warehouse: str) -> None:
    contract = load_contract("bank")
    (table,) = (table for table in contract.tables.values() if table.natural_key_across_files)
    with psycopg.connect(warehouse) as conn:
        ddl.ensure_ops_schema(conn)
        ddl.ensure_raw_tables(conn, contract)
        conn.execute(REGISTER_LOAD, _daily_file(1))
        conn.execute(ADD_ROWS, {"prefix": "T1-", "load": 1, "rows": ROWS_PER_LOAD})
        conn.commit()
        # the planner's view of a young feed: one bank load, and the raw table then analyzed
        conn.execute("analyze ops.load_audit")
        conn.execute("analyze raw_bank.loan_events")
        for load in range(2, EARLIER_LOADS + 1):
            conn.execute(REGISTER_LOAD, _daily_file(load))
            conn.execute(ADD_ROWS, {"prefix": f"T{load}-", "load": load, "rows": ROWS_PER_LOAD})
        conn.commit()

        # today's file: new transactions, and one that the 7th file already brought
        conn.execute(REGISTER_LOAD, _daily_file(NEW_LOAD))
        conn.execute(ADD_ROWS, {"prefix": f"T{NEW_LOAD}-", "load": NEW_LOAD, "rows": ROWS_PER_LOAD})
        conn.execute(
            "update raw_bank.loan_events set transaction_id = 'T7-42'"
            " where _load_id = %s and _row_number = 1",
            [NEW_LOAD],
        )
        (table_pages,) = conn.execute("select pg_relation_size('raw_bank.loan_events') / 8192").fetchone()
        pages_before = _heap_pages_read(conn)

        delivery = Delivery(
            feed="bank",
            path=Path(str(_daily_file(NEW_LOAD)["file"])),
            fingerprint=Future(),
            period=str(_daily_file(NEW_LOAD)["period"]),
            ward_code=None,
            size=0,
        )
        repeated = reject_repeats(conn, contract, table, delivery, NEW_LOAD, None)
        pages_after = _heap_pages_read(conn)
        rejected = conn.execute(
            "select row_number, reason from ops.rejected_rows where load_id = %s", [NEW_LOAD]
        ).fetchall()

    assert repeated == 1
    assert [(row, "NHCS_0007.csv" in reason) for row, reason in rejected] == [(1, True)]
    # a few passes at most (ANALYZE of the stale table, summarizing its new BRIN ranges, then
    # its own rows with one key probe each), where the lookup used to read the whole table
    # once per earlier load: 150 passes here
    pages_read = pages_after - pages_before
    assert pages_read < 5 * table_pages, f"read {pages_read} heap pages of a {table_pages}-page table"
