"""Shared fixtures: a throwaway database on a real PostgreSQL for every test session.

The server is the one named by WAREHOUSE_URL when set, else the project's embedded server;
tests never touch the demo's `warehouse` database, and their state folder is a temp dir.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.browser import chromium, page  # noqa: F401 (headless Chromium fixtures for browser tests)
from tests.databases import create_database, drop_database


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """WAREHOUSE_URL's server, or the embedded one, which is stopped again if the tests started it."""
    configured = os.environ.get("WAREHOUSE_URL")
    if configured:
        yield configured
        return
    from mtqg_warehouse.db.embedded import EmbeddedServer

    server = EmbeddedServer.default()
    was_running = server.is_running() if server.pgdata.exists() else False
    yield server.start()
    if not was_running:
        server.stop()


@pytest.fixture(scope="session")
def test_database_url(server_url: str) -> Iterator[str]:
    url = create_database(server_url, "mtqg_test")
    yield url
    drop_database(url)


@pytest.fixture
def warehouse(test_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A clean warehouse (schemas dropped) and a fresh state folder for one test."""
    from tests.warehouse_reset import drop_warehouse_schemas

    monkeypatch.setenv("WAREHOUSE_URL", test_database_url)
    monkeypatch.setenv("MTQG_STATE_DIR", str(tmp_path / "state"))
    drop_warehouse_schemas(test_database_url)
    yield test_database_url


@pytest.fixture
def own_warehouse(server_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A database of this test's own, with its own Airflow metadata database, both dropped
    after it. For a test that leaves Airflow runs unfinished (the UI test triggers every DAG
    and stops Airflow without waiting): in the session's shared metadata database, the next
    test's scheduler would pick those runs up and run them against that test's warehouse."""
    url = create_database(server_url, "mtqg_own")
    monkeypatch.setenv("WAREHOUSE_URL", url)
    monkeypatch.setenv("MTQG_STATE_DIR", str(tmp_path / "state"))
    yield url
    drop_database(url)


def _generate_city(out: Path, households: int, seed: int, defect_rate: float = 0.0) -> Path:
    from mtqg_warehouse.generator.cli import main as generate

    generate(
        [
            "--households",
            str(households),
            "--years",
            "1",
            "--start-year",
            "2023",
            "--preset",
            "none",
            "--seed",
            str(seed),
            "--defect-rate",
            str(defect_rate),
            "--out",
            str(out),
        ]
    )
    return out


@pytest.fixture(scope="session")
def generate_city():
    """One year (2023) of every feed for a small synthetic city, written by the project's generator."""
    return _generate_city


@dataclass(frozen=True)
class DemoRun:
    """What one `mtqg demo` left: its warehouse (published), state folder, exit code and output."""

    url: str
    reader_url: str | None  # as BI tools connect: bi_reader and its password
    state: Path
    exit_code: int
    output: str


@pytest.fixture(scope="session")
def demo_run(server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoRun]:
    """`mtqg demo`, what `make demo` runs, once per session in a database of its own: the demo
    preset (Bạc Liêu, 45,000 households, 2022-2024, calibrated to the seed article's 2023
    figures) generated, loaded through Airflow's ingest DAGs, built by dbt, audited by GX and
    published to `marts`. The costliest fixture of the suite (about 6 minutes on 2 shared
    cores: most of it the ingest of 1,150 files): every test of the published demo shares it.
    The environment points at it only while it runs; tests connect by ``url``."""
    import contextlib
    import io

    from mtqg_warehouse.cli.main import main as mtqg
    from mtqg_warehouse.publication.reader_role import reader_url

    url = create_database(server_url, "mtqg_demo")
    state = tmp_path_factory.mktemp("demo") / "state"
    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(printed):
        patch.setenv("WAREHOUSE_URL", url)
        patch.setenv("MTQG_STATE_DIR", str(state))
        patch.setenv("BI_READER_PASSWORD", "bi-reader-test-password")  # as the reader tests
        exit_code = mtqg(["demo"])
        reader = reader_url(url)
    yield DemoRun(url, reader, state, exit_code, printed.getvalue())
    drop_database(url)
