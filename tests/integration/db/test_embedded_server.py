"""The embedded server's lifecycle: start twice, stop, and recover from a crash's stale pid file."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import time
from pathlib import Path

import psycopg
import pytest

from mtqg_warehouse.db.embedded import EmbeddedServer

pytestmark = pytest.mark.integration


@pytest.fixture
def server():
    """A server in a folder of its own, not under pytest's tmp_path: as root the server runs as
    a system user, and any pytest session that starts meanwhile resets pytest's temp root to
    0700, which locked that user out of the data folder between a stop and a start."""
    root = Path(tempfile.mkdtemp(prefix="mtqg-embedded-"))
    server = EmbeddedServer(root / "postgres")
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


def _select_one(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("select 1").fetchone()[0]


def test_start_is_idempotent_and_stop_stops(server: EmbeddedServer) -> None:
    first = server.start()
    second = server.start()
    assert first == second
    assert _select_one(first) == 1
    assert server.stop() is True
    assert server.is_running() is False
    assert server.stop() is False
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(first, connect_timeout=2)


def test_restart_keeps_data(server: EmbeddedServer) -> None:
    url = server.start()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("create table kept (x int)")
        conn.execute("insert into kept values (42)")
    server.stop()
    url = server.start()
    with psycopg.connect(url) as conn:
        assert conn.execute("select x from kept").fetchone()[0] == 42


def test_start_after_crash_with_stale_pid_file(server: EmbeddedServer) -> None:
    url = server.start()
    pidfile = server.pgdata / "postmaster.pid"
    postmaster = int(pidfile.read_text().splitlines()[0])
    os.kill(postmaster, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while Path(f"/proc/{postmaster}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert pidfile.exists(), "a killed postmaster leaves its pid file behind"
    assert server.start() == url
    assert _select_one(url) == 1
