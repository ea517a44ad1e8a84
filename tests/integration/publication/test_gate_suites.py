"""The GX gate's suites and failing rows on a real PostgreSQL, without dbt or Airflow.

The raw-feed suites run on raw rows written straight into `raw_ward_returns` (as a load that
passed the loader would leave them, plus defects the loader would have refused, to see the
suite catch them): GX judges them in the database, and every failing row, beyond the 20 GX
reports, is kept in `ops` with its file, sheet and row, and its exact count.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from mtqg_warehouse.publication import validation

pytestmark = pytest.mark.integration

FILE = "ra_soat_31813_2023.xlsx"
SHEET = "Rà soát"
BAD_IDS = 30  # more than the 20 row indexes GX keeps of a SQL source


@pytest.fixture
def raw_rows(warehouse: str) -> Iterator[psycopg.Connection]:
    from mtqg_warehouse.contracts.model import feeds, load_contract
    from mtqg_warehouse.db import ddl

    with psycopg.connect(warehouse, autocommit=True) as conn:
        ddl.ensure_ops_schema(conn)
        for feed in feeds():
            ddl.ensure_raw_tables(conn, load_contract(feed))
        row = conn.execute(
            """insert into ops.load_audit (feed, source_file, sha256, period, ward_code, status,
                                           rows_read, rows_loaded, sheets)
               values ('ward_returns', %s, 'x', '2023', '31813', 'loaded', 100, 100,
                       jsonb_build_object('poverty_review', %s::text))
               returning load_id""",
            [FILE, SHEET],
        ).fetchone()
        assert row is not None
        conn.execute(
            """insert into raw_ward_returns.poverty_review
                   (household_code, hamlet_code, head_national_id, member_count,
                    income_per_person_month_amount, classification, review_date,
                    _load_id, _row_number)
               select '31813-' || lpad(g::text, 6, '0'), '31813-K01',
                      case when g <= %s then '0952' else '095204437765' end, '3', '1.000.000',
                      'Không nghèo', '02/11/2023', %s, g + 4
               from generate_series(1, 100) as g""",
            [BAD_IDS, row[0]],
        )
        # one household twice in the same return
        conn.execute(
            """insert into raw_ward_returns.poverty_review
                   (household_code, head_national_id, review_date, _load_id, _row_number)
               values ('31813-000050', ' 095204437765 ', '02/11/2023', %s, 105)""",
            [row[0]],
        )
        yield conn


def test_raw_suite_fails_a_bad_return_and_keeps_every_failing_row_with_its_file_sheet_and_row(
    warehouse: str, raw_rows: psycopg.Connection, tmp_path: Path
) -> None:
    outcome = validation.validate_schema(warehouse, "pub_00001", layer="raw")

    assert not outcome.success
    failures = {(f.suite, f.expectation, f.column or f.name): f for f in outcome.failures}
    assert set(failures) == {
        ("raw_ward_returns__poverty_review", "expect_column_values_to_match_regex", "head_national_id"),
        (
            "raw_ward_returns__poverty_review",
            "unexpected_rows_expectation",
            "household_twice_in_one_ward_review",
        ),
    }
    ids = failures[
        "raw_ward_returns__poverty_review", "expect_column_values_to_match_regex", "head_national_id"
    ]
    assert ids.observed == f"{BAD_IDS} of 101 rows, {100 * BAD_IDS / 101:.2f}%"
    assert ids.expected == {"regex": r"^\s*(?:[0-9]{12})\s*$"}  # the loader's CCCD shape, padding allowed
    assert ids.failing_count == BAD_IDS
    assert ids.failing_rows[0] == {"file": FILE, "sheet": SHEET, "row": 5, "ward": "31813", "value": "0952"}
    twice = failures[
        "raw_ward_returns__poverty_review",
        "unexpected_rows_expectation",
        "household_twice_in_one_ward_review",
    ]
    assert twice.observed == "2" and twice.failing_count == 2
    assert [row["row"] for row in twice.failing_rows] == [54, 105]

    kept = raw_rows.execute(
        """select failure.failing_count, count(kept.*), min(kept.row_number), max(kept.row_number)
           from ops.validation_failures as failure
           join ops.validation_failing_rows as kept using (failure_id)
           where failure.column_name = 'head_national_id'
           group by failure.failing_count"""
    ).fetchall()
    assert kept == [(BAD_IDS, BAD_IDS, 5, BAD_IDS + 4)]
    # Data Docs were updated by this validation
    assert outcome.data_docs is not None and outcome.data_docs.startswith("file://")
    docs = Path(outcome.data_docs.removeprefix("file://")).parent
    assert list((docs / "validations" / "raw_ward_returns__poverty_review").rglob("*.html"))


def test_raw_suites_judge_only_the_loads_a_build_adds(warehouse: str, raw_rows: psycopg.Connection) -> None:
    from mtqg_warehouse.publication import lifecycle

    first = lifecycle.start_publication(raw_rows, "first")  # adds the bad load: it is judged
    assert not validation.validate_schema(warehouse, first, layer="raw").success
    raw_rows.execute("update ops.publish_log set status = 'published' where build_schema = %s", [first])
    second = lifecycle.start_publication(raw_rows, "second")  # holds it too, but adds nothing
    assert validation.validate_schema(warehouse, second, layer="raw").success
