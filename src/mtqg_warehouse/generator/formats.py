"""Cell formatting as Vietnamese officials write it: 1.234.567 and dd/mm/yyyy."""

from __future__ import annotations

import datetime as dt


def vnd(amount: int) -> str:
    """1234567 -> '1.234.567' (the '.' thousands separator of Vietnamese spreadsheets)."""
    return f"{amount:,}".replace(",", ".")


def dmy(day: dt.date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"
