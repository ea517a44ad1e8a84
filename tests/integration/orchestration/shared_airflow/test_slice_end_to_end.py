"""The walking skeleton for real: inbox -> Airflow ingest DAG -> asset -> build DAG (dbt, GX) -> marts.

Under the package's one Airflow session (conftest.py). That a failed audit leaves `marts` on
the previous publication is tested step by step, without Airflow, in
tests/integration/publication/test_publication_lifecycle.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest

from mtqg_warehouse.orchestration.ids import BUILD_DAG_ID
from tests.integration.airflow_session import SharedAirflow

pytestmark = [pytest.mark.integration, pytest.mark.airflow]

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "insurance"


def _deliver(state: Path) -> None:
    inbox = state / "inbox" / "insurance"
    inbox.mkdir(parents=True, exist_ok=True)
    for path in FIXTURES.glob("*.csv"):
        shutil.copyfile(path, inbox / path.name)


def _query(url: str, statement: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(statement).fetchall()


def test_insurance_slice_through_airflow_dbt_and_gx(scheduler: SharedAirflow) -> None:
    warehouse, state = scheduler.url, scheduler.state
    _deliver(state)
    outcomes = scheduler.run(feeds=("insurance",), timeout=300)
    assert {(o.dag_id, o.state) for o in outcomes} == {
        ("ingest_insurance_feed", "success"),
        ("build_warehouse", "success"),
    }
    assert [o.dag_id for o in outcomes].count("build_warehouse") == 1
    # the fixture has 8 data rows: 5 good, 3 with defects (bad CCCD, unknown ward + impossible
    # date, a repeated card)
    assert _query(warehouse, "select rows_read, rows_loaded, rows_rejected from ops.load_audit") == [
        (8, 5, 3)
    ]
    assert _query(warehouse, "select count(*) from marts.fct_insurance_cards") == [(5,)]
    assert _query(warehouse, "select status from ops.publish_log") == [("published",)]
    # what dashboards see: the BI role, logged in with its password, reads what was published
    from mtqg_warehouse.publication.reader_role import reader_url

    reader = reader_url(warehouse)
    assert reader is not None
    assert _query(reader, "select current_user, count(*) from marts.fct_insurance_cards group by 1") == [
        ("bi_reader", 5)
    ]
    published_columns = {
        row[0]
        for row in _query(
            warehouse,
            "select column_name from information_schema.columns where table_schema = 'marts'",
        )
    }
    assert not published_columns & {
        "holder_name",
        "holder_national_id",
        "card_number",
        "household_code",
    }
    assert (state / "archive" / "insurance").is_dir()

    # the same delivery again, through Airflow: recognised, skipped, no build, same warehouse
    before = _marts_checksum(warehouse)
    _deliver(state)
    again = scheduler.run(feeds=("insurance",), timeout=300)
    assert {(o.dag_id, o.state) for o in again} == {("ingest_insurance_feed", "success")}
    assert _marts_checksum(warehouse) == before
    assert _query(warehouse, "select status, count(*) from ops.load_audit group by 1 order by 1") == [
        ("duplicate", 1),
        ("loaded", 1),
    ]


def _marts_checksum(url: str) -> list[tuple]:
    return _query(
        url,
        "select count(*), md5(string_agg(md5(t::text), '' order by md5(t::text))) "
        "from marts.fct_insurance_cards as t",
    )


def test_backfill_loads_exactly_the_past_periods_asked_for(scheduler: SharedAirflow) -> None:
    warehouse = scheduler.url
    inbox = scheduler.state / "inbox" / "bank"
    inbox.mkdir(parents=True)
    header = (Path(__file__).resolve().parents[3] / "fixtures" / "bank_header.csv").read_text(
        encoding="utf-8"
    )
    for day in (1, 2, 3, 4):
        row = (
            f"GD2023050{day},TK0000000{day},31825-00000{day},09530000000{day},Lê Văn Tám,31825,HN,HND,"
            f"31825-HND-01,GN,10.000.000,0{day}/05/2023,10.000.000,0\n"
        )
        (inbox / f"vbsp_954_2023050{day}.csv").write_text(header + row, encoding="utf-8")
    # each backfilled run's asset event would schedule a build (two dbt builds and GX audits,
    # about 4 minutes on 2 cores) that nothing here checks: the build DAG is paused meanwhile
    with scheduler.paused(BUILD_DAG_ID):
        outcomes = scheduler.backfill("bank", "2023-05-02", "2023-05-03", timeout=300)
    assert [o.state for o in outcomes] == ["success", "success"]
    assert _query(warehouse, "select source_file from ops.load_audit order by 1") == [
        ("vbsp_954_20230501.csv",),
        ("vbsp_954_20230502.csv",),
    ]
    assert sorted(path.name for path in inbox.iterdir()) == ["vbsp_954_20230503.csv", "vbsp_954_20230504.csv"]
