"""Versioned (incremental) facts against a full rebuild, on real PostgreSQL and real dbt.

A small generated city's history (January to November) is built whole and published; then
December arrives with two corrections of earlier months (a bank day file of May without one
event, a ward return of May with one quantity changed). A build that failed after writing
rows is discarded; the incremental build that follows must give every published relation the
same checksum as a full rebuild of the same loads, and rollback must restore each earlier
publication exactly, before and after retention prunes the rows no publication can see.
Staging parses each load once (materializations/parsed_by_load.sql): the incremental build
must leave the history's parsed rows as they were, and the full rebuild parses everything
again, so the checksums also compare once-parsed loads with a fresh parse.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from mtqg_warehouse.db import connection as db
from mtqg_warehouse.publication import lifecycle, steps, versioned_facts
from mtqg_warehouse.publication.dbt_runner import target_dir

pytestmark = pytest.mark.integration

VERSIONED = (
    "dim_household",
    "fct_household_status",
    "fct_insurance_cards",
    "fct_insurance_coverage",
    "fct_loan_month",
    "fct_support",
)
SUPPORT_SHEET = "Hỗ trợ"
# what differs between publications by design: which one is shown and the loads it holds
_PER_PUBLICATION = {"publication_info", "publication_loads"}


def _is_december(name: str) -> bool:
    return "_202312" in name


def _place(city: Path, inbox: Path, wanted) -> None:
    for path in sorted(city.glob("*/*")):
        if path.parent.name in ("bank", "insurance", "ward_returns") and wanted(path.name):
            target = inbox / path.parent.name
            target.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target / path.name)


def _corrections(city: Path, inbox: Path) -> None:
    """An earlier bank day file resent without its last event; an earlier ward return resent
    with one support row's quantity changed (each the one of its feed with the most rows)."""
    import openpyxl

    earlier_bank = [p for p in city.glob("bank/vbsp_*.csv") if not _is_december(p.name)]
    bank = max(earlier_bank, key=lambda p: (len(p.read_bytes().splitlines()), p.name))
    lines = bank.read_bytes().splitlines(keepends=True)
    (inbox / "bank" / bank.name.replace(".csv", "_01.csv")).write_bytes(b"".join(lines[:-1]))
    returns = {
        path: openpyxl.load_workbook(path)
        for path in sorted(city.glob("ward_returns/bao_cao_*.xlsx"))
        if not _is_december(path.name)
    }
    path, workbook = max(returns.items(), key=lambda item: (item[1][SUPPORT_SHEET].max_row, item[0].name))
    sheet = workbook[SUPPORT_SHEET]
    assert sheet.max_row > 4, "the city has support rows to correct"
    sheet.cell(sheet.max_row, 8).value = 7  # Số lượng
    workbook.save(inbox / "ward_returns" / path.name.replace(".xlsx", "_v2.xlsx"))


def _ingest() -> None:
    from mtqg_warehouse.ingest.run import ingest_feed

    for feed in ("ward_returns", "bank", "insurance"):
        ingest_feed(feed, run_id="test")


def _build_and_publish() -> str:
    schema = steps.build("test")
    with db.connect() as conn:
        lifecycle.record_audit(conn, schema, True, 1, 0, None)
        lifecycle.publish(conn, schema)
    return schema


def _tests_run() -> set[str]:
    """The dbt data tests the last build ran, by name."""
    results = json.loads((target_dir() / "run_results.json").read_text(encoding="utf-8"))["results"]
    return {
        result["unique_id"].split(".")[2] for result in results if result["unique_id"].startswith("test.")
    }


def _checksums(conn: psycopg.Connection) -> dict[str, tuple]:
    """Rows and an order-free digest of every relation `marts` shows."""
    views = conn.execute("select viewname from pg_views where schemaname = 'marts' order by 1").fetchall()
    sums = {}
    for (view,) in views:
        if view in _PER_PUBLICATION:
            continue
        query = sql.SQL(
            "select count(*), md5(coalesce(string_agg(md5(t::text), '' order by md5(t::text)), '')) "
            "from {} as t"
        ).format(sql.Identifier("marts", view))
        sums[view] = conn.execute(query).fetchone()
    return sums


def _parsed_stores(conn: psycopg.Connection) -> list[str]:
    rows = conn.execute(
        "select tablename from pg_tables where schemaname = 'staging' and tablename like %s order by 1",
        ["%\\_\\_parsed"],
    ).fetchall()
    return [row[0] for row in rows]


def _parse_stamps(conn: psycopg.Connection) -> set[tuple[str, int, str]]:
    """Each parsed load with the transaction that wrote its rows."""
    stamps: set[tuple[str, int, str]] = set()
    for store in _parsed_stores(conn):
        query = sql.SQL("select distinct load_id, xmin::text from {}").format(
            sql.Identifier("staging", store)
        )
        stamps |= {(store, load_id, xmin) for load_id, xmin in conn.execute(query)}
    return stamps


def _intermediate_tables(conn: psycopg.Connection) -> dict[str, tuple[int, str]]:
    """Each intermediate table's storage (a rebuilt table gets new storage) and fingerprint."""
    rows = conn.execute(
        """select relname, relfilenode, coalesce(obj_description(oid, 'pg_class'), '') from pg_class
           where relnamespace = 'intermediate'::regnamespace and relkind = 'r'"""
    ).fetchall()
    return {name: (storage, comment) for name, storage, comment in rows}


