"""The timed paths: ``psql \\copy`` into two yardstick tables and the project's ``ingest_feed``.

The headline yardstick is ``\\copy`` into a table identical to the loader's raw table (the
contract's text columns plus ``_load_id`` and ``_row_number`` filled by their defaults, made by
the same ``ddl.ensure_raw_tables``); the second is ``\\copy`` into a bare table of the
contract's text columns only.

Only what a user would wait for is inside the clock: the psql process for COPY, the
``ingest_feed`` call for the loader. Creating databases and tables, truncating them, linking
the file into a fresh inbox and counting rows afterwards are outside it.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bench.server import BenchServer, pointed_at
from mtqg_warehouse.contracts.model import FeedContract, Table

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)

COPY_SCHEMA = "bench_copy"
LOAD_ID = 1  # the ``mtqg.load_id`` the identical-table copy runs under
ROW_BEFORE_FIRST = 1  # the header is line 1: rows are numbered from 2, as the file's lines


@dataclass(frozen=True)
class LoaderRun:
    seconds: float
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    files_loaded: int


@dataclass(frozen=True)
class RawCopy:
    """The psql commands of one ``\\copy`` into the loader's own raw table, composed once."""

    schema: str
    table: str
    commands: tuple[str, ...]  # one ``-c`` each, run in one psql session


def time_copy(psql: Path, url: str, table: Table, path: Path, expected_rows: int) -> float:
    """Seconds for ``\\copy`` of the file into a new bare all-text table; checks the row count."""
    import psycopg
    from psycopg import sql

    target = sql.Identifier(COPY_SCHEMA, table.name)
    columns = sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(c)) for c in table.column_names)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(COPY_SCHEMA)))
        conn.execute(sql.SQL("drop table if exists {}").format(target))
        conn.execute(sql.SQL("create table {} ({})").format(target, columns))
        command = copy_command(COPY_SCHEMA, table, path, conn)
    seconds = _timed_psql(psql, url, [command])
    with psycopg.connect(url, autocommit=True) as conn:
        copied = conn.execute(sql.SQL("select count(*) from {}").format(target)).fetchone()[0]
    if copied != expected_rows:
        raise RuntimeError(f"\\copy loaded {copied} rows, the file has {expected_rows}")
    return seconds


def prepare_raw_copy(url: str, contract: FeedContract, path: Path) -> RawCopy:
    """Create the loader's raw table in the copy database, as the loader does, and the commands."""
    (table,) = contract.tables.values()
    _prepare_schemas(url, contract.feed)
    return RawCopy(contract.raw_schema, table.name, raw_copy_commands(contract.raw_schema, table, path))


def time_raw_copy(psql: Path, url: str, raw: RawCopy, expected_rows: int) -> float:
    """Seconds for ``\\copy`` into the emptied raw table; checks the count and the defaults."""
    import psycopg
    from psycopg import sql

    target = sql.Identifier(raw.schema, raw.table)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("truncate table {}").format(target))
    seconds = _timed_psql(psql, url, list(raw.commands))
    with psycopg.connect(url, autocommit=True) as conn:
        found = conn.execute(
            sql.SQL(
                "select count(*), min(_row_number), max(_row_number), min(_load_id), max(_load_id) from {}"
            ).format(target)
        ).fetchone()
    check_raw_copy(tuple(found), expected_rows)
    return seconds


def check_raw_copy(found: tuple[int, ...], expected_rows: int) -> None:
    """Every row copied, numbered by the sequence from the first data line, under the load id."""
    copied, first, last, *load_ids = found
    if copied != expected_rows:
        raise RuntimeError(f"\\copy into the raw table loaded {copied} rows, the file has {expected_rows}")
    numbers = (ROW_BEFORE_FIRST + 1, ROW_BEFORE_FIRST + expected_rows)
    if expected_rows and ((first, last) != numbers or set(load_ids) != {LOAD_ID}):
        raise RuntimeError(
            f"the raw table's defaults did not fill as the loader's: _row_number {first}..{last} "
            f"(expected {numbers[0]}..{numbers[1]}), _load_id {sorted(set(load_ids))}"
        )


def raw_copy_commands(
    schema: str, table: Table, path: Path, conn: psycopg.Connection | None = None
) -> tuple[str, ...]:
    """Set the load id and reset the row sequence as the loader does, then ``\\copy``."""
    from psycopg import sql

    from mtqg_warehouse.db.raw_tables import row_sequence

    sequence = row_sequence(schema, table.name).as_string(conn)  # the quoted regclass name
    reset = sql.SQL("select set_config('mtqg.load_id', {}, false), setval({}, {})").format(
        sql.Literal(str(LOAD_ID)), sql.Literal(sequence), sql.Literal(ROW_BEFORE_FIRST)
    )
    return reset.as_string(conn), copy_command(schema, table, path, conn)


def copy_command(schema: str, table: Table, path: Path, conn: psycopg.Connection | None = None) -> str:
    """The psql meta-command; the path is a quoted literal, columns in contract order.

    Bench files have the contract's columns in contract order, so that is the header's order.
    """
    from psycopg import sql

    target = sql.Identifier(schema, table.name).as_string(conn)
    columns = sql.SQL(", ").join(sql.Identifier(name) for name in table.column_names).as_string(conn)
    literal = str(path).replace("'", "''")
    if "\n" in literal or "\r" in literal:
        raise ValueError(f"a psql meta-command cannot carry a line break: {path!r}")
    return f"\\copy {target} ({columns}) from '{literal}' with (format csv, header true)"


def _timed_psql(psql: Path, url: str, commands: list[str]) -> float:
    """Seconds for one psql process running ``commands`` in one session; raises when one fails."""
    arguments = [str(psql), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url]
    for command in commands:
        arguments += ["-c", command]
    env = os.environ | {"PGCLIENTENCODING": "UTF8"}
    started = time.perf_counter()
    done = subprocess.run(arguments, capture_output=True, text=True, env=env, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"psql \\copy failed: {done.stderr.strip()[-600:]}")
    return seconds


def time_loader(server: BenchServer, feed: str, files: list[Path], folder: Path) -> LoaderRun:
    """One ``ingest_feed`` call over a fresh inbox holding ``files``, in a fresh database whose
    schemas are in place (see ``_prepare_schemas``)."""
    from mtqg_warehouse.ingest.run import ingest_feed

    inbox = folder / "inbox"
    inbox.mkdir(parents=True)
    for path in files:
        _link_or_copy(path, inbox / path.name)
    url = server.create_database()
    try:
        with pointed_at(url, folder):
            _prepare_schemas(url, feed)
            server.settle()
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


def _prepare_schemas(url: str, feed: str) -> None:
    """The warehouse as a scheduled load finds it: ``ops`` and the feed's raw tables exist
    (created once, on a first load or a deployment). Both the ``\\copy`` yardstick's table and
    the loader's database are made this way; the timed load still checks them, as every load does."""
    import psycopg

    from mtqg_warehouse.contracts.model import load_contract
    from mtqg_warehouse.db import ddl

    with psycopg.connect(url, autocommit=True) as conn:
        ddl.ensure_ops_schema(conn)
        ddl.ensure_raw_tables(conn, load_contract(feed))


def _link_or_copy(source: Path, target: Path) -> None:
    """A hard link costs nothing; the loader moves the file away, the original stays."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
