"""The alert's wording: built from facts alone, so every case is cheap to pin down."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from mtqg_warehouse.alerts.message import MAX_ROWS, AlertFacts, compose, expected_text
from mtqg_warehouse.alerts.outcome import outcome_record
from mtqg_warehouse.publication.validation import FailedCheck, ValidationOutcome


def _failed_validation() -> AlertFacts:
    outcome = ValidationOutcome(
        success=False,
        checks_passed=6,
        checks_failed=1,
        failures=[
            FailedCheck(
                "fct_insurance_cards", "expect_column_values_to_be_between", "state_budget_share_pct", "3"
            )
        ],
        data_docs="file:///state/gx/uncommitted/data_docs/local_site/index.html",
    )
    validation = outcome_record(outcome)
    return AlertFacts(
        kind="validation",
        dag_id="build_warehouse",
        task_id="audit_publication",
        run_id="asset_triggered__2025",
        feeds=["insurance"],
        files=[{"feed": "insurance", "file": "the_bhyt_95_202501.csv", "ward": "31825"}],
        publication="pub_00007",
        shown="pub_00006",
        validation=validation,
        data_docs=validation["data_docs"],
    )


def test_a_failed_validation_names_check_observed_expected_files_and_docs() -> None:
    alert = compose(_failed_validation())
    assert "Validation failed" in alert.subject and "Kiểm định không đạt" in alert.subject
    assert "(insurance)" in alert.subject
    vietnamese, english = alert.text.split("-" * 60)
    # the expected range comes from the suite's YAML when the outcome does not carry it
    assert (
        "expect_column_values_to_be_between on column state_budget_share_pct (suite fct_insurance_cards): "
        "observed 3; expected between 0 and 100" in english
    )
    assert "giá trị quan sát 3; yêu cầu từ 0 đến 100" in vietnamese
    for text in (vietnamese, english):
        assert "the_bhyt_95_202501.csv" in text and "31825" in text
        assert "pub_00007" in text and "pub_00006" in text
        assert "file:///state/gx/uncommitted/data_docs/local_site/index.html" in text
    assert "Dashboards still show publication pub_00006, unchanged." in english
    assert unicodedata.is_normalized("NFC", alert.text) and unicodedata.is_normalized("NFC", alert.subject)
    assert alert.html.startswith("<pre") and "&lt;" not in alert.text


@dataclass(frozen=True)
class _Row:
    """What the gate's failing rows may look like: lineage under its own names."""

    source_file: str
    sheet: str | None
    row_number: int
    ward_code: str


@dataclass(frozen=True)
class _RicherCheck:
    suite: str
    expectation: str
    column: str | None
    observed: str
    expected: dict
    failing_count: int
    failing_rows: list[_Row]
    relation: str


def test_failing_rows_are_listed_with_file_sheet_and_row_and_the_rest_counted() -> None:
    rows = [_Row("ra_soat_31825_2023.xlsx", "ho_ngheo", 10 + n, "31825") for n in range(8)]
    check = _RicherCheck(
        "fct_household_status",
        "expect_column_values_to_be_between",
        "income_per_head",
        "-5",
        {"min_value": 0},
        120,
        rows,
        "fct_household_status",
    )
    outcome = ValidationOutcome(success=False, checks_passed=3, checks_failed=1, failures=[check])  # type: ignore[list-item]
    facts = _failed_validation()
    facts.validation = outcome_record(outcome)
    text = compose(facts).text
    assert "observed -5; expected at least 0" in text
    assert "file ra_soat_31825_2023.xlsx, sheet ho_ngheo, row 10, ward 31825" in text
    assert "tệp ra_soat_31825_2023.xlsx, trang ho_ngheo, dòng 10, phường/xã 31825" in text
    assert f"row {10 + MAX_ROWS - 1}," in text and f"row {10 + MAX_ROWS}," not in text
    assert f"... and {120 - MAX_ROWS} more row(s)" in text
    assert "failing rows (120)" in text
    assert facts.validation["failures"][0]["relation"] == "fct_household_status"  # extra fields kept


def test_a_failed_task_names_the_task_its_error_and_its_files() -> None:
    facts = AlertFacts(
        kind="task",
        dag_id="ingest_insurance_feed",
        task_id="check_quarantine",
        run_id="manual__1",
        error="insurance: 1 file(s) not taken: the_bhyt_95_202502.csv",
        feeds=["insurance"],
        files=[
            {
                "feed": "insurance",
                "file": "the_bhyt_95_202502.csv",
                "status": "quarantined",
                "message": "empty file",
            }
        ],
        log_url="http://127.0.0.1:8080/dags/ingest_insurance_feed/runs/manual__1",
    )
    alert = compose(facts)
    assert alert.subject.startswith(
        "[MTQG] Tác vụ thất bại / Task failed: ingest_insurance_feed.check_quarantine"
    )
    assert "the_bhyt_95_202502.csv (feed insurance): quarantined - empty file" in alert.text
    assert "Error: insurance: 1 file(s) not taken" in alert.text
    assert "Lỗi: insurance: 1 file(s) not taken" in alert.text
    assert "Task log: http://127.0.0.1:8080/dags/ingest_insurance_feed/runs/manual__1" in alert.text
    assert "Dashboards" not in alert.text  # a load failure does not concern what is published


def test_expected_ranges_read_as_a_person_says_them() -> None:
    assert expected_text("x", {"min_value": 0, "max_value": 1}, "en") == "between 0 and 1"
    assert expected_text("x", {"min_value": 0, "max_value": 1}, "vi") == "từ 0 đến 1"
    assert expected_text("x", {"max_value": 1}, "en") == "at most 1"
    assert expected_text("x", {"value_set": ["HN", "CN"]}, "en") == "one of {HN, CN}"
    assert expected_text("x", {"regex": "^[0-9]{5}$"}, "vi") == "khớp mẫu ^[0-9]{5}$"
    assert expected_text("expect_column_values_to_not_be_null", {}, "en") == "no empty values"
    assert expected_text("expect_something_new", None, "en") == "see the suite"
    assert expected_text("x", "0.9 of households", "en") == "0.9 of households"


def test_an_outcome_of_any_shape_becomes_plain_data() -> None:
    record = outcome_record(
        {
            "success": False,
            "failures": [{"suite": "s", "type": "t", "observed_value": 7, "rows": [{"file": "f", "row": 2}]}],
        }
    )
    assert record["failures"][0] == {
        "suite": "s",
        "expectation": "t",
        "column": None,
        "observed": 7,
        "expected": None,
        "failing_rows": [{"file": "f", "row": 2}],
        "type": "t",
        "observed_value": 7,
    }
    assert outcome_record(None) == {
        "success": False,
        "checks_passed": None,
        "checks_failed": None,
        "data_docs": None,
        "failures": [],
    }
