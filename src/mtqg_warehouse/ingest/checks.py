"""Row checks, vectorised over the whole delivery: one Polars expression per contract rule.

Each check yields the rows it fails with the field, the reason (English, for operators), a
Vietnamese explanation and how to fix it (for the ward officer's rejection report).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import polars as pl

from mtqg_warehouse.contracts import reference
from mtqg_warehouse.contracts.model import Column, Table
from mtqg_warehouse.ingest.rows import ROW_NUMBER

DATE_SHAPE = r"^\d{1,2}/\d{1,2}/\d{4}$"
VN_NUMBER = r"^-?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$"
MISSING = "required value is missing"
COSTLY_TYPES = ("date", "number", "integer")
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
    fix_hint: str  # in Vietnamese: the ward officer or the sending agency acts on it


def find_rejections(frame: pl.DataFrame, table: Table) -> pl.DataFrame:
    """Every failing (row, field) of the frame; repeated keys are the DuplicateTracker's job.

    First the few rows that fail any rule are found, cheaply (see ``_suspects``); only those
    are then taken rule by rule, all rules in one pass, to say which field failed and why.
    """
    rules = [(column, check) for column in table.columns for check in column_checks(column)]
    if not rules or frame.height == 0:
        return pl.DataFrame(schema=REJECTION_SCHEMA)
    failing = frame.filter(_suspects(frame, table))
    if failing.height == 0:
        return pl.DataFrame(schema=REJECTION_SCHEMA)
    fired = failing.select(
        check.failing.fill_null(False).alias(str(index)) for index, (_, check) in enumerate(rules)
    ).to_numpy()
    rows, rule_indices = np.nonzero(fired)
    row_numbers = failing.get_column(ROW_NUMBER).to_list()
    values = {column.name: failing.get_column(column.name).to_list() for column in table.columns}
    found = [
        (
            row_numbers[row],
            column.name,
            check.reason,
            check.reason_vi,
            check.fix_hint,
            values[column.name][row],
        )
        for row, index in zip(rows.tolist(), rule_indices.tolist(), strict=True)
        for column, check in [rules[index]]
    ]
    return pl.DataFrame(found, schema=REJECTION_SCHEMA, orient="row")


def _suspects(frame: pl.DataFrame, table: Table) -> pl.Series:
    """True on rows that fail any rule (or where a rule cannot tell).

    Parsing dates and amounts costs more than finding distinct values, and those columns
    repeat a few values (the day's date, round amounts), so there the rules run once per
    distinct value and rows are matched to the failing ones; all the cheap rules run
    together, row by row, in one pass.
    """
    cheap = [
        pl.any_horizontal([check.failing for check in checks]).fill_null(True).alias(column.name)
        for column in table.columns
        if (checks := column_checks(column)) and column.type not in COSTLY_TYPES
    ]
    masks = [frame.select(pl.any_horizontal(cheap)).to_series()] if cheap else []
    for column in table.columns:
        if column.type in COSTLY_TYPES and (checks := column_checks(column)):
            masks.append(_failing_by_value(frame.get_column(column.name), checks))
    return (
        pl.DataFrame([mask.alias(str(index)) for index, mask in enumerate(masks)])
        .select(pl.any_horizontal(pl.all()))
        .to_series()
    )


def _failing_by_value(values: pl.Series, checks: list[Check]) -> pl.Series:
    rule = pl.any_horizontal([check.failing for check in checks]).fill_null(True)
    distinct = values.unique()
    if len(distinct) * 4 > len(values):  # mostly distinct: no saving
        return values.to_frame().select(rule).to_series()
    failing_values = distinct.to_frame().filter(rule).to_series()
    return values.is_in(failing_values.implode(), nulls_equal=True)


@cache
def column_checks(column: Column) -> list[Check]:
    """The column's rules (cached: built once per contract column, used for every chunk)."""
    value = pl.col(column.name)
    checks = []
    if column.required:
        checks.append(
            Check(
                value.is_null(),
                MISSING,
                "thiếu giá trị bắt buộc",
                f"điền '{column.header_vi}'",
            )
        )
    checks.extend(_type_checks(column, value))
    if column.accepted_from:
        accepted = sorted(reference.accepted_values(column.accepted_from))
        listed = ", ".join(accepted[:12]) + (" ..." if len(accepted) > 12 else "")
        checks.append(
            Check(
                value.is_not_null() & ~value.is_in(accepted),
                "unknown code",
                "mã không có trong danh mục",
                f"dùng một mã trong danh mục: {listed}",
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
                bad,
                "not a valid date",
                "ngày không hợp lệ",
                "ghi ngày theo dạng dd/mm/yyyy, ví dụ 05/09/2023",
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
                "ghi số nguyên, ví dụ 4",
            )
        ]
    if column.type == "flag01":
        return [
            Check(
                present & ~value.is_in(["0", "1"]),
                "not 0 or 1",
                "chỉ được ghi 0 hoặc 1",
                "ghi 1 nếu hộ thiếu hụt chỉ số này, ngược lại ghi 0",
            )
        ]
    patterns = {
        "cccd": (
            r"^\d{12}$",
            "not a 12-digit citizen ID (CCCD) number",
            "số CCCD phải gồm 12 chữ số",
            "ghi đủ 12 chữ số trên thẻ CCCD",
        ),
        "bhyt_card": (
            r"^([A-Z]{2}[1-5]\d{12}|\d{10})$",
            "not a health-insurance card number",
            "mã thẻ BHYT không đúng",
            "mã thẻ 15 ký tự (2 chữ, 1 số, mã tỉnh, 10 số) hoặc 10 chữ số mã BHXH",
        ),
    }
    if column.type == "unit_code":
        return [
            Check(
                present & ~value.is_in(sorted(reference.unit_codes())),
                "unknown ward/commune code",
                "mã xã/phường không đúng",
                "ghi mã 5 chữ số của xã/phường theo danh mục của Tổng cục Thống kê",
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
            "ghi số dạng 1.234.567 hoặc 1.234,5 (dấu chấm phân cách hàng nghìn, dấu phẩy thập phân)",
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
                "không ghi số âm; nếu cần điều chỉnh, gửi lại báo cáo đã sửa",
            )
        )
        checks.append(
            Check(
                present & shape_ok & (amount > limit),
                f"amount above {limit:,.0f} VND",
                "số tiền quá lớn, có thể ghi nhầm",
                "kiểm tra lại số chữ số của số tiền",
            )
        )
    return checks
