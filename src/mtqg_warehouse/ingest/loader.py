"""Loading one delivery: one transaction, nothing lost, nothing doubled.

Each chunk the reader yields is cleaned and checked in Polars on a worker thread while the
previous chunk streams into ``raw_<feed>.<table>`` with COPY, so checking costs little
beyond the COPY itself. A CSV chunk goes to COPY as the bytes that were sent, with its
rejected lines blanked out and its cleaned rows re-written (see passthrough.py); a
workbook's rows are written as CSV with their row numbers. Rejected rows go to
``ops.rejected_rows``, and the audit row is written last: its CHECK refuses any load where
rows read != rows loaded + rows rejected.
Lineage per row is the load id (a column default fed by a transaction-local setting) and
the row number; the file-level lineage is the audit row's (see raw_tables.py).
"""

from __future__ import annotations

import io
import logging
import queue
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial

import numpy as np
import polars as pl
import psycopg
from psycopg import sql

from mtqg_warehouse.contracts.model import FeedContract, Table
from mtqg_warehouse.db import raw_tables
from mtqg_warehouse.ingest import passthrough
from mtqg_warehouse.ingest.checks import REJECTION_SCHEMA, find_rejections
from mtqg_warehouse.ingest.duplicates import DuplicateTracker
from mtqg_warehouse.ingest.files import Delivery
from mtqg_warehouse.ingest.rows import CLEANED, ROW_NUMBER, Chunk, ReadResult
from mtqg_warehouse.ingest.text_fields import clean_text
from mtqg_warehouse.ingest.unit_names import resolve_unit_names

log = logging.getLogger(__name__)

COPY_BLOCK = 1 << 20
SMALL_PART = 1 << 16
FIRST_DATA_ROW = 2  # a CSV's header is row 1
QUEUE_DEPTH = 2
WORKERS = 1


@dataclass(frozen=True)
class LoadResult:
    load_id: int
    source_file: str
    status: str  # loaded | duplicate
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    superseded: tuple[int, ...] = ()


@dataclass
class _Tally:
    read: int = 0
    loaded: int = 0
    rejected: int = 0


class AlreadyLoaded(Exception):
    """The file's bytes equal a loaded file's (found once its hash was known): undo the load."""

    def __init__(self, load_id: int) -> None:
        super().__init__(f"identical to load {load_id}")
        self.load_id = load_id


def already_loaded(conn: psycopg.Connection, delivery: Delivery) -> int | None:
    row = conn.execute(
        "select load_id from ops.load_audit where feed = %s and sha256 = %s and status = 'loaded'",
        [delivery.feed, delivery.sha256],
    ).fetchone()
    return row[0] if row else None


def loaded_under_this_name(conn: psycopg.Connection, delivery: Delivery) -> bool:
    """Whether a file of this name was loaded before: then it is most likely a re-delivery,
    worth waiting for its hash to skip it unread."""
    row = conn.execute(
        "select 1 from ops.load_audit where feed = %s and source_file = %s and status = 'loaded' limit 1",
        [delivery.feed, delivery.name],
    ).fetchone()
    return row is not None


def record_duplicate(conn: psycopg.Connection, delivery: Delivery, run_id: str | None, of: int) -> LoadResult:
    load_id = record_unloaded(conn, delivery, run_id, "duplicate", f"identical to load {of}: skipped")
    return LoadResult(load_id, delivery.name, "duplicate", 0, 0, 0)


def record_unloaded(
    conn: psycopg.Connection, delivery: Delivery, run_id: str | None, status: str, message: str
) -> int:
    """The audit row of a file that loads nothing (a duplicate, a quarantined file), with why."""
    load_id = open_audit(conn, delivery, run_id, status=status)
    conn.execute(
        "update ops.load_audit set message = %s, finished_at = now() where load_id = %s",
        [message, load_id],
    )
    return load_id


