"""Which delivery period a scheduled or backfilled run takes.

A run loads the period that ended at its logical date (Airflow 3 cron runs are points in
time): the daily bank run at 2023-05-05 00:00 takes the file of 4 May, the monthly card run
at 2023-06-01 takes May's. Manual and asset-triggered runs have no logical date and take
everything waiting in the inbox.
"""

from __future__ import annotations

import datetime as dt

PERIOD_FORMATS = {"daily": "%Y%m%d", "monthly": "%Y%m"}


def period_for_run(cadence: str, logical_date: dt.datetime | None) -> str | None:
    if logical_date is None or cadence not in PERIOD_FORMATS:
        return None
    ended = logical_date - dt.timedelta(days=1)
    return ended.strftime(PERIOD_FORMATS[cadence])
