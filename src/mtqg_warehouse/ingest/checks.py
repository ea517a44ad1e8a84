"""Row checks, vectorised over the whole delivery: one Polars expression per contract rule.

Each check yields the rows it fails with the field, the reason (English, for operators), a
Vietnamese explanation and how to fix it (for the ward officer's rejection report).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

import numpy as np
import polars as pl

from mtqg_warehouse.contracts import types
from mtqg_warehouse.contracts.model import Column, Table
from mtqg_warehouse.contracts.types import DEFAULT_MAX_AMOUNT
from mtqg_warehouse.ingest.rows import ROW_NUMBER

MISSING = "required value is missing"
COSTLY_TYPES = ("date", "number", "integer")

REJECTION_SCHEMA = pl.Schema(
    {
        "row_number": pl.Int64,
        "field": pl.String,
        "reason": pl.String,
        "reason_vi": pl.String,
        "fix_hint": pl.String,
        "value_as_sent": pl.String,
    }
)


@dataclass(frozen=True)
class Check:
    failing: pl.Expr  # true where the value is wrong
    reason: str
    reason_vi: str
    fix_hint: str  # in Vietnamese: the ward officer or the sending agency acts on it


def find_rejections(frame: pl.DataFrame, table: Table, file_date: date | None = None) -> pl.DataFrame:
    """Every failing (row, field) of the frame; repeated keys are the DuplicateTracker's job.
    ``file_date``: the day in the file's name, which a column may have to equal.

    First the few rows that fail any rule are found, cheaply (see ``_suspects``); only those
    are then taken rule by rule, all rules in one pass, to say which field failed and why.
    """
    rules = [
        (column, check)
        for column in table.columns
        for check in (*value_checks(column, file_date), *cross_column_checks(column))
    ]
    if not rules or frame.height == 0:
        return pl.DataFrame(schema=REJECTION_SCHEMA)
    failing = frame.filter(_suspects(frame, table, file_date))
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


def _suspects(frame: pl.DataFrame, table: Table, file_date: date | None) -> pl.Series:
    """True on rows that fail any rule (or where a rule cannot tell).

    Parsing dates and amounts costs more than finding distinct values, and those columns
    repeat a few values (the day's date, round amounts), so there the rules run once per
    distinct value and rows are matched to the failing ones; all the cheap rules run
    together, row by row, in one pass, with the rules on more than one column (whose
    values a type rule has not refused: null there is not a failure).
    """
    cheap = [
        pl.any_horizontal([check.failing for check in checks]).fill_null(True).alias(column.name)
        for column in table.columns
        if (checks := column_checks(column)) and column.type not in COSTLY_TYPES
    ]
    cheap += [
        check.failing.fill_null(False) for column in table.columns for check in cross_column_checks(column)
    ]
    masks = [frame.select(pl.any_horizontal(cheap)).to_series()] if cheap else []
    for column in table.columns:
        if column.type in COSTLY_TYPES and (checks := value_checks(column, file_date)):
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
    """The column's rules (cached: built once per contract column, used for every chunk).

    Each type's rule and messages come from contracts/types.py, the one definition staging's
    dbt macros are proved to agree with.
    """
    value = pl.col(column.name)
    present = value.is_not_null()
    checks = []
    if column.required:
        checks.append(Check(value.is_null(), MISSING, "thiếu giá trị bắt buộc", f"điền '{column.header_vi}'"))
    contract_type = types.contract_type(column.type)
    if contract_type.rule is not None:
        checks.append(_check(present & ~contract_type.accepts(value), contract_type.rule))
    if column.type == "number" and types.is_amount(column.name):
        checks.extend(_amount_checks(column, value, present & contract_type.accepts(value)))
    elif column.type == "number":
        checks.extend(_range_checks(column, value, present & contract_type.accepts(value)))
    if column.accepted_from:
        listed = types.listed_code(column.accepted_from)(value)
        checks.append(_check(present & listed.is_null(), types.code_list_rule(column.accepted_from)))
    return checks


def _amount_checks(column: Column, value: pl.Expr, number: pl.Expr) -> list[Check]:
    """On amounts that are numbers: never negative, never above the column's limit, never
    written as an English thousand (425,000)."""
    limit = column.max_value or DEFAULT_MAX_AMOUNT
    return [
        _check(number & types.negative_amount(value), types.NEGATIVE_AMOUNT),
        _check(number & types.ambiguous_amount(value), types.AMBIGUOUS_AMOUNT),
        _check(number & types.amount_above(value, limit), types.amount_above_rule(limit)),
    ]


def _range_checks(column: Column, value: pl.Expr, number: pl.Expr) -> list[Check]:
    """On other numbers that are numbers: within the range the contract declares, if any."""
    checks = []
    if column.min_value is not None:
        below = types.below(value, column.min_value)
        checks.append(_check(number & below, types.below_rule(column.min_value)))
    if column.max_value is not None:
        above = types.amount_above(value, column.max_value)
        checks.append(_check(number & above, types.above_rule(column.max_value)))
    return checks


@cache
def value_checks(column: Column, file_date: date | None) -> list[Check]:
    """The column's rules on its value alone: the type's, and those of the file's context."""
    checks = column_checks(column)
    if column.equals_file_date and file_date is not None:
        day = types.as_date(pl.col(column.name))
        rule = types.not_file_date_rule(file_date.strftime("%d/%m/%Y"))
        checks = [*checks, _check(day.is_not_null() & (day != pl.lit(file_date)), rule)]
    return checks


@cache
def cross_column_checks(column: Column) -> list[Check]:
    """The column's rules on more than its own value (null where a value is not of its type,
    which the type rule has said already)."""
    value = pl.col(column.name)
    checks = []
    if column.not_before:
        before = types.as_date(value) < types.as_date(pl.col(column.not_before))
        checks.append(_check(before, types.before_rule(column.not_before)))
    if column.prefix_of:
        checks.append(_check(types.group_not_card_prefix(value, pl.col(column.prefix_of)), types.CARD_PREFIX))
    return checks


def _check(failing: pl.Expr, rule: types.Rule) -> Check:
    return Check(failing, rule.reason, rule.reason_vi, rule.fix_hint)