def open_audit(
    conn: psycopg.Connection, delivery: Delivery, run_id: str | None, status: str, sha256: str | None = None
) -> int:
    """The file's audit row; a load passes a placeholder ``sha256`` and sets the real one when
    the background hashing has finished (see ``load_delivery``)."""
    return conn.execute(
        """insert into ops.load_audit
               (feed, source_file, sha256, period, ward_code, version, status, run_id)
           values (%s, %s, %s, %s, %s, %s, %s, %s) returning load_id""",
        [
            delivery.feed,
            delivery.name,
            sha256 or delivery.sha256,
            delivery.period,
            delivery.ward_code,
            delivery.version,
            status,
            run_id,
        ],
    ).fetchone()[0]


def load_delivery(
    conn: psycopg.Connection,
    contract: FeedContract,
    delivery: Delivery,
    results: list[ReadResult],
    run_id: str | None,
) -> LoadResult:
    """Write one delivery's tables in the caller's transaction; raises ``AlreadyLoaded`` (the
    caller rolls back) when the file turns out to be a copy of a loaded one."""
    load_id = open_audit(conn, delivery, run_id, status="loaded", sha256=f"pending:{uuid.uuid4()}")
    tally = _Tally()
    for result in results:
        _set_lineage(conn, load_id, result.table, result.sheet)
        table = contract.tables[result.table]
        rejections = _copy_good_rows(conn, contract, table, result, delivery.ward_code, tally)
        _copy_frame(
            conn,
            sql.Identifier("ops", "rejected_rows"),
            _rejection_rows(rejections, load_id, delivery, result.sheet),
        )
    earlier = already_loaded(conn, delivery)
    if earlier is not None:
        raise AlreadyLoaded(earlier)
    superseded = _supersede_earlier(conn, delivery, load_id)
    conn.execute(
        """update ops.load_audit
           set sha256 = %s, rows_read = %s, rows_loaded = %s, rows_rejected = %s, finished_at = now()
           where load_id = %s""",
        [delivery.sha256, tally.read, tally.loaded, tally.rejected, load_id],
    )
    return LoadResult(load_id, delivery.name, "loaded", tally.read, tally.loaded, tally.rejected, superseded)


def _set_lineage(conn: psycopg.Connection, load_id: int, table: str, sheet: str | None) -> None:
    """The load id every raw row defaults to (see raw_tables.py); the sheet goes in the audit,
    once per table, with the rest of the file-level lineage."""
    conn.execute("select set_config('mtqg.load_id', %s, true)", [str(load_id)])
    if sheet is not None:
        conn.execute(
            "update ops.load_audit set sheets = sheets || jsonb_build_object(%s::text, %s::text) "
            "where load_id = %s",
            [table, sheet, load_id],
        )


def _copy_good_rows(
    conn: psycopg.Connection,
    contract: FeedContract,
    table: Table,
    result: ReadResult,
    ward_code: str | None,
    tally: _Tally,
) -> pl.DataFrame:
    """Check chunks on a worker thread while this one COPYs the previous chunk's good rows."""
    shape = result.copy_shape
    if shape is None:
        columns = sql.SQL(", ").join(map(sql.Identifier, [*table.column_names, ROW_NUMBER]))
        target = sql.SQL("copy {} ({}) from stdin (format csv)").format(
            sql.Identifier(contract.raw_schema, table.name), columns
        )
    else:
        raw_tables.number_rows_from(conn, contract.raw_schema, table.name, FIRST_DATA_ROW)
        target = shape.statement(contract.raw_schema, table.name)
    rejections: list[pl.DataFrame] = []
    expected = tally.loaded
    with conn.cursor() as cursor:
        with cursor.copy(target) as copy:
            for payload in _checked_payloads(result.chunks, table, shape, ward_code, rejections, tally):
                _send(copy, payload)
        stored = cursor.rowcount
    if stored != tally.loaded - expected:  # the server's count, against what the checks passed
        raise RuntimeError(
            f"{table.name}: COPY stored {stored} rows where {tally.loaded - expected} passed the checks"
        )
    return (
        pl.concat(rejections)
        if rejections
        else pl.DataFrame(schema={**REJECTION_SCHEMA, "original_text": pl.String})
    )


