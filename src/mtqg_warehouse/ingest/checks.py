"""Row checks as SQL over the staged text, one expression per contract column type.

Set-based on purpose: the rows are already in PostgreSQL after COPY, and a single statement
over the whole file is far cheaper than parsing each row in Python.
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import sql

from mtqg_warehouse.contracts import Column


@dataclass(frozen=True)
class Check:
    condition: sql.Composable  # true when the value is wrong
    reason: str
    fix_hint: str


def column_checks(column: Column, value: sql.Composable, known_units: list[str]) -> list[Check]:
    """Checks on one column; ``value`` is how the statement refers to it (e.g. ``i.card_number``)."""
    checks: list[Check] = []
    if column.required:
        checks.append(
            Check(
                sql.SQL("{} is null").format(value),
                "required value is missing",
                f"fill in {column.header_vi}",
            )
        )
    typed = _type_check(column, value, known_units)
    if typed is not None:
        checks.append(typed)
    return checks


def _type_check(column: Column, value: sql.Composable, known_units: list[str]) -> Check | None:
    kinds = {
        "date": (
            sql.SQL("ops.vn_date({}) is null"),
            "not a valid date",
            "write the date as dd/mm/yyyy, e.g. 05/09/2023",
        ),
        "number": (
            sql.SQL("ops.vn_number({}) is null"),
            "not a number in Vietnamese format",
            "write numbers as 1.234.567 or 1.234,5 (dot for thousands, comma for decimals)",
        ),
        "amount": (
            sql.SQL("coalesce(ops.vn_number({}) < 0, true)"),
            "not a non-negative amount in VND",
            "write the amount as 1.234.567; corrections are sent as a new return, not negatives",
        ),
        "cccd": (
            sql.SQL("{} !~ '^[0-9]{{12}}$'"),
            "not a 12-digit citizen ID (CCCD) number",
            "copy the 12 digits from the CCCD card",
        ),
        "bhyt_card": (
            sql.SQL("{} !~ '^([A-Z]{{2}}[1-5][0-9]{{12}}|[0-9]{{10}})$'"),
            "not a health-insurance card number",
            "15 characters (2 letters, 1 digit, 2-digit province, 10 digits) or the 10-digit number",
        ),
    }
    if column.type == "unit_code":
        return Check(
            sql.SQL("not ({} = any({}))").format(value, sql.Literal(known_units)),
            "unknown ward/commune code",
            "use the 5-digit statistics-office code of the ward or commune",
        )
    if column.type not in kinds:
        return None
    template, reason, hint = kinds[column.type]
    return Check(sql.SQL("{} is not null and ").format(value) + template.format(value), reason, hint)
