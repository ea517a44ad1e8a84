"""Dates and numbers as Vietnamese officials type them into spreadsheets.

Vietnamese convention is day-first dates (03/05/2023 is 3 May) and numbers with "." for
thousands and "," for decimals (1.234.567,5). Spreadsheets made on English-locale machines
mix in the opposite convention. Where the two conventions give different values for the same
string and the string cannot be Vietnamese, we refuse ("wrong number locale") instead of
guessing; where it can be Vietnamese, the Vietnamese reading wins:

* "1.234" is one thousand two hundred thirty-four (a point before exactly three digits is a
  thousands separator), never 1.234.
* "1,5" is one and a half; "1,234" is 1.234 (a single comma is always the decimal mark).
* "1.5", "1234.5", "1,234,567" and "1,234,567.5" can only be English-locale and are refused.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from mtqg_warehouse.text.normalize import nfc

_DAY_FIRST = re.compile(r"(?P<day>\d{1,2})(?P<sep>[/.\-])(?P<month>\d{1,2})(?P=sep)(?P<year>\d+)")
_ISO = re.compile(r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})")

_CURRENCY = re.compile(r"\s*(?:đồng|đ|vnđ|vnd)\.?$", re.IGNORECASE)
_VN_NUMBER = re.compile(r"(?P<int>\d{1,3}(?:\.\d{3})+|\d+)(?:,(?P<frac>\d+))?")
_EN_NUMBER = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_SPACE_GROUPED = re.compile(r"\d{1,3}(?: \d{3})+(?:,\d+)?")


def parse_vn_date(text: str) -> datetime.date:
    """Parse dd/mm/yyyy (also d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy) or ISO yyyy-mm-dd.

    Day always comes first in the non-ISO forms; a four-digit first group means ISO. Years
    must have exactly four digits, because "23" could be 1923 or 2023 and a five-digit
    year is a typo.
    """
    cleaned = nfc(text)
    match = _ISO.fullmatch(cleaned) or _DAY_FIRST.fullmatch(cleaned)
    if match is None:
        raise ValueError(f"not a date in dd/mm/yyyy or yyyy-mm-dd form: {text!r}")
    if len(match["year"]) != 4:
        raise ValueError(f"year must have four digits in date {text!r}")
    try:
        return datetime.date(int(match["year"]), int(match["month"]), int(match["day"]))
    except ValueError as err:
        raise ValueError(f"impossible date {text!r}: {err}") from None


def _strip_number(text: str) -> tuple[str, str]:
    """Split off the sign and currency suffix; make space-grouped thousands dot-grouped."""
    cleaned = _CURRENCY.sub("", nfc(text))
    sign = ""
    if cleaned[:1] in {"-", "+", "\u2212"}:
        sign = "-" if cleaned[0] != "+" else ""
        cleaned = cleaned[1:].lstrip()
    if _SPACE_GROUPED.fullmatch(cleaned):
        cleaned = cleaned.replace(" ", ".")
    return sign, cleaned


def parse_vn_number(text: str) -> Decimal:
    """Parse a Vietnamese-formatted number into an exact Decimal (see module doc for rules).

    Accepts a leading sign, spaces or no-break spaces (also as thousands groups: "1 234 567")
    and a trailing "đ", "đồng", "VND" or "VNĐ".
    """
    sign, cleaned = _strip_number(text)
    match = _VN_NUMBER.fullmatch(cleaned)
    if match is not None:
        integer = match["int"].replace(".", "")
        fraction = f".{match['frac']}" if match["frac"] else ""
        return Decimal(f"{sign}{integer}{fraction}")
    if _EN_NUMBER.fullmatch(cleaned):
        raise ValueError(
            f"wrong number locale in {text!r}: expected Vietnamese format with '.' for "
            "thousands and ',' for decimals, e.g. 1.234.567,5"
        )
    raise ValueError(f"not a number: {text!r}")