def _checked_payloads(
    chunks: Iterator[Callable[[], Chunk]],
    table: Table,
    shape: passthrough.CopyShape | None,
    ward_code: str | None,
    rejections: list[pl.DataFrame],
    tally: _Tally,
) -> Iterator[list[bytes | memoryview]]:
    """Each chunk's good rows as CSV bytes, in file order, prepared ahead on worker threads."""
    handoff: queue.Queue = queue.Queue(maxsize=QUEUE_DEPTH)
    tracker = DuplicateTracker(table)

    def produce() -> None:
        try:
            for checked in _in_order(chunks, partial(_check_chunk, table=table, ward_code=ward_code)):
                handoff.put(_keep_good_rows(checked, table, shape, tracker, rejections, tally))
            handoff.put(None)
        except BaseException as err:  # noqa: BLE001 - handed to the COPY thread, which re-raises it
            handoff.put(err)

    worker = threading.Thread(target=produce, name="check-chunks", daemon=True)
    worker.start()
    while (item := handoff.get()) is not None:
        if isinstance(item, BaseException):
            worker.join()
            raise item
        yield item
    worker.join()


@dataclass
class _Checked:
    chunk: Chunk
    frame: pl.DataFrame
    bad: pl.DataFrame


def _in_order(
    thunks: Iterator[Callable[[], Chunk]], check: Callable[[Chunk], _Checked]
) -> Iterator[_Checked]:
    """Parse and check chunks on a small pool, a bounded window ahead, results in file order."""
    with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="parse-chunk") as pool:
        pending: deque[Future] = deque()
        for thunk in thunks:
            pending.append(pool.submit(lambda t=thunk: check(t())))
            if len(pending) > WORKERS:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _check_chunk(chunk: Chunk, table: Table, ward_code: str | None) -> _Checked:
    """Order-free work: text repair, unit names to codes, and the per-row checks (repeats
    need file order, so they come later)."""
    text_columns = [c.name for c in table.columns if c.type in ("text", "code_vi")]
    delivered = chunk.frame
    frame, text_problems = clean_text(delivered, text_columns)
    frame = resolve_unit_names(frame, table, ward_code)
    if frame is not delivered:  # only text and unit columns can have changed
        cleanable = [
            *text_columns,
            *(c.name for c in table.columns if c.type in ("unit_code", "hamlet_code")),
        ]
        touched = [name for name in cleanable if not frame[name].equals(delivered[name])]
        changed = pl.any_horizontal(pl.col(name).ne_missing(delivered[name]) for name in touched)
        frame = frame.with_columns(pl.col(CLEANED) | changed)
    problems = [*chunk.problems, *text_problems]
    earlier = pl.DataFrame(
        [(p.row_number, p.field, p.reason, p.reason_vi, p.fix_hint, p.value_as_sent) for p in problems],
        schema=REJECTION_SCHEMA,
        orient="row",
    )
    return _Checked(chunk, frame, pl.concat([earlier, find_rejections(frame, table)]))


def _keep_good_rows(
    checked: _Checked,
    table: Table,
    shape: passthrough.CopyShape | None,
    tracker: DuplicateTracker,
    rejections: list[pl.DataFrame],
    tally: _Tally,
) -> list[bytes | memoryview]:
    """In file order: repeated keys, then the chunk for COPY, and the bad rows kept aside."""
    bad = pl.concat([checked.bad, tracker.repeats(checked.frame)])
    bad_rows = bad.get_column("row_number").unique()
    rows = bad_rows.to_list()
    originals = pl.DataFrame(
        {"row_number": rows, "original_text": checked.chunk.originals(rows)},
        schema={"row_number": pl.Int64, "original_text": pl.String},
    )
    rejections.append(bad.join(originals, on="row_number", how="left"))
    tally.read += checked.chunk.rows_read
    is_good = ~pl.col(ROW_NUMBER).is_in(bad_rows.implode())
    tally.loaded += int(checked.frame.select(is_good.sum()).item())
    tally.rejected += len(bad_rows)
    source = checked.chunk.source
    if shape is None or source is None:
        return [_csv_bytes(checked.frame.filter(is_good).select(*table.column_names, ROW_NUMBER))]
    to_rewrite = (
        pl.col(CLEANED) | pl.col(ROW_NUMBER).is_in(source.rewrite.tolist())
        if shape.verbatim
        else pl.lit(True)
    )
    rewritten = checked.frame.filter(to_rewrite & is_good)
    return passthrough.payload(source, shape, _not_kept(source, checked.frame, rows), rewritten, ROW_NUMBER)


