"""The reporting marts of the published demo, read as BI reads them.

One `mtqg demo` for the session (the ``demo_run`` fixture: generation, Airflow, dbt, GX,
publish). The seed article's 2023 figures are read from the published `marts` views as the
BI reader role; the household list behind the entitlement gaps is not readable by it; and
the README's lineage query takes a published figure back to its file and row.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

import psycopg
import pytest
from readme_queries import lineage_query

from mtqg_warehouse.publication import reader_role
from mtqg_warehouse.publication.article_figures import read_figures

pytestmark = [pytest.mark.integration, pytest.mark.airflow]


@pytest.fixture
def as_reader(demo_run) -> Iterator[psycopg.Connection]:
    """The published demo as BI tools see it: logged in as the reader role with its password."""
    assert demo_run.exit_code == 0, demo_run.output
    assert demo_run.reader_url is not None
    with psycopg.connect(demo_run.reader_url) as conn:
        assert conn.execute("select current_user").fetchone() == (reader_role.READER_ROLE,)
        yield conn


def test_the_bi_reader_reads_the_articles_2023_figures_from_the_published_marts(as_reader) -> None:
    figures = {reading.figure.key: reading.value for reading in read_figures(as_reader)}
    assert figures == {
        "escaped_poverty_households": 108,
        "escaped_near_poverty_households": 300,
        "escape_target_achievement_pct": Decimal("100.0"),
        "insurance_cards_issued": 2050,
        "sponsored_cards_issued": 262,
        "electricity_households": figures["electricity_households"],
        "houses_built": 128,
        "houses_amount": Decimal("5700000000"),
        "workers_trained": 4145,
        "workers_placed_in_jobs": 7863,
        "social_fund_raised_amount": Decimal("13400000000"),
        "adopted_households": 108,
        "projects_below_plan": frozenset({"DA2", "DA3-TDA1"}),
    }
    assert figures["electricity_households"] > 170  # "hơn 170 hộ"
    (target,) = as_reader.execute(
        "select escaped_poverty_target, escaped_near_poverty_target, is_target_met, is_target_assumed "
        "from marts.rpt_target_achievement where unit_code = '954' and plan_year = 2023"
    ).fetchall()
    assert target == (108, 300, True, True)


def test_make_demo_prints_the_articles_figures_beside_the_marts(demo_run) -> None:
    assert demo_run.exit_code == 0, demo_run.output
    assert (
        "the seed article's 2023 figures for Bạc Liêu city, read from the published marts:" in demo_run.output
    )
    assert re.search(r"workers placed in jobs\s+7863\s+7863\s+ok", demo_run.output)
    assert "13 of 13 agree with the article" in demo_run.output


def test_the_household_list_of_the_entitlement_gaps_is_not_readable_by_the_bi_reader(
    as_reader, demo_run
) -> None:
    published = {
        row[0]
        for row in as_reader.execute(
            "select table_name from information_schema.views where table_schema = 'marts'"
        )
    }
    assert {"rpt_entitlement_gaps", "rpt_support_coverage", "rpt_poverty_by_ward_year"} <= published
    assert "rpt_entitlement_gap_households_restricted" not in published
    gaps = as_reader.execute(
        "select sum(households_without_card), sum(households_without_credit), sum(households_without_either) "
        "from marts.rpt_entitlement_gaps"
    ).fetchone()
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        as_reader.execute("select count(*) from restricted.rpt_entitlement_gap_households_restricted")
    with psycopg.connect(demo_run.url) as officer:  # the build role stands in for the ward officers' role
        listed = officer.execute(
            "select count(*) filter (where is_missing_card), count(*) filter (where is_missing_credit),"
            " count(*) filter (where is_missing_card and is_missing_credit),"
            " count(*) filter (where hamlet_code is null)"
            " from restricted.rpt_entitlement_gap_households_restricted"
        ).fetchone()
    assert listed is not None and gaps is not None
    assert listed[:3] == gaps and listed[3] == 0
    assert listed[0] > 0


def test_the_readmes_lineage_query_traces_a_published_figure_to_its_file_and_row(demo_run) -> None:
    query = lineage_query()
    with psycopg.connect(demo_run.url) as conn:
        traced = conn.execute(query).fetchall()
        (poor,) = conn.execute(
            "select poor_households from marts.rpt_poverty_by_ward_year"
            " where unit_name = 'Phường 1' and review_year = 2023"
        ).fetchone()
    assert len(traced) == poor > 0
    assert {(name, sheet) for name, _, sheet, _ in traced} == {("ra_soat_31825_2023.xlsx", "Rà soát")}
    assert all(len(sha) == 64 and row > 1 for _, sha, _, row in traced)
