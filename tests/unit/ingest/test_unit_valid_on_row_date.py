"""A row's ward must have existed on the row's own date (contract columns with ``valid_on``)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from mtqg_warehouse.contracts.model import load_contract
from mtqg_warehouse.ingest.rows import ROW_NUMBER
from mtqg_warehouse.ingest.unit_validity import rows_outside_validity, unit_problem_on

BANK = load_contract("bank").tables["loan_events"]


def _frame(rows: list[tuple[int, str | None, str | None]]) -> pl.DataFrame:
    numbers, wards, days = zip(*rows, strict=True)
    frame = pl.DataFrame({ROW_NUMBER: list(numbers), "ward_code": list(wards), "event_date": list(days)})
    return frame.with_columns(pl.col(ROW_NUMBER).cast(pl.Int64))


def test_the_bank_contract_checks_the_borrowers_ward_on_the_event_date() -> None:
    assert BANK.column("ward_code").valid_on == "event_date"


def test_an_abolished_ward_is_refused_after_its_last_day_and_a_reused_code_is_not() -> None:
    problems = rows_outside_validity(
        _frame(
            [
                (2, "31813", "30/06/2025"),  # Phường 2's last day
                (3, "31813", "01/07/2025"),  # merged into Phường Bạc Liêu
                (4, "31825", "01/07/2025"),  # Phường Bạc Liêu reuses Phường 1's code
                (5, "31825", "30/06/2025"),
                (6, "31813", "31/02/2026"),  # not a date: its type rule says so
                (7, "00954", "01/07/2025"),  # not a ward: its type rule says so
                (8, None, "01/07/2025"),
                (9, "31813", "01/07/2025"),
            ]
        ),
        BANK,
    )
    assert [(p.row_number, p.field, p.value_as_sent) for p in problems] == [
        (3, "ward_code", "31813"),
        (9, "ward_code", "31813"),
    ]
    assert "successor 31825" in problems[0].message.reason


def test_the_message_names_the_version_nearest_the_day() -> None:
    message = unit_problem_on("31837", dt.date(2026, 3, 1), "event_date")
    assert message is not None
    assert message.reason == (
        "ward 31837 (Xã Vĩnh Trạch Đông) did not exist on 2026-03-01, the row's event_date: "
        "valid 2000-01-01 to 2025-06-30, successor 31840"
    )
    assert unit_problem_on("31840", dt.date(2026, 3, 1), "event_date") is None  # Phường Hiệp Thành
    assert unit_problem_on("31837", dt.date(2023, 3, 1), "event_date") is None