def _not_kept(source: passthrough.SourceLines, frame: pl.DataFrame, rejected: list[int]) -> np.ndarray:
    """Row numbers of the chunk's lines that must not load: rejected, malformed or blank."""
    kept = np.zeros(len(source.ends), dtype=bool)
    kept[frame.get_column(ROW_NUMBER).to_numpy() - source.first_row] = True
    kept[np.asarray(rejected, dtype=np.int64) - source.first_row] = False
    return np.flatnonzero(~kept) + source.first_row


def _csv_bytes(frame: pl.DataFrame) -> memoryview:
    """CSV for COPY: nulls unquoted-empty, empty strings quoted, so COPY keeps them apart."""
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_header=False, null_value="")
    return buffer.getbuffer()


def _rejection_rows(bad: pl.DataFrame, load_id: int, delivery: Delivery, sheet: str | None) -> pl.DataFrame:
    return bad.select(
        pl.lit(load_id).alias("load_id"),
        pl.lit(delivery.feed).alias("feed"),
        pl.lit(delivery.name).alias("source_file"),
        pl.lit(sheet, pl.String).alias("sheet"),
        *REJECTION_SCHEMA,
        "original_text",
    )


def _copy_frame(conn: psycopg.Connection, target: sql.Identifier, frame: pl.DataFrame) -> None:
    if frame.height == 0:
        return
    statement = sql.SQL("copy {} ({}) from stdin (format csv)").format(
        target, sql.SQL(", ").join(sql.Identifier(c) for c in frame.columns)
    )
    with conn.cursor().copy(statement) as copy:
        _send(copy, [_csv_bytes(frame)])


def _send(copy: psycopg.Copy, parts: list[bytes | memoryview]) -> None:
    """Big parts in blocks as they are; small ones (markers, re-written lines) gathered first,
    so each COPY message carries a useful amount."""
    gathered = bytearray()
    for part in parts:
        if len(part) < SMALL_PART:
            gathered += part
            if len(gathered) >= SMALL_PART:
                copy.write(gathered)
                gathered = bytearray()
            continue
        if gathered:
            copy.write(gathered)
            gathered = bytearray()
        for start in range(0, len(part), COPY_BLOCK):
            copy.write(part[start : start + COPY_BLOCK])
    if gathered:
        copy.write(gathered)


def _supersede_earlier(conn: psycopg.Connection, delivery: Delivery, load_id: int) -> tuple[int, ...]:
    """The highest version of a feed, ward and period is current, whatever order they arrive in.

    Earlier loads of the same or a lower version are superseded by this one; if a higher
    version is already loaded (a late re-send of version 1), this load is the superseded one.
    """
    if delivery.period is None:
        return ()
    same_return = """feed = %(feed)s and period = %(period)s and ward_code is not distinct from %(ward)s
                     and status = 'loaded' and superseded_by is null and load_id <> %(load)s"""
    params = {
        "feed": delivery.feed,
        "period": delivery.period,
        "ward": delivery.ward_code,
        "load": load_id,
        "version": delivery.version,
    }
    newer = conn.execute(
        f"select load_id from ops.load_audit where {same_return} and version > %(version)s "
        "order by version desc, load_id desc limit 1",
        params,
    ).fetchone()
    if newer:
        conn.execute("update ops.load_audit set superseded_by = %s where load_id = %s", [newer[0], load_id])
        return ()
    rows = conn.execute(
        f"update ops.load_audit set superseded_by = %(load)s where {same_return} "
        "and version <= %(version)s returning load_id",
        params,
    ).fetchall()
    return tuple(row[0] for row in rows)
