"""The star schema built by real dbt over returns loaded by the real loader.

One warehouse is loaded and built once for the module: a ward that kept its code through the
2025 reorganisation (31825: Phường 1, then Phường Bạc Liêu), a household whose history
includes a late corrected review, and names and citizen IDs that must not be published.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator

import psycopg
import pytest
from readme_queries import lineage_query
from return_workbooks import (
    ESCAPED,
    ESCAPED_NEAR,
    NEAR_POOR,
    NOT_POOR,
    POOR,
    SECRET_ID,
    SECRET_NAME,
    UNCHANGED,
    deliver_review,
    review_row,
)

from mtqg_warehouse.contracts.model import load_contract
from tests.warehouse_reset import drop_warehouse_schemas

pytestmark = pytest.mark.integration

DELIVERED: dict[str, str] = {}  # file name -> sha256 of the bytes delivered


@pytest.fixture(scope="module")
def built(test_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """Loads the returns in the order a ward sends them (the 2023 correction after 2024) and
    builds once; yields the warehouse URL and the publication schema."""
    from mtqg_warehouse.ingest.run import ingest_feed
    from mtqg_warehouse.publication.steps import build

    state = tmp_path_factory.mktemp("star") / "state"
    inbox = state / "inbox" / "ward_returns"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WAREHOUSE_URL", test_database_url)
        patch.setenv("MTQG_STATE_DIR", str(state))
        _reset(test_database_url)
        late = "31819-000001"
        deliver_review(
            inbox,
            "31825",
            2023,
            [
                review_row("31825-000001", "31825-K01", 1_000_000, 4, POOR, UNCHANGED, dt.date(2023, 10, 2)),
                review_row(
                    "31825-000002", "31825-K01", 5_000_000, 0, NOT_POOR, UNCHANGED, dt.date(2023, 10, 2)
                ),
            ],
        )
        DELIVERED["ra_soat_31825_2023.xlsx"] = hashlib.sha256(
            (inbox / "ra_soat_31825_2023.xlsx").read_bytes()
        ).hexdigest()
        deliver_review(
            inbox,
            "31825",
            2025,
            [
                review_row(
                    "31825-000001", "31825-K01", 1_900_000, 1, NEAR_POOR, ESCAPED, dt.date(2025, 10, 6)
                ),
            ],
        )
        deliver_review(
            inbox,
            "31819",
            2022,
            [
                review_row(late, "31819-K01", 1_000_000, 5, POOR, UNCHANGED, dt.date(2022, 10, 3)),
            ],
        )
        deliver_review(
            inbox,
            "31819",
            2023,
            [
                review_row(late, "31819-K01", 1_000_000, 5, POOR, UNCHANGED, dt.date(2023, 10, 3)),
            ],
        )
        deliver_review(
            inbox,
            "31819",
            2024,
            [
                review_row(late, "31819-K01", 3_000_000, 0, NOT_POOR, ESCAPED_NEAR, dt.date(2024, 10, 1)),
            ],
        )
        assert ingest_feed("ward_returns", run_id="first", strict=True).rows_loaded == 6
        deliver_review(
            inbox,
            "31819",
            2023,
            [
                review_row(late, "31819-K01", 1_800_000, 2, NEAR_POOR, ESCAPED, dt.date(2023, 10, 3)),
            ],
            version=2,
        )
        assert ingest_feed("ward_returns", run_id="correction", strict=True).rows_loaded == 1
        yield test_database_url, build("star-test")


def _reset(url: str) -> None:
    drop_warehouse_schemas(url)


def _rows(url: str, statement: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(statement, params).fetchall()


def test_a_2023_figure_for_phuong_1_and_a_2025_figure_for_phuong_bac_lieu_never_mix(built) -> None:
    url, schema = built
    rows = _rows(
        url,
        f"""select status.review_year, geography.unit_name, geography.today_unit_name,
                   count(*), count(distinct status.geography_key)
            from {schema}.fct_household_status as status
            join {schema}.dim_geography as geography using (geography_key)
            where status.ward_code = '31825'
            group by 1, 2, 3 order by 1""",
    )
    assert rows == [
        (2023, "Phường 1", "Phường Bạc Liêu", 2, 1),
        (2025, "Phường Bạc Liêu", "Phường Bạc Liêu", 1, 1),
    ]
    checks = _rows(
        url,
        f"select review_year, unit_name, households_reviewed from {schema}.rpt_classification_check "
        "where unit_code = '31825' order by review_year",
    )
    assert checks == [(2023, "Phường 1", 2), (2025, "Phường Bạc Liêu", 1)]


def test_household_history_is_type_2_and_a_late_correction_reshapes_it(built) -> None:
    url, schema = built
    versions = _rows(
        url,
        f"""select household.classification_code, household.valid_from_date, household.valid_to_date,
                   household.is_current
            from {schema}.dim_household as household
            where household.household_key = (
                select household_key from {schema}.fct_household_status
                where ward_code = '31819' limit 1)
            order by household.valid_from_date""",
    )
    assert versions == [
        ("NGHEO", dt.date(2022, 10, 3), dt.date(2023, 10, 2), False),
        ("CAN_NGHEO", dt.date(2023, 10, 3), dt.date(2024, 9, 30), False),
        ("KHONG_NGHEO", dt.date(2024, 10, 1), None, True),
    ]
    moves = _rows(
        url,
        f"select review_year, status_change_recomputed from {schema}.fct_household_status "
        "where ward_code = '31819' order by review_year",
    )
    assert moves == [(2022, None), (2023, "THOAT_NGHEO"), (2024, "THOAT_CAN_NGHEO")]


def test_a_published_figure_traces_back_to_its_file_sheet_and_row(built) -> None:
    url, schema = built
    traced = _rows(
        url,
        f"""select audit.source_file, audit.sha256, audit.sheets ->> 'poverty_review',
                   status.source_row_number
            from {schema}.fct_household_status as status
            join ops.load_audit as audit using (load_id)
            where status.ward_code = '31825' and status.review_year = 2023
              and status.income_per_person_month_amount = 5000000""",
    )
    assert len(traced) == 1
    source_file, sha256, sheet, row = traced[0]
    # the second household of the 2023 return: header on row 4, first data row 5
    assert (source_file, sheet, row) == ("ra_soat_31825_2023.xlsx", "Rà soát", 6)
    assert len(sha256) == 64


def test_the_readmes_lineage_query_returns_the_file_sheet_and_row_behind_a_figure(built) -> None:
    """The README's query, as printed, over this build (which `marts` would show once published)."""
    url, schema = built
    query = lineage_query()
    assert "from marts.fct_household_status" in query
    traced = _rows(url, query.replace("marts.", f"{schema}."))
    # Phường 1's only poor household of 2023: the return's first data row (header on row 4)
    assert traced == [("ra_soat_31825_2023.xlsx", DELIVERED["ra_soat_31825_2023.xlsx"], "Rà soát", 5)]


