"""A publish (a swap of `marts`' views) gives way to readers rather than stalling or breaking them.

Publications made by hand here (two tables in a registered schema), so that the swap alone is
under test: a BI reader's transaction that reads one view and then another, while a publish
waits for the first, must neither wait for ever nor be cancelled as a deadlock; the publish
gets through once the reader is done, or, if readers never let go, fails having changed nothing.
"""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from psycopg import sql

from mtqg_warehouse.db import ddl
from mtqg_warehouse.publication import lifecycle
from tests.lock_waits import wait_until_waiting_for_a_lock

pytestmark = pytest.mark.integration


def _publication(url: str, rows: int) -> str:
    """A validated publication holding tables a and b of ``rows`` rows each."""
    with psycopg.connect(url, autocommit=True) as conn:
        ddl.ensure_ops_schema(conn)
        schema = lifecycle.start_publication(conn, "test")
        conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
        for table in ("a", "b"):
            conn.execute(
                sql.SQL("create table {} as select generate_series(1, %s) as n").format(
                    sql.Identifier(schema, table)
                ),
                [rows],
            )
        lifecycle.change_status(conn, schema, lifecycle.PublicationStatus.VALIDATED)
    return schema


def _publish_in_thread(url: str, schema: str) -> tuple[threading.Thread, list, int]:
    outcome: list = []
    conn = psycopg.connect(url, autocommit=True)

    def publish() -> None:
        try:
            outcome.append(lifecycle.publish(conn, schema))
        except BaseException as error:  # handed to the test thread
            outcome.append(error)
        finally:
            conn.close()

    thread = threading.Thread(target=publish)
    thread.start()
    return thread, outcome, conn.info.backend_pid


def _views_in_drop_order(url: str) -> list[str]:
    """`marts`' views in the order a swap drops them (lifecycle._drop_views reads them so)."""
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute("select viewname from pg_views where schemaname = 'marts'").fetchall()
    return [row[0] for row in rows]


def _count(conn: psycopg.Connection, view: str) -> int:
    row = conn.execute(sql.SQL("select count(*) from {}").format(sql.Identifier("marts", view))).fetchone()
    assert row is not None
    return int(row[0])


def test_a_reader_reading_one_view_then_another_is_neither_stalled_nor_cancelled(warehouse: str) -> None:
    first = _publication(warehouse, 3)
    with psycopg.connect(warehouse, autocommit=True) as conn:
        lifecycle.publish(conn, first)
    second = _publication(warehouse, 5)
    # the reader holds the view the swap drops last, so the swap holds the others as it waits
    first_dropped, *_, last_dropped = _views_in_drop_order(warehouse)
    with psycopg.connect(warehouse) as reader:  # one transaction, as a report reading two views
        _count(reader, last_dropped)
        thread, outcome, pid = _publish_in_thread(warehouse, second)
        wait_until_waiting_for_a_lock(warehouse, pid, "the publish")
        started = time.monotonic()
        _count(reader, first_dropped)  # a deadlock, but for the swap giving way
        assert time.monotonic() - started < 2.0, "the publish gave way instead of holding the reader"
        assert _count(reader, "b") == 3, "the reader's transaction still sees one publication"
        reader.commit()
    thread.join(timeout=60)
    assert outcome and not isinstance(outcome[0], BaseException), outcome
    with psycopg.connect(warehouse, autocommit=True) as conn:
        assert (_count(conn, "a"), _count(conn, "b")) == (5, 5)
        assert lifecycle.current_publication(conn) == second


def test_readers_that_never_let_go_fail_the_publish_having_changed_nothing(
    warehouse: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lifecycle, "SWAP_PATIENCE_S", 2.0)
    first = _publication(warehouse, 3)
    with psycopg.connect(warehouse, autocommit=True) as conn:
        lifecycle.publish(conn, first)
    second = _publication(warehouse, 5)
    with psycopg.connect(warehouse) as reader:
        assert _count(reader, "a") == 3
        thread, outcome, _ = _publish_in_thread(warehouse, second)
        with psycopg.connect(warehouse, autocommit=True) as newcomer:
            for _ in range(5):  # readers arriving meanwhile wait half a second at most
                started = time.monotonic()
                assert _count(newcomer, "b") == 3
                assert time.monotonic() - started < 1.5
                time.sleep(0.2)
        thread.join(timeout=60)
        reader.rollback()
    assert outcome and isinstance(outcome[0], lifecycle.ReadersHoldMarts), outcome
    assert "nothing was changed" in str(outcome[0])
    with psycopg.connect(warehouse, autocommit=True) as conn:
        assert lifecycle.current_publication(conn) == first
        assert lifecycle.status_of(conn, second) == lifecycle.PublicationStatus.VALIDATED
