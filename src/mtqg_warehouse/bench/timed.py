"""The timed paths: a bare ``psql \\copy`` and the project's ``ingest_feed``, one run each call.

Only what a user would wait for is inside the clock: the psql process for COPY, the
``ingest_feed`` call for the loader. Creating databases and tables, linking the file into
a fresh inbox and counting rows afterwards are outside it.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from mtqg_warehouse.bench.server import BenchServer, pointed_at
from mtqg_warehouse.contracts import Table

log = logging.getLogger(__name__)

COPY_SCHEMA = "bench_copy"


@dataclass(frozen=True)
class LoaderRun:
    seconds: float
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    files_loaded: int


def time_copy(psql: Path, url: str, table: Table, path: Path, expected_rows: int) -> float:
    """Seconds for ``\\copy`` of the file into a new all-text logged table; checks the row count."""
    import psycopg
    from psycopg import sql

    target = sql.Identifier(COPY_SCHEMA, table.name)
    columns = sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(c)) for c in table.column_names)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(COPY_SCHEMA)))
        conn.execute(sql.SQL("drop table if exists {}").format(target))
        conn.execute(sql.SQL("create table {} ({})").format(target, columns))
    command = copy_command(table, path)
    env = os.environ | {"PGCLIENTENCODING": "UTF8"}
    started = time.perf_counter()
    done = subprocess.run([str(psql), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", command],
                          capture_output=True, text=True, env=env, check=False)  # fmt: skip
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"psql \\copy failed: {done.stderr.strip()[-600:]}")
    with psycopg.connect(url, autocommit=True) as conn:
        copied = conn.execute(sql.SQL("select count(*) from {}").format(target)).fetchone()[0]
    if copied != expected_rows:
        raise RuntimeError(f"\\copy loaded {copied} rows, the file has {expected_rows}")
    return seconds


def copy_command(table: Table, path: Path) -> str:
    """The psql meta-command; the path is a quoted literal, columns in contract order."""
    columns = ", ".join(f'"{name}"' for name in table.column_names)
    literal = str(path).replace("'", "''")
    return (
        f"\\copy {COPY_SCHEMA}.\"{table.name}\" ({columns}) from '{literal}' with (format csv, header true)"
    )


def time_loader(server: BenchServer, feed: str, files: list[Path], folder: Path) -> LoaderRun:
    """One ``ingest_feed`` call over a fresh inbox holding ``files``, in a fresh database."""
    from mtqg_warehouse.ingest.run import ingest_feed

    inbox = folder / "inbox"
    inbox.mkdir(parents=True)
    for path in files:
        _link_or_copy(path, inbox / path.name)
    url = server.create_database()
    try:
        with pointed_at(url, folder):
            started = time.perf_counter()
            report = ingest_feed(feed, run_id="bench", inbox=inbox, strict=False)
            seconds = time.perf_counter() - started
    finally:
        server.drop_database(url)
        shutil.rmtree(folder, ignore_errors=True)
    if report.quarantined or report.refused:
        raise RuntimeError(f"the loader did not take every file: {report.quarantined + report.refused}")
    return LoaderRun(
        seconds=seconds,
        rows_read=sum(item["rows_read"] for item in report.loaded),
        rows_loaded=report.rows_loaded,
        rows_rejected=sum(item["rows_rejected"] for item in report.loaded),
        files_loaded=len(report.loaded),
    )


def _link_or_copy(source: Path, target: Path) -> None:
    """A hard link costs nothing; the loader moves the file away, the original stays."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
