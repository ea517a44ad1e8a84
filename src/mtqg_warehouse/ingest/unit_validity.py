"""Whether a ward or commune existed when a delivery, or one of its rows, says it acted.

A unit is (code, valid from, valid to), never a code alone: on 1 July 2025 the city's ten wards
and communes became three wards, and the new ones reuse old codes. A 2026 return under the code
of a ward abolished in 2025 is not a return of its successor: every row is rejected, saying so
(``sender_problem``). A bank event names the borrower's ward on each row: a row whose ward did
not exist on the row's own date is rejected, and only that row (``rows_outside_validity``, for
the contract columns that declare ``valid_on``).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from mtqg_warehouse.contracts import reference, types
from mtqg_warehouse.contracts.model import Table
from mtqg_warehouse.ingest import messages
from mtqg_warehouse.ingest.messages import Message
from mtqg_warehouse.ingest.rows import ROW_NUMBER, RowProblem


def sender_problem(ward_code: str | None, period: str | None) -> Message | None:
    """Why no row of the delivery can be taken, or None when the ward existed in the period."""
    if ward_code is None or period is None:
        return None
    first, last = _period_days(period)
    versions = reference.ward_versions(ward_code)
    if not versions:
        return messages.NOT_A_WARD.format(code=ward_code)
    if any(_overlaps(version, first, last) for version in versions):
        return None
    latest = versions[-1]
    return messages.WARD_NOT_VALID_IN_PERIOD.format(
        code=ward_code,
        name=latest["name"],
        period=period,
        valid_from=latest["valid_from"],
        valid_to=latest["valid_to"] or "today",
        successor=latest["successor_code"] or "none",
    )


def rows_outside_validity(frame: pl.DataFrame, table: Table) -> list[RowProblem]:
    """Rows whose unit code (a column declaring ``valid_on: <date column>``) names a ward or
    commune that did not exist on the row's date. Codes that are no ward at all, and dates
    that are no dates, are left to the type rules, which say so already.

    Checked once per distinct (code, date) pair: a day's bank file holds a few of them."""
    problems: list[RowProblem] = []
    for column in table.columns:
        if column.valid_on is None or frame.height == 0:
            continue
        pairs = frame.select(pl.col(column.name).alias("code"), pl.col(column.valid_on).alias("day"))
        distinct = pairs.unique().drop_nulls().with_columns(date=types.as_date(pl.col("day")))
        failing = {
            (code, text): message
            for code, text, day in distinct.iter_rows()
            if day is not None and (message := unit_problem_on(code, day, column.valid_on)) is not None
        }
        if not failing:
            continue
        rows = frame.select(ROW_NUMBER, pl.col(column.name), pl.col(column.valid_on)).iter_rows()
        problems += [
            RowProblem(row_number=row, field=column.name, message=failing[code, text], value_as_sent=code)
            for row, code, text in rows
            if (code, text) in failing
        ]
    return problems


def unit_problem_on(code: str, day: dt.date, date_column: str) -> Message | None:
    """Why a row dated ``day`` cannot name ward ``code``, or None when the ward existed then
    (or when the code is no ward at all: its type rule says that)."""
    versions = reference.ward_versions(code)
    if not versions or any(_overlaps(version, day, day) for version in versions):
        return None
    nearest = [v for v in versions if v["valid_from"] <= day.isoformat()] or versions[:1]
    version = nearest[-1]
    return messages.WARD_NOT_VALID_ON_DAY.format(
        code=code,
        name=version["name"],
        day=day.isoformat(),
        date_column=date_column,
        valid_from=version["valid_from"],
        valid_to=version["valid_to"] or "today",
        successor=version["successor_code"] or "none",
    )


def _overlaps(version: dict[str, str], first: dt.date, last: dt.date) -> bool:
    return version["valid_from"] <= last.isoformat() and first.isoformat() <= (
        version["valid_to"] or "9999-12-31"
    )


def _period_days(period: str) -> tuple[dt.date, dt.date]:
    """The first and last day of a yyyy, yyyymm or yyyymmdd period."""
    year = int(period[:4])
    if len(period) == 4:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    month = int(period[4:6])
    if len(period) == 6:
        following = dt.date(year + month // 12, month % 12 + 1, 1)
        return dt.date(year, month, 1), following - dt.timedelta(days=1)
    day = dt.date(year, month, int(period[6:8]))
    return day, day
