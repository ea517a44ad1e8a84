"""Loading one delivery: one transaction, nothing lost, nothing doubled.

The reader's frame is checked in Polars, good rows go to ``raw_<feed>.<table>`` and bad ones
to ``ops.rejected_rows`` with COPY, and the audit row is written last; its CHECK refuses any
load where rows read != rows loaded + rows rejected. A file already loaded (same sha256) is
recorded as a duplicate and skipped; a later return for the same feed, ward and period
supersedes the earlier one without deleting it.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

import polars as pl
import psycopg
from psycopg import sql

from mtqg_warehouse.contracts import FeedContract, Table
from mtqg_warehouse.ingest.checks import REJECTION_SCHEMA, find_rejections
from mtqg_warehouse.ingest.files import Delivery
from mtqg_warehouse.ingest.rows import ROW_NUMBER, ReadResult
from mtqg_warehouse.ingest.text_fields import clean_text

log = logging.getLogger(__name__)

COPY_BLOCK = 1 << 20
REJECTED_COLUMNS = ["load_id", "feed", "source_file", "sheet", *REJECTION_SCHEMA]


@dataclass(frozen=True)
class LoadResult:
    load_id: int
    source_file: str
    status: str  # loaded | duplicate
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    superseded: tuple[int, ...] = ()


def already_loaded(conn: psycopg.Connection, delivery: Delivery) -> int | None:
    row = conn.execute(
        "select load_id from ops.load_audit where feed = %s and sha256 = %s and status = 'loaded'",
        [delivery.feed, delivery.sha256],
    ).fetchone()
    return row[0] if row else None


def record_duplicate(conn: psycopg.Connection, delivery: Delivery, run_id: str | None, of: int) -> LoadResult:
    load_id = open_audit(conn, delivery, run_id, status="duplicate")
    conn.execute(
        "update ops.load_audit set message = %s, finished_at = now() where load_id = %s",
        [f"identical to load {of}: skipped", load_id],
    )
    return LoadResult(load_id, delivery.name, "duplicate", 0, 0, 0)


def open_audit(conn: psycopg.Connection, delivery: Delivery, run_id: str | None, status: str) -> int:
    return conn.execute(
        """insert into ops.load_audit (feed, source_file, sha256, period, ward_code, status, run_id)
           values (%s, %s, %s, %s, %s, %s, %s) returning load_id""",
        [delivery.feed, delivery.name, delivery.sha256, delivery.period, delivery.ward_code, status, run_id],
    ).fetchone()[0]


def load_delivery(
    conn: psycopg.Connection,
    contract: FeedContract,
    delivery: Delivery,
    results: list[ReadResult],
    run_id: str | None,
) -> LoadResult:
    """Write one delivery's tables in the caller's transaction."""
    load_id = open_audit(conn, delivery, run_id, status="loaded")
    read = loaded = rejected = 0
    for result in results:
        table = contract.tables[result.table]
        good, bad = _split(result, table)
        _copy_frame(
            conn,
            sql.Identifier(contract.raw_schema, table.name),
            _with_lineage(good, table, load_id, delivery, result.sheet, run_id),
        )
        _copy_frame(
            conn, sql.Identifier("ops", "rejected_rows"), _rejections(bad, load_id, delivery, result.sheet)
        )
        read += result.rows_read
        loaded += good.height
        rejected += bad.get_column("row_number").n_unique()
    superseded = _supersede_earlier(conn, delivery, load_id)
    conn.execute(
        """update ops.load_audit
           set rows_read = %s, rows_loaded = %s, rows_rejected = %s, finished_at = now()
           where load_id = %s""",
        [read, loaded, rejected, load_id],
    )
    return LoadResult(load_id, delivery.name, "loaded", read, loaded, rejected, superseded)


def _split(result: ReadResult, table: Table) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Clean text, run the checks, and separate the rows that pass from those that do not."""
    text_columns = [c.name for c in table.columns if c.type in ("text", "code_vi")]
    frame, text_problems = clean_text(result.frame, text_columns)
    problems = [*result.problems, *text_problems]
    earlier = pl.DataFrame(
        [
            (p.row_number, p.field, p.reason, None, p.fix_hint, p.value_as_sent, p.original_text)
            for p in problems
        ],
        schema=REJECTION_SCHEMA,
        orient="row",
    )
    bad = pl.concat([earlier, find_rejections(frame, table)])
    good = frame.join(bad.select(pl.col("row_number").alias(ROW_NUMBER)).unique(), on=ROW_NUMBER, how="anti")
    return good, bad


def _with_lineage(
    good: pl.DataFrame, table: Table, load_id: int, delivery: Delivery, sheet: str | None, run_id: str | None
) -> pl.DataFrame:
    return good.select(
        *table.column_names,
        pl.lit(load_id).alias("_load_id"),
        pl.lit(delivery.name).alias("_source_file"),
        pl.lit(delivery.sha256).alias("_sha256"),
        pl.lit(sheet, pl.String).alias("_sheet"),
        pl.col(ROW_NUMBER).alias("_row_number"),
        pl.lit(run_id, pl.String).alias("_run_id"),
    )


def _rejections(bad: pl.DataFrame, load_id: int, delivery: Delivery, sheet: str | None) -> pl.DataFrame:
    return bad.select(
        pl.lit(load_id).alias("load_id"),
        pl.lit(delivery.feed).alias("feed"),
        pl.lit(delivery.name).alias("source_file"),
        pl.lit(sheet, pl.String).alias("sheet"),
        *REJECTION_SCHEMA,
    )


def _copy_frame(conn: psycopg.Connection, target: sql.Identifier, frame: pl.DataFrame) -> None:
    """COPY a frame as CSV: nulls unquoted-empty, empty strings quoted, so COPY keeps them apart."""
    if frame.height == 0:
        return
    columns = sql.SQL(", ").join(sql.Identifier(c) for c in frame.columns)
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_header=False, null_value="")
    payload = buffer.getbuffer()
    with conn.cursor().copy(sql.SQL("copy {} ({}) from stdin (format csv)").format(target, columns)) as copy:
        for start in range(0, len(payload), COPY_BLOCK):
            copy.write(payload[start : start + COPY_BLOCK])


def _supersede_earlier(conn: psycopg.Connection, delivery: Delivery, load_id: int) -> tuple[int, ...]:
    """A later return for the same feed, ward and period replaces the earlier one in staging."""
    if delivery.period is None:
        return ()
    rows = conn.execute(
        """update ops.load_audit set superseded_by = %s
           where feed = %s and period = %s and ward_code is not distinct from %s
             and status = 'loaded' and load_id <> %s and superseded_by is null
           returning load_id""",
        [load_id, delivery.feed, delivery.period, delivery.ward_code, load_id],
    ).fetchall()
    return tuple(row[0] for row in rows)
