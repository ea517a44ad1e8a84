"""One table of a delivery from its reader into ``raw_<feed>.<table>``: read, check, COPY.

The three overlap, so checking costs little beyond the COPY itself: chunks are parsed and
given their order-free checks on a small pool, a bounded window ahead; a producer thread
takes them in file order for the checks that need it (see chunk_checks.py); and the
caller's thread COPYs each chunk's good rows while the next ones are being checked. The
producer hands every chunk's payload, rejected rows and counts over a bounded queue; the
COPY side gathers the rejections and counts and returns them as the table's outcome.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from functools import partial

import polars as pl
import psycopg
from psycopg import sql

from mtqg_warehouse.contracts.model import Table
from mtqg_warehouse.db import raw_tables
from mtqg_warehouse.ingest import passthrough
from mtqg_warehouse.ingest.chunk_checks import CheckedChunk, KeptChunk, check_chunk, keep_good_rows
from mtqg_warehouse.ingest.copy_stream import send
from mtqg_warehouse.ingest.duplicates import DuplicateTracker
from mtqg_warehouse.ingest.messages import Message
from mtqg_warehouse.ingest.rejections import no_rejections
from mtqg_warehouse.ingest.rows import ROW_NUMBER, Chunk, ReadResult, RowCounts

FIRST_DATA_ROW = 2  # a CSV's header is row 1
QUEUE_DEPTH = 2
WORKERS = 1


@dataclass(frozen=True)
class TableOutcome:
    counts: RowCounts
    rejected: pl.DataFrame  # rejections.REJECTED_ROW_SCHEMA


def copy_table(
    conn: psycopg.Connection,
    schema: str,
    table: Table,
    result: ReadResult,
    ward_code: str | None,
    rejects_every_row: Message | None = None,
    file_date: date | None = None,
) -> TableOutcome:
    """Check chunks on worker threads while this one COPYs the previous chunk's good rows."""
    target = _copy_statement(conn, schema, table, result.copy_shape)
    checked = CheckedChunks(result.chunks, table, result.copy_shape, ward_code, rejects_every_row, file_date)
    with conn.cursor() as cursor:
        with cursor.copy(target) as copy:
            for payload in checked:
                send(copy, payload)
        stored = cursor.rowcount
    outcome = checked.outcome()
    if stored != outcome.counts.loaded:  # the server's count, against what the checks passed
        raise RuntimeError(
            f"{table.name}: COPY stored {stored} rows where {outcome.counts.loaded} passed the checks"
        )
    return outcome


def _copy_statement(
    conn: psycopg.Connection, schema: str, table: Table, shape: passthrough.CopyShape | None
) -> sql.Composed:
    """COPY for rows written with their row numbers, or for lines as sent (which the table's
    row sequence numbers, counting from the file's first data row)."""
    if shape is None:
        columns = sql.SQL(", ").join(map(sql.Identifier, [*table.column_names, ROW_NUMBER]))
        statement = sql.SQL("copy {} ({}) from stdin (format csv)")
        return statement.format(sql.Identifier(schema, table.name), columns)
    raw_tables.number_rows_from(conn, schema, table.name, FIRST_DATA_ROW)
    return shape.statement(schema, table.name)


class CheckedChunks:
    """A table's chunks as COPY payloads, checked and in file order; once they have all been
    taken, ``outcome`` gives the rows rejected and the counts."""

    def __init__(
        self,
        chunks: Iterator[Callable[[], Chunk]],
        table: Table,
        shape: passthrough.CopyShape | None,
        ward_code: str | None,
        rejects_every_row: Message | None = None,
        file_date: date | None = None,
    ) -> None:
        self._chunks = chunks
        self._file_date = file_date
        self._table = table
        self._shape = shape
        self._ward_code = ward_code
        self._rejects_every_row = rejects_every_row
        self._counts = RowCounts()
        self._rejected: list[pl.DataFrame] = []
        self._done = False

    def __iter__(self) -> Iterator[list[bytes | memoryview]]:
        handoff: queue.Queue[KeptChunk | BaseException | None] = queue.Queue(maxsize=QUEUE_DEPTH)
        worker = threading.Thread(target=self._produce, args=(handoff,), name="check-chunks", daemon=True)
        worker.start()
        while (item := handoff.get()) is not None:
            if isinstance(item, BaseException):
                worker.join()
                raise item
            self._counts += item.counts
            self._rejected.append(item.rejected)
            yield item.payload
        worker.join()
        self._done = True

    def outcome(self) -> TableOutcome:
        if not self._done:
            raise RuntimeError("the outcome is known only once every chunk has been taken")
        rejected = pl.concat(self._rejected) if self._rejected else no_rejections()
        return TableOutcome(self._counts, rejected)

    def _produce(self, handoff: queue.Queue[KeptChunk | BaseException | None]) -> None:
        """On the producer thread: chunks checked in file order, handed over one by one."""
        tracker = DuplicateTracker(self._table)
        check = partial(
            check_chunk,
            table=self._table,
            ward_code=self._ward_code,
            rejects_every_row=self._rejects_every_row,
            file_date=self._file_date,
        )
        try:
            for checked in _in_order(self._chunks, check):
                handoff.put(keep_good_rows(checked, self._table, self._shape, tracker))
            handoff.put(None)
        except BaseException as err:  # noqa: BLE001 - handed to the COPY thread, which re-raises it
            handoff.put(err)


def _in_order(
    thunks: Iterator[Callable[[], Chunk]], check: Callable[[Chunk], CheckedChunk]
) -> Iterator[CheckedChunk]:
    """Parse and check chunks on a small pool, a bounded window ahead, results in file order."""
    with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="parse-chunk") as pool:
        pending: deque[Future[CheckedChunk]] = deque()
        for thunk in thunks:
            pending.append(pool.submit(_check_one, check, thunk))
            if len(pending) > WORKERS:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _check_one(check: Callable[[Chunk], CheckedChunk], thunk: Callable[[], Chunk]) -> CheckedChunk:
    return check(thunk())
