"""The BI reader and numbered publications on a real PostgreSQL, driven through the lifecycle
with small tables (no dbt: a publish is the same view swap whatever the tables hold).

- `bi_reader` logs in with the configured password and is refused on every schema but `marts`
  (raw, staging, intermediate, reference, ops, keys, public, every `pub_`, `restricted`), and
  one connection of it keeps reading across ten publishes and two rollbacks;
- a rollback restores the earlier publication exactly (checksums read as `bi_reader`);
- a publish killed with SIGKILL in the middle of its swap leaves `marts` as it was.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from mtqg_warehouse.cli.main import main as mtqg
from mtqg_warehouse.config import PROJECT_ROOT
from mtqg_warehouse.publication import lifecycle, reader_role

pytestmark = pytest.mark.integration

# one value for every test session: the role belongs to the server, which parallel sessions share
PASSWORD = "bi-reader-test-password"
KEEP = 4


@pytest.fixture
def publishing(warehouse: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[psycopg.Connection]:
    """A warehouse with every kind of schema the reader must not read, and a build connection."""
    from mtqg_warehouse.contracts.model import feeds, load_contract
    from mtqg_warehouse.db import ddl

    monkeypatch.setenv("BI_READER_PASSWORD", PASSWORD)
    monkeypatch.setenv("MTQG_KEEP_PUBLICATIONS", str(KEEP))
    with psycopg.connect(warehouse, autocommit=True) as conn:
        ddl.ensure_ops_schema(conn)
        for feed in feeds():
            ddl.ensure_raw_tables(conn, load_contract(feed))
        for schema in ("staging", "intermediate", "reference"):
            conn.execute(f"create schema {schema}")
            conn.execute(f"create table {schema}.layer_table as select 1 as one")
            conn.execute(f"create view {schema}.layer_view as select 1 as one")
        conn.execute("create table if not exists public.stray as select 1 as one")
        yield conn


def _build(conn: psycopg.Connection, number: int) -> str:
    """A validated publication whose tables say which build made them."""
    schema = lifecycle.start_publication(conn, f"test-{number}")
    identifier = sql.Identifier(schema)
    conn.execute(sql.SQL("create schema {}").format(identifier))
    conn.execute(
        sql.SQL(
            "create table {} as select g as ward, g * %s as households, 'build ' || %s as note "
            "from generate_series(1, 40) as g"
        ).format(sql.Identifier(schema, "rpt_figures")),
        [number, number],
    )
    conn.execute(
        sql.SQL(
            "create table {} as select md5(g::text || %s) as household_key from generate_series(1, 5) g"
        ).format(sql.Identifier(schema, "rpt_gaps_restricted")),
        [number],
    )
    lifecycle.record_built(conn, schema)
    lifecycle.record_audit(conn, schema, True, 2, 0, None, {"success": True, "failures": []})
    return schema


def _publish(conn: psycopg.Connection, number: int) -> str:
    schema = _build(conn, number)
    lifecycle.publish(conn, schema)
    lifecycle.retire_old_publications(conn)
    return schema


def _reader(url: str) -> psycopg.Connection:
    reader_url = reader_role.reader_url(url)
    assert reader_url is not None and f"bi_reader:{PASSWORD}@" in reader_url
    return psycopg.connect(reader_url, autocommit=True)


def _checksum(reader: psycopg.Connection) -> list[tuple]:
    return reader.execute(
        "select count(*), sum(households), md5(string_agg(t::text, '|' order by ward)) "
        "from marts.rpt_figures as t"
    ).fetchall()


def _marts_shows(conn: psycopg.Connection) -> str:
    (definition,) = conn.execute(
        "select definition from pg_views where schemaname = 'marts' and viewname = 'rpt_figures'"
    ).fetchone()
    return definition


def _relations_outside_marts(conn: psycopg.Connection) -> list[tuple[str, str]]:
    return conn.execute(
        """select n.nspname, c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
           where c.relkind in ('r', 'v', 'm', 'p', 'f')
             and n.nspname not in ('marts', 'pg_catalog', 'information_schema')
             and n.nspname not like 'pg\\_toast%%' and n.nspname not like 'pg\\_temp%%'
           order by 1, 2"""
    ).fetchall()


def _assert_reader_confined(conn: psycopg.Connection, reader: psycopg.Connection) -> None:
    """Every relation outside `marts` is refused; every view in `marts` is read."""
    outside = _relations_outside_marts(conn)
    schemas = {schema for schema, _ in outside}
    # the check covers every kind of schema there is, not a convenient few
    assert {"ops", "keys", "staging", "intermediate", "reference", "public", "restricted"} <= schemas
    assert any(schema.startswith("raw_") for schema in schemas)
    assert any(schema.startswith("pub_") for schema in schemas)
    for schema, relation in outside:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            reader.execute(sql.SQL("select * from {} limit 1").format(sql.Identifier(schema, relation)))
    granted = reader.execute(
        """select nspname from pg_namespace
           where has_schema_privilege(oid, 'usage')
             and nspname not in ('pg_catalog', 'information_schema', 'public')
             and nspname not like 'pg\\_toast%%' and nspname not like 'pg\\_temp%%'"""
    ).fetchall()
    assert granted == [("marts",)]
    views = reader.execute("select viewname from pg_views where schemaname = 'marts' order by 1").fetchall()
    assert [view for (view,) in views] == ["publication_info", "publication_loads", "rpt_figures"]
    for (view,) in views:
        reader.execute(sql.SQL("select * from {}").format(sql.Identifier("marts", view))).fetchall()


def test_reader_logs_in_with_the_configured_password(publishing: psycopg.Connection, warehouse: str) -> None:
    _publish(publishing, 1)
    with _reader(warehouse) as reader:
        assert reader.execute("select current_user").fetchone() == ("bi_reader",)
    # the server holds exactly the configured password (as a SCRAM verifier, never as text)
    row = publishing.execute(
        "select rolcanlogin, rolpassword from pg_authid where rolname = 'bi_reader'"
    ).fetchone()
    assert row is not None and row[0] and row[1].startswith("SCRAM-SHA-256$")
    assert reader_role.scram_verifier_matches(row[1], PASSWORD)
    assert not reader_role.scram_verifier_matches(row[1], PASSWORD + "x")
    if _passwords_enforced(publishing):
        wrong = reader_role.reader_url(warehouse).replace(PASSWORD, "wrong-password")
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            psycopg.connect(wrong).close()


def _passwords_enforced(conn: psycopg.Connection) -> bool:
    """Whether the server checks bi_reader's password over TCP (the embedded server does; a
    server configured with `trust` for 127.0.0.1 lets anyone in, and only the stored verifier
    above can be checked)."""
    rules = conn.execute(
        "select user_name, auth_method from pg_hba_file_rules where type = 'host' order by line_number"
    ).fetchall()
    for users, method in rules:
        if "all" in users or "bi_reader" in users:
            return method in ("scram-sha-256", "md5", "password")
    return False


def test_reader_is_confined_to_marts_across_ten_publishes_and_two_rollbacks(
    publishing: psycopg.Connection, warehouse: str
) -> None:
    conn = publishing
    checksums: dict[str, list[tuple]] = {}
    with _reader(warehouse) as reader:  # one session, kept open through every swap
        for number in range(1, 11):
            schema = _publish(conn, number)
            checksums[schema] = _checksum(reader)
            assert checksums[schema][0][1] == number * sum(range(1, 41)), "marts shows the newest build"
            assert reader.execute("select build_schema from marts.publication_info").fetchone() == (schema,)
            _assert_reader_confined(conn, reader)
            if number == 5:  # first rollback, in the middle of the run, through the lifecycle
                assert lifecycle.rollback(conn) == "pub_00004"
                assert _checksum(reader) == checksums["pub_00004"]
                _assert_reader_confined(conn, reader)
        # second rollback, as an operator would: `mtqg rollback 8`
        assert mtqg(["rollback", "8"]) == 0
        assert _checksum(reader) == checksums["pub_00008"]
        assert "pub_00008.rpt_figures" in _marts_shows(conn)
        assert reader.execute("select build_schema from marts.publication_info").fetchone() == ("pub_00008",)
        _assert_reader_confined(conn, reader)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            reader.execute("select * from restricted.rpt_gaps_restricted")

    statuses = dict(conn.execute("select build_schema, status from ops.publish_log").fetchall())
    assert statuses == {
        **{f"pub_{n:05d}": "retired" for n in range(1, 7)},
        "pub_00007": "superseded",
        "pub_00008": "published",
        "pub_00009": "superseded",
        "pub_00010": "rolled_back",
    }
    # retention (MTQG_KEEP_PUBLICATIONS=4): retired schemas are gone, retained ones are whole
    present = {
        row[0] for row in conn.execute("select nspname from pg_namespace where nspname like 'pub\\_%'")
    }
    assert present == {"pub_00007", "pub_00008", "pub_00009", "pub_00010"}


def test_rollback_restores_the_earlier_publication_exactly(
    publishing: psycopg.Connection, warehouse: str, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = publishing
    with _reader(warehouse) as reader:
        first = _publish(conn, 1)
        before = _checksum(reader)
        restricted_before = conn.execute("select * from restricted.rpt_gaps_restricted order by 1").fetchall()
        _publish(conn, 2)
        assert _checksum(reader) != before
        assert mtqg(["rollback"]) == 0  # default: the one published before
        assert _checksum(reader) == before
        assert conn.execute("select * from restricted.rpt_gaps_restricted order by 1").fetchall() == (
            restricted_before
        )
        assert f"{first}.rpt_figures" in _marts_shows(conn)
        # a rollback to what is not a retained earlier publication is refused, marts unchanged
        assert mtqg(["rollback", "2"]) == 0  # republishing the rolled-back one undoes the rollback
        assert mtqg(["rollback", "99"]) == 1
        assert mtqg(["rollback", "2"]) == 1  # already shown
        assert "pub_00002.rpt_figures" in _marts_shows(conn)
    capsys.readouterr()
    assert mtqg(["publications"]) == 0
    listing = capsys.readouterr().out
    lines = listing.splitlines()
    assert lines[0].split()[:2] == ["#", "status"]
    assert lines[1].split()[:2] == ["2", "*"] and "published" in lines[1] and "2/0" in lines[1]
    assert lines[2].split()[:2] == ["1", "rolled_back"]
    assert mtqg(["publications", "--json"]) == 0
    import json

    listed = json.loads(capsys.readouterr().out)
    assert [(p["number"], p["status"]) for p in listed] == [(2, "published"), (1, "rolled_back")]
    assert all(p["built_at"] and p["validated_at"] and p["published_at"] for p in listed)


def test_loads_held_by_each_publication_are_listed(publishing: psycopg.Connection, warehouse: str) -> None:
    conn = publishing
    conn.execute(
        "insert into ops.load_audit (feed, source_file, sha256, ward_code, status) values "
        "('insurance', 'the_bhyt_95_202501.csv', 'a', null, 'loaded')"
    )
    _publish(conn, 1)
    conn.execute(
        "insert into ops.load_audit (feed, source_file, sha256, ward_code, status) values "
        "('ward_returns', 'ra_soat_31825_2023.xlsx', 'b', '31825', 'loaded')"
    )
    _publish(conn, 2)
    from mtqg_warehouse.cli.publications import list_publications

    listed = {p["number"]: sorted(load["file"] for load in p["loads"]) for p in list_publications()}
    assert listed == {
        1: ["the_bhyt_95_202501.csv"],
        2: ["ra_soat_31825_2023.xlsx", "the_bhyt_95_202501.csv"],
    }
    with _reader(warehouse) as reader:
        files = reader.execute(
            "select source_file, ward_code from marts.publication_loads order by 1"
        ).fetchall()
    assert files == [("ra_soat_31825_2023.xlsx", "31825"), ("the_bhyt_95_202501.csv", None)]


KILLED_PUBLISH = textwrap.dedent(
    """
    import sys
    from mtqg_warehouse.db import connection as db
    from mtqg_warehouse.publication import lifecycle

    with db.connect() as conn:
        print(conn.info.backend_pid, flush=True)
        lifecycle.publish(conn, sys.argv[1])
    print("published", flush=True)
    """
)


def test_a_publish_killed_mid_transaction_leaves_marts_as_it_was(
    publishing: psycopg.Connection, warehouse: str
) -> None:
    conn = publishing
    first = _publish(conn, 1)
    second = _build(conn, 2)
    with _reader(warehouse) as reader:
        before = _checksum(reader)
    # hold a lock the swap needs half-way: after it has superseded `first` and dropped the old
    # views, creating the new view over this table waits, inside the publish's transaction
    with psycopg.connect(warehouse) as holder:
        holder.execute(
            sql.SQL("lock table {} in access exclusive mode").format(sql.Identifier(second, "rpt_figures"))
        )
        process = subprocess.Popen(
            [sys.executable, "-c", KILLED_PUBLISH, second],
            env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT / "src")},
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None
        backend = int(process.stdout.readline())
        _wait_until_waiting_mid_swap(conn, backend)
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
        holder.rollback()  # the orphaned backend may now go on, find its client gone, and abort
    _wait_until_gone(conn, backend)
    assert first in _marts_shows(conn)
    assert dict(conn.execute("select build_schema, status from ops.publish_log").fetchall()) == {
        first: "published",
        second: "validated",
    }
    with _reader(warehouse) as reader:
        assert _checksum(reader) == before
        _assert_reader_confined(conn, reader)
    lifecycle.publish(conn, second)  # the killed publish can simply be run again
    assert second in _marts_shows(conn)


def _wait_until_waiting_mid_swap(conn: psycopg.Connection, backend: int) -> None:
    """The publish's backend holds a transaction that has written (superseded the previous
    publication, dropped views) and now waits for the lock."""
    for _ in range(400):
        row = conn.execute(
            "select wait_event_type, backend_xid is not null from pg_stat_activity where pid = %s", [backend]
        ).fetchone()
        if row == ("Lock", True):
            return
        time.sleep(0.05)
    raise AssertionError(f"the publish never reached the swap: {row}")


def _wait_until_gone(conn: psycopg.Connection, backend: int) -> None:
    for _ in range(400):
        if conn.execute("select 1 from pg_stat_activity where pid = %s", [backend]).fetchone() is None:
            return
        time.sleep(0.05)
    raise AssertionError("the killed publish's backend never ended")


def test_publications_listing_on_an_empty_warehouse(
    warehouse: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert mtqg(["publications"]) == 0
    assert "no publications yet" in capsys.readouterr().out
