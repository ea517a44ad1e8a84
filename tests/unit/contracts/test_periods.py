import datetime as dt

import pytest

from mtqg_warehouse.contracts.model import feeds, load_contract
from mtqg_warehouse.contracts.periods import ingest_schedule, period_for_run

DAILY = {None: "daily"}
MONTHLY = {None: "monthly"}
WARD_RETURNS = {"ra_soat": "yearly", "bao_cao": "monthly"}


def test_daily_run_takes_the_day_that_ended():
    assert period_for_run(DAILY, dt.datetime(2023, 5, 5, tzinfo=dt.UTC)) == "20230504"


def test_monthly_run_takes_the_month_that_ended():
    assert period_for_run(MONTHLY, dt.datetime(2023, 6, 1, tzinfo=dt.UTC)) == "202305"
    assert period_for_run(MONTHLY, dt.datetime(2024, 1, 1, tzinfo=dt.UTC)) == "202312"


def test_yearly_run_takes_the_year_that_ended():
    assert period_for_run({None: "yearly"}, dt.datetime(2024, 1, 1, tzinfo=dt.UTC)) == "2023"


def test_manual_runs_and_feeds_of_mixed_cadence_take_everything():
    assert period_for_run(DAILY, None) is None
    assert period_for_run(WARD_RETURNS, dt.datetime(2023, 6, 1, tzinfo=dt.UTC)) is None


def test_kinds_sharing_one_cadence_take_its_period():
    same = {"ra_soat": "monthly", "bao_cao": "monthly"}
    assert period_for_run(same, dt.datetime(2023, 6, 1, tzinfo=dt.UTC)) == "202305"
    assert ingest_schedule(same) == "@monthly"


def test_schedule_runs_as_each_period_ends():
    assert ingest_schedule(DAILY) == "@daily"
    assert ingest_schedule(MONTHLY) == "@monthly"
    assert ingest_schedule({None: "yearly"}) == "@yearly"


def test_mixed_cadences_poll_hourly_for_whatever_has_arrived():
    assert ingest_schedule(WARD_RETURNS) == "@hourly"


def test_the_contracts_give_the_documented_schedules():
    assert {feed: ingest_schedule(load_contract(feed).cadence) for feed in feeds()} == {
        "bank": "@daily",
        "insurance": "@monthly",
        "ward_returns": "@hourly",
    }


@pytest.mark.parametrize("feed", feeds())
def test_a_cadence_per_kind_names_exactly_the_contracts_workbook_kinds(feed: str):
    contract = load_contract(feed)
    kinds = {table.workbook_kind for table in contract.tables.values()}
    assert set(contract.cadence) == kinds
