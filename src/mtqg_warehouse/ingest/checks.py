"""Row checks, vectorised over the whole delivery: one Polars expression per contract rule.

Each check yields the rows it fails with the field, the reason (English, for operators), a
Vietnamese explanation and how to fix it (for the ward officer's rejection report).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from mtqg_warehouse import reference
from mtqg_warehouse.contracts import Column, Table
from mtqg_warehouse.ingest.rows import ROW_NUMBER

DATE_SHAPE = r"^\d{1,2}/\d{1,2}/\d{4}$"
VN_NUMBER = r"^-?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$"
DEFAULT_MAX_AMOUNT = 100_000_000_000  # 100 billion VND in one row is a typo, not a payment

REJECTION_SCHEMA = {
    "row_number": pl.Int64,
    "field": pl.String,
    "reason": pl.String,
    "reason_vi": pl.String,
    "fix_hint": pl.String,
    "value_as_sent": pl.String,
}


@dataclass(frozen=True)
class Check:
    failing: pl.Expr  # true where the value is wrong
    reason: str
    reason_vi: str
    fix_hint: str


def find_rejections(frame: pl.DataFrame, table: Table) -> pl.DataFrame:
    """Every failing (row, field) of the frame; repeated keys are the DuplicateTracker's job."""
    parts = [
        frame.filter(check.failing).select(
            pl.col(ROW_NUMBER).alias("row_number"),
            pl.lit(column.name).alias("field"),
            pl.lit(check.reason).alias("reason"),
            pl.lit(check.reason_vi).alias("reason_vi"),
            pl.lit(check.fix_hint).alias("fix_hint"),
            pl.col(column.name).alias("value_as_sent"),
        )
        for column in table.columns
        for check in column_checks(column)
    ]
    return pl.concat([part.cast(REJECTION_SCHEMA) for part in parts])


def column_checks(column: Column) -> list[Check]:
    value = pl.col(column.name)
    checks = []
    if column.required:
        checks.append(
            Check(
                value.is_null(),
                "required value is missing",
                "thiếu giá trị bắt buộc",
                f"fill in '{column.header_vi}'",
            )
        )
    checks.extend(_type_checks(column, value))
    if column.accepted_from:
        accepted = sorted(reference.accepted_values(column.accepted_from))
        checks.append(
            Check(
                value.is_not_null() & ~value.is_in(accepted),
                "unknown code",
                "mã không có trong danh mục",
                f"use one of: {', '.join(accepted[:12])}{' ...' if len(accepted) > 12 else ''}",
            )
        )
    return checks


def _type_checks(column: Column, value: pl.Expr) -> list[Check]:
    present = value.is_not_null()
    if column.type == "date":
        parsed = value.str.strptime(pl.Date, "%d/%m/%Y", strict=False)
        bad = present & (~value.str.contains(DATE_SHAPE) | parsed.is_null())
        return [
            Check(
                bad, "not a valid date", "ngày không hợp lệ", "write the date as dd/mm/yyyy, e.g. 05/09/2023"
            )
        ]
    if column.type == "number":
        return _number_checks(column, value, present)
    if column.type == "integer":
        return [
            Check(
                present & ~value.str.contains(r"^\d{1,3}(\.\d{3})*$|^\d+$"),
                "not a whole number",
                "không phải số nguyên",
                "write a whole number such as 4",
            )
        ]
    if column.type == "flag01":
        return [
            Check(
                present & ~value.is_in(["0", "1"]),
                "not 0 or 1",
                "chỉ được ghi 0 hoặc 1",
                "write 1 if the household lacks this, else 0",
            )
        ]
    patterns = {
        "cccd": (
            r"^\d{12}$",
            "not a 12-digit citizen ID (CCCD) number",
            "số CCCD phải gồm 12 chữ số",
            "copy the 12 digits from the CCCD card",
        ),
        "bhyt_card": (
            r"^([A-Z]{2}[1-5]\d{12}|\d{10})$",
            "not a health-insurance card number",
            "mã thẻ BHYT không đúng",
            "15 characters (2 letters, 1 digit, province, 10 digits) or 10 digits",
        ),
    }
    if column.type == "unit_code":
        return [
            Check(
                present & ~value.is_in(sorted(reference.unit_codes())),
                "unknown ward/commune code",
                "mã xã/phường không đúng",
                "use the 5-digit statistics-office code of the ward or commune",
            )
        ]
    if column.type in patterns:
        pattern, reason, reason_vi, hint = patterns[column.type]
        return [Check(present & ~value.str.contains(pattern), reason, reason_vi, hint)]
    return []


def _number_checks(column: Column, value: pl.Expr, present: pl.Expr) -> list[Check]:
    shape_ok = value.str.contains(VN_NUMBER)
    checks = [
        Check(
            present & ~shape_ok,
            "not a number in Vietnamese format (wrong locale?)",
            "số không đúng định dạng",
            "write numbers as 1.234.567 or 1.234,5 (dot thousands, comma decimals)",
        )
    ]
    if column.name == "amount" or column.name.endswith("_amount"):
        amount = (
            value.str.replace_all(".", "", literal=True)
            .str.replace(",", ".", literal=True)
            .cast(pl.Float64, strict=False)
        )
        limit = column.max_value or DEFAULT_MAX_AMOUNT
        checks.append(
            Check(
                present & shape_ok & value.str.starts_with("-"),
                "negative amount",
                "số tiền âm",
                "send a corrected return instead of a negative amount",
            )
        )
        checks.append(
            Check(
                present & shape_ok & (amount > limit),
                f"amount above {limit:,.0f} VND",
                "số tiền quá lớn, có thể ghi nhầm",
                "check the number of digits",
            )
        )
    return checks