def _added_in(conn: psycopg.Connection, schema: str) -> dict[str, int]:
    publication_id = int(schema.removeprefix("pub_"))
    return {
        fact: conn.execute(
            sql.SQL("select count(*) from {} where _added_in = %s").format(sql.Identifier("facts", fact)),
            [publication_id],
        ).fetchone()[0]
        for fact in VERSIONED
    }


def _a_failed_build_writes_rows(conn: psycopg.Connection) -> None:
    """What a build that died after dbt wrote its facts leaves: rows it added, rows it retired."""
    schema = lifecycle.start_publication(conn, "failing")
    publication_id = int(schema.removeprefix("pub_"))
    for fact in VERSIONED:
        table = sql.Identifier("facts", fact)
        columns = sql.SQL(", ").join(
            sql.Identifier(name)
            for (name,) in conn.execute(
                "select column_name from information_schema.columns where table_schema = 'facts' "
                "and table_name = %s and column_name not like '\\_%%' order by ordinal_position",
                [fact],
            )
        )
        conn.execute(
            sql.SQL("insert into {0} ({1}, _added_in) select {1}, %s from {0} limit 5").format(
                table, columns
            ),
            [publication_id],
        )
        conn.execute(
            sql.SQL("update {} set _retired_in = %s where _retired_in is null and _added_in < %s").format(
                table
            ),
            [publication_id, publication_id],
        )
    lifecycle.fail_build(conn, schema, "killed in the test")


def test_incremental_build_equals_a_full_rebuild(warehouse: str, tmp_path: Path, generate_city) -> None:
    city = generate_city(tmp_path / "city", households=150, seed=11)
    inbox = tmp_path / "state" / "inbox"
    _place(city, inbox, lambda name: not _is_december(name))
    _ingest()
    first = _build_and_publish()
    with db.connect() as conn:
        history = _checksums(conn)
        assert history["fct_loan_month"][0] > 0 and history["fct_support"][0] > 0

        _place(city, inbox, _is_december)
        _corrections(city, inbox)
        _ingest()
        superseded = conn.execute(
            "select count(*) from ops.load_audit where superseded_by is not null"
        ).fetchone()
        assert superseded == (2,), "both corrections supersede an earlier file"
        _a_failed_build_writes_rows(conn)
        parsed_history = _parse_stamps(conn)
        history_tables = _intermediate_tables(conn)

        incremental = _build_and_publish()
        tested = _tests_run()
        assert "unique_fct_support_support_key" in tested, "December's support is tested"
        assert not {name for name in tested if "household_status" in name or "dim_household" in name}, (
            "no review changed: the household facts hold the base's rows, tested then"
        )
        kept = _intermediate_tables(conn)
        household_history = ("int_household_reviews_classified", "int_household_status_transitions")
        assert {name: kept[name] for name in household_history} == {
            name: history_tables[name] for name in household_history
        }, "no review changed: the household history is kept, not rebuilt"
        assert (
            kept["int_household_entitlements_checked"] != history_tables["int_household_entitlements_checked"]
        )
        parsed = _parse_stamps(conn)
        assert parsed_history < parsed, "the history's loads are not parsed again; December's are added"
        superseded_loads = {
            load
            for (load,) in conn.execute("select load_id from ops.load_audit where superseded_by is not null")
        }
        assert superseded_loads <= {load for _, load, _ in parsed}, "kept parsed: a rollback may need them"
        added = _added_in(conn, incremental)
        totals = {fact: _checksums(conn)[fact][0] for fact in VERSIONED}
        assert 0 < added["fct_loan_month"] < totals["fct_loan_month"], "months from the correction on"
        assert 0 < added["fct_support"] < totals["fct_support"] / 4, "December's rows and a correction"
        assert added["fct_insurance_cards"] < totals["fct_insurance_cards"] / 4, "December's cards, if any"
        assert added["fct_insurance_coverage"] < totals["fct_insurance_coverage"] / 2
        assert added["fct_household_status"] == added["dim_household"] == 0, "no review changed"
        after_incremental = _checksums(conn)

        # a full rebuild of the same loads: changed definitions make the next build recompute all
        conn.execute(
            "update ops.publish_log set models_sha256 = 'changed' where build_schema = %s", [incremental]
        )
        for store in _parsed_stores(conn):  # as if the staging models had changed: parse again
            conn.execute(sql.SQL("comment on table {} is 'changed'").format(sql.Identifier("staging", store)))
        conn.commit()
        full = _build_and_publish()
        assert "unique_fct_household_status_household_status_key" in _tests_run(), "a full build tests all"
        assert _added_in(conn, full) == totals, "the full build recomputed every row"
        assert not _parse_stamps(conn) & parsed, "every load parsed again"
        assert len(_parsed_stores(conn)) == 5
        assert _checksums(conn) == after_incremental

        # any retained publication is restored exactly, before and after retention
        assert lifecycle.rollback(conn, first) == first
        assert _checksums(conn) == history
        assert lifecycle.rollback(conn, incremental) == incremental
        assert _checksums(conn) == after_incremental
        lifecycle.retire_old_publications(conn, keep=2)
        assert _checksums(conn) == after_incremental
        oldest = conn.execute(
            "select min(publication_id) from ops.publish_log "
            "where status <> 'retired' and status not like 'failed%%'"
        ).fetchone()[0]
        for fact in VERSIONED:
            stale = conn.execute(
                sql.SQL("select count(*) from {} where _retired_in <= %s").format(
                    sql.Identifier("facts", fact)
                ),
                [oldest],
            ).fetchone()
            assert stale == (0,), f"{fact} keeps rows no retained publication can see"
        assert versioned_facts.stores(conn) == sorted(VERSIONED)
