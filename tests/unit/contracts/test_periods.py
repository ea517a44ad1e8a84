import datetime as dt

from mtqg_warehouse.contracts.periods import period_for_run


def test_daily_run_takes_the_day_that_ended():
    assert period_for_run("daily", dt.datetime(2023, 5, 5, tzinfo=dt.UTC)) == "20230504"


def test_monthly_run_takes_the_month_that_ended():
    assert period_for_run("monthly", dt.datetime(2023, 6, 1, tzinfo=dt.UTC)) == "202305"
    assert period_for_run("monthly", dt.datetime(2024, 1, 1, tzinfo=dt.UTC)) == "202312"


def test_manual_runs_and_irregular_feeds_take_everything():
    assert period_for_run("daily", None) is None
    assert period_for_run("annual (poverty review) and monthly", dt.datetime(2023, 6, 1)) is None