def _personal_columns() -> set[str]:
    """The contracts' columns marked personal: names and CCCD numbers."""
    return {
        column.name
        for feed in ("ward_returns", "bank", "insurance")
        for table in load_contract(feed).tables.values()
        for column in table.columns
        if column.personal
    }


def test_no_personal_column_or_value_reaches_a_published_model(built) -> None:
    url, schema = built
    personal = _personal_columns()
    assert {"head_name", "head_national_id", "borrower_name", "holder_national_id"} <= personal
    columns = _rows(
        url,
        "select table_name, column_name, data_type from information_schema.columns where table_schema = %s",
        (schema,),
    )
    assert columns, "the publication holds no relation"
    assert not [(table, column) for table, column, _ in columns if column in personal]
    with psycopg.connect(url) as conn:
        for table, column, data_type in columns:
            if data_type != "text":
                continue
            hits = conn.execute(
                f'select count(*) from {schema}."{table}" where "{column}" in (%s, %s)',
                (SECRET_NAME, SECRET_ID),
            ).fetchone()[0]
            assert hits == 0, f"{table}.{column} holds personal data"


def test_staging_keeps_no_personal_column(built) -> None:
    """Staging keeps each load's parsed rows (materializations/parsed_by_load.sql): names and
    CCCD numbers stay in raw, where the loader put them, and are not copied."""
    url, _ = built
    personal = _personal_columns()
    columns = _rows(
        url,
        "select table_name, column_name from information_schema.columns where table_schema = 'staging'",
    )
    assert {table for table, _ in columns if table.endswith("__parsed")}, "staging keeps its parsed rows"
    assert not [(table, column) for table, column in columns if column in personal]
