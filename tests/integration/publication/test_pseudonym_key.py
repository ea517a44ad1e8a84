"""The pseudonymisation key never leaves the build role's table: build once with a random key
(real dbt, GX and PostgreSQL, every statement logged), then look for it everywhere it could leak.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from mtqg_warehouse.config import PROJECT_ROOT, WarehouseTarget
from tests.warehouse_reset import drop_warehouse_schemas

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "insurance"
READER = "bi_reader"


@dataclass
class Built:
    url: str
    key: str
    state: Path
    python_log: str = field(repr=False)
    server_logs: dict[Path, str] = field(repr=False)  # what each readable log gained during the build

    def needles(self) -> list[str]:
        """The key as sent, and as a bytea literal would spell it."""
        return [self.key, self.key.encode().hex()]


@pytest.fixture(scope="module")
def built(test_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    state = tmp_path_factory.mktemp("pseudonym") / "state"
    key = secrets.token_urlsafe(32)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("WAREHOUSE_URL", test_database_url)
        env.setenv("MTQG_STATE_DIR", str(state))
        env.setenv("MTQG_PSEUDONYM_KEY", key)
        _clean(test_database_url)
        _deliver(state)
        with _statements_logged(test_database_url), _python_log() as python_log:
            logs = _server_logs(test_database_url)
            offsets = {path: path.stat().st_size for path in logs}
            _build_and_publish()
            server_logs = {path: _read_from(path, offset) for path, offset in offsets.items()}
        yield Built(test_database_url, key, state, python_log.getvalue(), server_logs)


def test_the_build_really_used_the_key(built: Built) -> None:
    """Guards the other tests: the key is stored and the published keys are hashed with it."""
    with psycopg.connect(built.url) as conn:
        stored = conn.execute("select key from keys.pseudonym_key").fetchone()[0]
        assert bytes(stored) == built.key.encode()
        keys = conn.execute("select household_key from marts.fct_insurance_cards").fetchall()
        assert len(keys) == 5 and all(len(key) == 64 for (key,) in keys)


def test_key_is_in_no_file_the_build_wrote(built: Built) -> None:
    roots = [built.state, PROJECT_ROOT / "dbt_project" / "target", PROJECT_ROOT / "dbt_project" / "logs"]
    files = [path for root in roots if root.exists() for path in root.rglob("*") if path.is_file()]
    assert any(path.name == "manifest.json" for path in files)  # the dbt target path was searched
    assert any(path.suffix == ".log" for path in files)  # and dbt's log
    needles = [needle.encode() for needle in built.needles()]
    leaks = [str(path) for path in files for needle in needles if needle in path.read_bytes()]
    assert leaks == []


def test_key_is_not_in_python_logs(built: Built) -> None:
    assert "publication pub_" in built.python_log  # the handler saw the build
    assert not any(needle in built.python_log for needle in built.needles())


def test_key_is_not_in_the_server_log(built: Built) -> None:
    if not built.server_logs:
        pytest.skip("this server's log is not readable from here (remote, or no permission)")
    logged = "".join(built.server_logs.values())
    # log_statement = all was in force: the key's own COPY statement is there, its data is not
    assert "copy keys.pseudonym_key" in logged, list(built.server_logs)
    assert not any(needle in logged for needle in built.needles())


def test_key_is_not_in_pg_stat_statements(built: Built) -> None:
    with psycopg.connect(built.url, autocommit=True) as conn:
        preloaded = conn.execute("select current_setting('shared_preload_libraries')").fetchone()[0]
        if "pg_stat_statements" not in preloaded:
            pytest.skip("pg_stat_statements is not in this server's shared_preload_libraries")
        try:
            conn.execute("create extension if not exists pg_stat_statements")
        except psycopg.errors.UndefinedFile as why:
            pytest.skip(f"pg_stat_statements is not installed on this server: {why}")
        texts = [row[0] for row in conn.execute("select query from pg_stat_statements")]
    assert any("keys.pseudonym_key" in text for text in texts)
    assert not [text for text in texts for needle in built.needles() if needle in text]


def test_reader_role_cannot_read_the_key(built: Built) -> None:
    with psycopg.connect(built.url, autocommit=True) as conn:
        conn.execute("analyze keys.pseudonym_key")  # puts the key in pg_statistic: pg_stats must hide it
        conn.execute(sql.SQL("set role {}").format(sql.Identifier(READER)))
        assert conn.execute("select count(*) from marts.fct_insurance_cards").fetchone() == (5,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select key from keys.pseudonym_key")


def test_key_is_in_no_relation_the_reader_can_read(built: Built) -> None:
    with psycopg.connect(built.url, autocommit=True) as conn:
        conn.execute(sql.SQL("set role {}").format(sql.Identifier(READER)))
        readable = conn.execute(
            """select n.nspname, c.relname from pg_class as c
               join pg_namespace as n on n.oid = c.relnamespace
               where c.relkind in ('r', 'v', 'm', 'p')
                 and has_schema_privilege(n.oid, 'usage') and has_table_privilege(c.oid, 'select')
                 and (n.nspname not in ('pg_catalog', 'information_schema') or c.relname = 'pg_stats')"""
        ).fetchall()
        assert ("marts", "fct_insurance_cards") in readable and ("pg_catalog", "pg_stats") in readable
        leaks = []
        for schema, relation in readable:
            relation_text = sql.SQL("select t::text from {} as t").format(sql.Identifier(schema, relation))
            rows = conn.execute(relation_text)
            text = "\n".join(row[0] for row in rows)
            leaks += [f"{schema}.{relation}" for needle in built.needles() if needle in text]
    assert leaks == []


def _build_and_publish() -> None:
    from mtqg_warehouse.ingest.run import ingest_feed
    from mtqg_warehouse.publication import steps

    ingest_feed("insurance", run_id="test")
    schema = steps.build("test")
    steps.audit(schema)
    steps.publish_build(schema)


def _deliver(state: Path) -> None:
    inbox = state / "inbox" / "insurance"
    inbox.mkdir(parents=True)
    for path in FIXTURES.glob("*.csv"):
        shutil.copyfile(path, inbox / path.name)


def _clean(url: str) -> None:
    """What the per-test `warehouse` fixture does, and the key's schema, for this module's one build."""
    drop_warehouse_schemas(url, "keys")


class _statements_logged:
    """Every statement of every new connection to the test database goes to the server log."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.database = sql.Identifier(WarehouseTarget.from_url(url).dbname)

    def __enter__(self) -> None:
        self._set(sql.SQL("set log_statement = 'all'"))

    def __exit__(self, *exc: object) -> None:
        self._set(sql.SQL("reset log_statement"))

    def _set(self, setting: sql.SQL) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(sql.SQL("alter database {} ").format(self.database) + setting)


