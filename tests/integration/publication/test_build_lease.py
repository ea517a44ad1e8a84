"""A build waits for an earlier build another process still runs, and fails one whose process died.

Found by an adversarial run: a build started while another was being audited discarded the
other's fact rows as a failed build's, and the other then published facts without them.
Publications are registered by hand here, so that only the lease and ``prepare`` are under test.
"""

from __future__ import annotations

import threading
import time

import psycopg
import pytest

from mtqg_warehouse.db import ddl
from mtqg_warehouse.publication import build_lease, lifecycle, versioned_facts

pytestmark = pytest.mark.integration

S = lifecycle.PublicationStatus


def _register(url: str) -> str:
    with psycopg.connect(url, autocommit=True) as conn:
        ddl.ensure_ops_schema(conn)
        return lifecycle.start_publication(conn, "test")


def test_a_build_whose_process_died_is_marked_failed_by_the_next(
    warehouse: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WAREHOUSE_URL", warehouse)
    dead = _register(warehouse)  # registered, then its process was killed: no lease held
    newer = _register(warehouse)
    with psycopg.connect(warehouse, autocommit=True) as conn:
        assert versioned_facts.prepare(conn, newer, "fingerprint") is None
        assert lifecycle.status_of(conn, dead) == S.FAILED_BUILD


def test_a_build_another_process_still_runs_is_waited_for_and_then_built_on(
    warehouse: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WAREHOUSE_URL", warehouse)
    running = _register(warehouse)
    with psycopg.connect(warehouse, autocommit=True) as conn:
        conn.execute(
            "update ops.publish_log set models_sha256 = 'fingerprint' where build_schema = %s", [running]
        )
    leased = threading.Event()

    def audit_elsewhere() -> None:
        """Another process's audit: it holds the lease, then judges the build valid."""
        key = [build_lease.LEASE_KEY, lifecycle.publication_id(running)]
        with psycopg.connect(warehouse, autocommit=True) as conn:
            conn.execute("select pg_advisory_lock(hashtext(%s), %s)", key)
            leased.set()
            time.sleep(1.5)
            lifecycle.change_status(conn, running, S.VALIDATED)
            conn.execute("select pg_advisory_unlock(hashtext(%s), %s)", key)

    other = threading.Thread(target=audit_elsewhere)
    other.start()
    assert leased.wait(10)
    newer = _register(warehouse)
    started = time.monotonic()
    with psycopg.connect(warehouse, autocommit=True) as conn:
        base = versioned_facts.prepare(conn, newer, "fingerprint")
        assert time.monotonic() - started > 1.0, "the newer build waited for the running one"
        assert lifecycle.status_of(conn, running) == S.VALIDATED, "it was not judged dead"
    other.join(timeout=30)
    assert base == lifecycle.publication_id(running), "the newer build is incremental on it"


def test_a_build_between_two_airflow_tasks_is_not_judged_dead(
    warehouse: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its dbt task has ended and its audit task has not yet started: no process holds its
    lease, but it finished dbt a moment ago, so the newer build waits for the audit task."""
    monkeypatch.setenv("WAREHOUSE_URL", warehouse)
    between = _register(warehouse)
    with psycopg.connect(warehouse, autocommit=True) as conn:
        lifecycle.record_built(conn, between)

    def audit_task_starts_late() -> None:
        time.sleep(1.5)
        with psycopg.connect(warehouse, autocommit=True) as conn:
            lifecycle.change_status(conn, between, S.VALIDATED)

    audit = threading.Thread(target=audit_task_starts_late)
    audit.start()
    newer = _register(warehouse)
    with psycopg.connect(warehouse, autocommit=True) as conn:
        versioned_facts.prepare(conn, newer, "fingerprint")
        assert lifecycle.status_of(conn, between) == S.VALIDATED, "it was not judged dead"
    audit.join(timeout=30)
