"""Cell formatting as Vietnamese officials write it: 1.234.567 and dd/mm/yyyy."""

from __future__ import annotations

import datetime as dt


def vnd(amount: int) -> str:
    """1234567 -> '1.234.567' (the '.' thousands separator of Vietnamese spreadsheets)."""
    return f"{amount:,}".replace(",", ".")


def dmy(day: dt.date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def parse_vnd(text: str | float | int) -> int:
    """Inverse of vnd(); numeric cells pass through. Raises ValueError on other shapes."""
    if isinstance(text, int | float):
        return int(text)
    cleaned = text.strip()
    parts = cleaned.lstrip("-").split(".")
    if not all(p.isdigit() for p in parts) or any(len(p) != 3 for p in parts[1:]):
        raise ValueError(f"not a VND amount: {text!r}")
    return int(cleaned.replace(".", ""))


def parse_dmy(text: str) -> dt.date:
    day, month, year = text.strip().split("/")
    if len(year) != 4:
        raise ValueError(f"not dd/mm/yyyy: {text!r}")
    return dt.date(int(year), int(month), int(day))