class _python_log:
    """Every record any logger emits during the build, at DEBUG, formatted with its arguments."""

    def __enter__(self):
        import io

        self.buffer = io.StringIO()
        self.handler = logging.StreamHandler(self.buffer)
        self.handler.setLevel(logging.DEBUG)
        root = logging.getLogger()
        self.level = root.level
        root.addHandler(self.handler)
        root.setLevel(logging.DEBUG)
        return self.buffer

    def __exit__(self, *exc: object) -> None:
        root = logging.getLogger()
        root.removeHandler(self.handler)
        root.setLevel(self.level)


def _server_logs(url: str) -> list[Path]:
    """The server's log files we can read: its logging collector's, the embedded server's
    `server.log` beside its data folder, or Debian's /var/log/postgresql/."""
    with psycopg.connect(url) as conn:
        data_dir = Path(conn.execute("show data_directory").fetchone()[0])
        current = conn.execute("select pg_current_logfile()").fetchone()[0]
    candidates = [data_dir / current] if current else []
    candidates += [data_dir.parent / "server.log", *Path("/var/log/postgresql").glob("*.log")]
    return [path for path in candidates if path.is_file() and os.access(path, os.R_OK)]


def _read_from(path: Path, offset: int) -> str:
    with path.open("rb") as handle:
        handle.seek(offset)
        return handle.read().decode("utf-8", errors="replace")
