"""Raw tables keep file-level lineage once, in the audit; the lineage view gives it back per row,
and a warehouse made by the earlier layout (lineage on every row) is upgraded in place."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from mtqg_warehouse.contracts.model import load_contract
from mtqg_warehouse.db import ddl
from mtqg_warehouse.ingest.run import ingest_feed

pytestmark = pytest.mark.integration

EARLIER_LINEAGE = """
    _load_id bigint not null, _source_file text not null, _sha256 text not null, _sheet text,
    _row_number integer not null, _loaded_at timestamptz not null default now(), _run_id text
"""


def test_the_lineage_view_gives_every_row_its_file_sheet_and_run(
    warehouse: str, tmp_path: Path, generate_city
) -> None:
    source = generate_city(tmp_path / "city", households=300, seed=5)
    inbox = tmp_path / "state" / "inbox" / "ward_returns"
    inbox.mkdir(parents=True)
    workbook = sorted((source / "ward_returns").glob("*.xlsx"))[0]
    (inbox / workbook.name).write_bytes(workbook.read_bytes())
    ingest_feed("ward_returns", run_id="manual__lineage")
    with psycopg.connect(warehouse) as conn:
        columns = [
            row[0]
            for row in conn.execute(
                """select column_name from information_schema.columns
                   where table_schema = 'raw_ward_returns' and table_name = 'support'
                     and column_name like '\\_%' order by ordinal_position"""
            )
        ]
        lineage = conn.execute(
            """select distinct _source_file, _sha256 = a.sha256, _sheet, _run_id, _loaded_at is not null
               from raw_ward_returns.support_lineage join ops.load_audit a on a.load_id = _load_id"""
        ).fetchall()
    assert columns == ["_load_id", "_row_number"], "only per-row lineage is stored per row"
    assert lineage == [(workbook.name, True, "Hỗ trợ", "manual__lineage", True)]


def test_a_warehouse_of_the_earlier_layout_is_upgraded_in_place(warehouse: str) -> None:
    contract = load_contract("bank")
    (table,) = contract.tables.values()
    columns = ", ".join(f"{name} text" for name in table.column_names)
    with psycopg.connect(warehouse, autocommit=True) as conn:
        ddl.ensure_ops_schema(conn)
        conn.execute("create schema raw_bank")
        conn.execute(f"create table raw_bank.loan_events ({columns}, {EARLIER_LINEAGE})")
        load_id = conn.execute(
            """insert into ops.load_audit (feed, source_file, sha256, status, rows_read, rows_loaded)
               values ('bank', 'vbsp_954_20230102.csv', 'ab12', 'loaded', 1, 1) returning load_id"""
        ).fetchone()[0]
        conn.execute(
            """insert into raw_bank.loan_events (transaction_id, _load_id, _source_file, _sha256, _sheet,
                                                 _row_number, _run_id)
               values ('GD1', %s, 'vbsp_954_20230102.csv', 'ab12', 'Sheet1', 2, 'old_run')""",
            [load_id],
        )
        ddl.ensure_raw_tables(conn, contract)
        ddl.ensure_raw_tables(conn, contract)  # the second call finds nothing to do
        kept = conn.execute(
            """select transaction_id, _row_number, _source_file, _sha256, _sheet
               from raw_bank.loan_events_lineage"""
        ).fetchall()
        stored = conn.execute("select * from raw_bank.loan_events").description
        conn.execute("select set_config('mtqg.load_id', %s, false)", [str(load_id)])
        conn.execute("select setval('raw_bank.loan_events__row_number', 6)")
        conn.execute("insert into raw_bank.loan_events (transaction_id) values ('GD2')")
        added = conn.execute(
            "select _load_id, _row_number from raw_bank.loan_events where transaction_id = 'GD2'"
        ).fetchone()
    assert kept == [("GD1", 2, "vbsp_954_20230102.csv", "ab12", "Sheet1")]
    assert [column.name for column in stored][-2:] == ["_load_id", "_row_number"]
    assert added == (load_id, 7), "the defaults the loader's COPY relies on are in place"
