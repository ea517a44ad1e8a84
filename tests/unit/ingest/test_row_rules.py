"""The rules on more than a value alone say each problem once: a value its type refuses is
not also said to be out of order, off its card's prefix or off the file's day."""

from __future__ import annotations

from datetime import date

import polars as pl

from mtqg_warehouse.contracts.model import load_contract
from mtqg_warehouse.ingest.checks import find_rejections
from mtqg_warehouse.ingest.rows import ROW_NUMBER


def _cards(**columns: list[str | None]) -> pl.DataFrame:
    table = load_contract("insurance").tables["cards"]
    good = {
        "card_number": "HN2959512345678",
        "holder_national_id": "095123000101",
        "holder_name": "Nguyễn Văn An",
        "household_code": "P5-00101",
        "ward_code": "31819",
        "beneficiary_group": "HN",
        "valid_from": "01/01/2025",
        "valid_to": "31/12/2025",
        "state_budget_share_pct": "100",
        "sponsor_name": None,
        "issued_date": "03/01/2025",
    }
    rows = len(next(iter(columns.values())))
    data = {name: columns.get(name, [good[name]] * rows) for name in table.column_names}
    frame = {ROW_NUMBER: list(range(2, rows + 2)), **data}
    return pl.DataFrame(frame, schema_overrides={"sponsor_name": pl.String})


def _found(
    frame: pl.DataFrame, feed: str = "insurance", table: str = "cards", day: date | None = None
) -> list:
    rejected = find_rejections(frame, load_contract(feed).tables[table], day)
    return sorted(rejected.select("row_number", "field", "reason").iter_rows())


def test_an_invalid_date_is_said_once_not_also_out_of_order() -> None:
    frame = _cards(valid_to=["31/02/2025", "31/12/2024", None])
    found = _found(frame)
    assert [(row, field) for row, field, _ in found] == [(2, "valid_to"), (3, "valid_to"), (4, "valid_to")]
    reasons = [reason for *_, reason in found]
    assert reasons == ["not a valid date", "before valid_from", "required value is missing"]


def test_a_card_prefix_is_compared_only_on_valid_cards_of_15_characters() -> None:
    frame = _cards(
        card_number=["CN3959512345678", "9512345670", "ZZ95", None, "CN9959512345678"],
        beneficiary_group=["HN", "CN", "HN", "HN", "HN"],
    )
    found = [(row, field) for row, field, _ in _found(frame)]
    assert found == [(2, "beneficiary_group"), (4, "card_number"), (5, "card_number"), (6, "card_number")]


def test_the_file_date_rule_applies_only_with_a_file_date() -> None:
    columns = load_contract("bank").tables["loan_events"].column_names
    values = {name: ["x", "x"] for name in columns}
    frame = pl.DataFrame({ROW_NUMBER: [2, 3], **values, "event_date": ["04/05/2023", "05/05/2023"]})
    found = _found(frame, "bank", "loan_events", date(2023, 5, 4))
    on_day = [row for row, field, _ in found if field == "event_date"]
    undated = [row for row, field, _ in _found(frame, "bank", "loan_events") if field == "event_date"]
    assert (on_day, undated) == ([3], [])


def test_an_amount_written_as_an_english_thousand_is_refused_not_read_as_decimals() -> None:
    columns = load_contract("bank").tables["loan_events"].column_names
    amounts = ["425,000", "1,500", "425.000", "425,5", "10.000.000,00", "0,125", "1425,000"]
    values = {name: ["x"] * len(amounts) for name in columns}
    rows = list(range(2, len(amounts) + 2))
    frame = pl.DataFrame({ROW_NUMBER: rows, **values, "amount": amounts})
    found = _found(frame, "bank", "loan_events")
    ambiguous = [(row, field) for row, field, reason in found if reason.startswith("ambiguous")]
    assert [(amounts[row - 2], field) for row, field in ambiguous] == [
        ("425,000", "amount"),
        ("1,500", "amount"),
    ]
