"""When a feed's ingest DAG runs, and which delivery period each run takes: both from the
contract's ``cadence``, so the schedule and the period rule cannot drift apart.

A run loads the period that ended at its logical date (Airflow 3 cron runs are points in
time): the daily bank run at 2023-05-05 00:00 takes the file of 4 May, the monthly card run
at 2023-06-01 takes May's. Manual and asset-triggered runs have no logical date and take
everything waiting in the inbox; so do all runs of a feed whose kinds of file arrive at
different cadences (see ``ingest_schedule``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

# a cadence, as the contracts write it -> how its period appears in a file name
PERIOD_FORMATS = {"daily": "%Y%m%d", "monthly": "%Y%m", "yearly": "%Y"}
# a cadence -> the Airflow preset that starts a run as each period ends
SCHEDULES = {"daily": "@daily", "monthly": "@monthly", "yearly": "@yearly"}
WHATEVER_HAS_ARRIVED = "@hourly"

Cadence = Mapping[str | None, str]  # workbook kind (None: every file of the feed) -> cadence


def ingest_schedule(cadence: Cadence) -> str:
    """The Airflow schedule of a feed's ingest DAG.

    A feed whose files share one cadence runs as each period ends and takes the period that
    just ended (``period_for_run``): daily -> ``@daily``, monthly -> ``@monthly``. A feed
    with kinds of file at different cadences (ward returns: the yearly poverty review and
    the monthly support and funds report) has no one period that ends at a run's logical
    date, and its wards send late and corrected returns (``_v2``) whenever they are ready;
    so its DAG runs ``@hourly`` and takes whatever has arrived (the loader's version rule
    makes the arrival order irrelevant). Hourly rather than at its most frequent cadence: a
    return reaches the marts within the hour instead of waiting up to a month, and a run
    that finds nothing new costs one inbox listing and schedules no build.
    """
    single = _single_cadence(cadence)
    return SCHEDULES[single] if single else WHATEVER_HAS_ARRIVED


def period_for_run(cadence: Cadence, logical_date: dt.datetime | None) -> str | None:
    """The period (as in file names) that ended at ``logical_date``; None means everything waiting."""
    single = _single_cadence(cadence)
    if logical_date is None or single is None:
        return None
    ended = logical_date - dt.timedelta(days=1)
    return ended.strftime(PERIOD_FORMATS[single])


def _single_cadence(cadence: Cadence) -> str | None:
    cadences = set(cadence.values())
    return cadences.pop() if len(cadences) == 1 else None


def period_day(period: str | None) -> dt.date | None:
    """The day a daily period names (the daily format above); None for months and years."""
    if period is None or len(period) != len("yyyymmdd"):
        return None
    return dt.datetime.strptime(period, PERIOD_FORMATS["daily"]).date()  # noqa: DTZ007 - a day, no time
