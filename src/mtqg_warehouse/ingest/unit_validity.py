"""Whether a delivery's sender was a ward or commune during the period it reports.

A unit is (code, valid from, valid to), never a code alone: on 1 July 2025 the city's ten wards
and communes became three wards, and the new ones reuse old codes. A 2026 return under the code
of a ward abolished in 2025 is not a return of its successor: every row is rejected, saying so.
"""

from __future__ import annotations

import datetime as dt

from mtqg_warehouse.contracts import reference
from mtqg_warehouse.ingest import messages
from mtqg_warehouse.ingest.messages import Message


def sender_problem(ward_code: str | None, period: str | None) -> Message | None:
    """Why no row of the delivery can be taken, or None when the ward existed in the period."""
    if ward_code is None or period is None:
        return None
    first, last = _period_days(period)
    versions = reference.ward_versions(ward_code)
    if not versions:
        return messages.NOT_A_WARD.format(code=ward_code)
    for version in versions:
        if version["valid_from"] <= last.isoformat() and first.isoformat() <= (
            version["valid_to"] or "9999-12-31"
        ):
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
