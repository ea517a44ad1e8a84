"""Shared fixtures: a throwaway database on a real PostgreSQL for every test session.

The server is the one named by WAREHOUSE_URL when set, else the project's embedded server;
tests never touch the demo's `warehouse` database, and their state folder is a temp dir.

`make test` runs the tests on 2 pytest-xdist workers (``-n 2 --dist loadgroup``): most of the
suite's time is integration tests waiting on Airflow, Celery, Superset and dbt, and two of them
wait side by side. Every database the tests make has a random suffix and every state folder
is a temp dir (per worker under xdist), so two workers never meet in a test's database or folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser import chromium, page  # noqa: F401 (headless Chromium fixtures for browser tests)
from tests.databases import create_database, drop_database

if TYPE_CHECKING:
    from mtqg_warehouse.db.embedded import EmbeddedServer


# Fixtures wider than one test that cost minutes: every test using one runs on the same xdist
# worker, so that each is still set up once.
SHARED_FIXTURES = ("demo_run", "shared_airflow", "dbt_built_database")
_SERVER_WAS_RUNNING = pytest.StashKey[bool]()


def _embedded_server() -> EmbeddedServer | None:
    """The embedded server the tests use, or None when WAREHOUSE_URL names the server."""
    if os.environ.get("WAREHOUSE_URL"):
        return None
    from mtqg_warehouse.db.embedded import EmbeddedServer

    return EmbeddedServer.default()


def _is_xdist_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def pytest_sessionstart(session: pytest.Session) -> None:
    """Whether the embedded server ran before the tests: if not, they stop it at the end. Noted
    (and the server stopped) by the process that runs the session, not by an xdist worker:
    each worker starts the server (idempotently), and none may stop it while the other still
    uses it."""
    server = _embedded_server()
    if server is not None and not _is_xdist_worker(session.config):
        session.config.stash[_SERVER_WAS_RUNNING] = server.pgdata.exists() and server.is_running()


def pytest_sessionfinish(session: pytest.Session) -> None:
    server = _embedded_server()
    if server is not None and session.config.stash.get(_SERVER_WAS_RUNNING, True) is False:
        server.stop()


@pytest.hookimpl(tryfirst=True)  # before xdist's own, which reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under xdist (only its workers collect), each test's group for ``--dist loadgroup``: the
    shared fixture it uses, else its module, so that module-scoped fixtures run once too. The
    groups running Airflow or Superset (minutes each) are handed out first (with
    ``--no-loadscope-reorder``), so that the two workers end together rather than one of them
    starting a Celery run while the other has nothing left."""
    if not _is_xdist_worker(config):
        return
    groups = {item: _xdist_group(item) for item in items}
    slow = {
        groups[item]
        for item in items
        if any(item.iter_markers("airflow")) or any(item.iter_markers("superset"))
    }
    for item, group in groups.items():
        item.add_marker(pytest.mark.xdist_group(group))
    items.sort(key=lambda item: groups[item] not in slow)


def _xdist_group(item: pytest.Item) -> str:
    shared = [name for name in SHARED_FIXTURES if name in getattr(item, "fixturenames", ())]
    return shared[0] if shared else item.nodeid.split("::")[0]


@pytest.fixture(scope="session")
def server_url() -> str:
    """WAREHOUSE_URL's server, or the embedded one (started if need be; see pytest_sessionstart)."""
    server = _embedded_server()
    return os.environ["WAREHOUSE_URL"] if server is None else server.start()


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
