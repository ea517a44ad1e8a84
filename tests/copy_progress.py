"""Timing a test's move to the moment a load is half-way: its COPY seen in progress."""

from __future__ import annotations

import subprocess
import time

import psycopg


def wait_for_copy(
    url: str, loader: subprocess.Popen, table: str = "loan_events", past_rows: int = 1000
) -> None:
    """Until a COPY into ``table`` has stored more than ``past_rows`` rows (more than a small
    file has: the big file's COPY, not a small one's); fails if the loader finished first."""
    deadline = time.monotonic() + 60
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            assert loader.poll() is None, "the load finished before the test could act on it"
            copying = conn.execute(
                "select count(*) from pg_stat_progress_copy as p join pg_class as c on c.oid = p.relid "
                "where c.relname = %s and p.tuples_processed > %s",
                (table, past_rows),
            ).fetchone()[0]
            if copying:
                return
            time.sleep(0.02)
    raise AssertionError(f"no COPY into {table} seen")
