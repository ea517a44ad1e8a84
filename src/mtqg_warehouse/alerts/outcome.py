"""A GX validation outcome as plain data: what `ops.publish_log.validation` keeps and alerts read.

Written against ``publication.validation.ValidationOutcome`` but tolerant of its shape: each
failed check may or may not carry an expected range, a failing-row count or failing rows with
their lineage (file, sheet, row, ward). What is missing is derived where it can be (the
expected range from the suite's YAML) and otherwise left out, never guessed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from mtqg_warehouse.publication.suites import SUBJECT_KWARGS

# the names failing-row lineage may go by, first match wins
_ROW_FIELDS = {
    "file": ("file", "source_file", "file_name"),
    "sheet": ("sheet", "sheet_name"),
    "row": ("row", "row_number", "source_row_number", "excel_row"),
    "ward": ("ward", "ward_code"),
    "feed": ("feed",),
    "value": ("value", "value_as_sent", "observed"),
}


def outcome_record(outcome: object) -> dict[str, Any]:
    """``{success, checks_passed, checks_failed, data_docs, failures: [...]}``, JSON-ready."""
    data = _as_dict(outcome)
    return {
        "success": bool(data.get("success")),
        "checks_passed": data.get("checks_passed"),
        "checks_failed": data.get("checks_failed"),
        "data_docs": data.get("data_docs"),
        "failures": [failure_record(failure) for failure in data.get("failures") or []],
    }


def failure_record(failure: object) -> dict[str, Any]:
    data = {key: _jsonable(value) for key, value in _as_dict(failure).items()}
    record: dict[str, Any] = {
        "suite": data.get("suite"),
        "expectation": data.get("expectation") or data.get("expectation_type") or data.get("type"),
        "column": data.get("column"),
        "observed": data.get("observed", data.get("observed_value")),
    }
    expected = data.get("expected") or data.get("expected_range")
    if expected is None:
        expected = expected_from_suite(record["suite"], record["expectation"], record["column"])
    record["expected"] = expected
    rows = data.get("failing_rows") or data.get("rows") or data.get("unexpected_rows") or []
    record["failing_rows"] = [row_record(row) for row in rows if row is not None]
    count = data.get("failing_count", data.get("unexpected_count", data.get("rows_failed")))
    if count is not None:
        record["failing_count"] = count
    # whatever else the validation module records (relation, feed, ward, ...) is kept as is
    for key, value in data.items():
        if key not in record and key not in ("rows", "unexpected_rows", "expected_range"):
            record[key] = value
    return record


def row_record(row: object) -> dict[str, Any]:
    data = _as_dict(row)
    record = {}
    for name, candidates in _ROW_FIELDS.items():
        for candidate in candidates:
            if data.get(candidate) not in (None, ""):
                record[name] = _jsonable(data[candidate])
                break
    return record


def expected_from_suite(suite: str | None, expectation: str | None, column: str | None) -> dict | None:
    """The expectation's own arguments in ``expectations/suites`` (its range, set or pattern)."""
    if not suite or not expectation:
        return None
    for spec in _suite_specs():
        if spec.get("suite") != suite:
            continue
        for item in spec.get("expectations") or []:
            kwargs = item.get("kwargs") or {}
            if item.get("type") == expectation and kwargs.get("column") == column:
                return {key: value for key, value in kwargs.items() if key not in SUBJECT_KWARGS}
    return None


@cache
def _suite_specs() -> tuple[dict, ...]:
    from mtqg_warehouse.publication.suites import suite_specs

    return tuple(suite_specs())


def _as_dict(value: object) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return dict(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: getattr(value, field.name) for field in dataclasses.fields(value)}
    return dict(getattr(value, "__dict__", {}))


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _jsonable(_as_dict(value))
    if isinstance(value, Iterable):
        return [_jsonable(item) for item in value]
    return str(value)
