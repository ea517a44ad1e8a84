"""Waiting, in a test, until another connection waits for a lock (pg_stat_activity says so)."""

from __future__ import annotations

import time

import psycopg


def wait_until_waiting_for_a_lock(url: str, pid: int, what: str) -> None:
    """Until backend ``pid`` waits for a lock; fails saying ``what`` never did (in 15 s)."""
    with psycopg.connect(url, autocommit=True) as observer:
        for _ in range(300):
            waiting = observer.execute(
                "select wait_event_type = 'Lock' from pg_stat_activity where pid = %s", [pid]
            ).fetchone()
            if waiting and waiting[0]:
                return
            time.sleep(0.05)
    raise AssertionError(f"{what} never waited for a lock")
