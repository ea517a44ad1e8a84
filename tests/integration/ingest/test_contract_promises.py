"""What the contracts promise beyond each value's type is enforced when a file loads.

A card's validity may not end before it starts, a percentage is 0-100, a card number's
prefix is its beneficiary group, a bank file holds only its own day's events, and a key
"unique across files" is not loaded twice from two files (a correction of the same file
excepted). Each rejected row says why in English and Vietnamese.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from mtqg_warehouse.contracts.model import load_contract
from mtqg_warehouse.ingest.run import ingest_feed

pytestmark = pytest.mark.integration

BANK_ROW = (
    "{id},TK{i:010d},31825-{i:06d},0953{i:08d},Lê Văn Tám,31825,HN,HND,31825-HND-01,"
    "GN,10.000.000,{day},10.000.000,0\n"
)
CARD_ROW = "{card},0951230{i:05d},Nguyễn Văn An,P5-{i:05d},31819,{group},{start},{end},{share},,03/01/2025\n"


def _header(feed: str, table: str) -> str:
    return ",".join(column.header_vi for column in load_contract(feed).tables[table].columns) + "\n"


def _write(tmp_path: Path, feed: str, table: str, name: str, rows: list[str]) -> None:
    inbox = tmp_path / "state" / "inbox" / feed
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / name).write_text(_header(feed, table) + "".join(rows), encoding="utf-8")


def _card(i: int, card: str | None = None, group: str = "HN", start: str = "01/01/2025", **cells: str) -> str:
    values = {"end": "31/12/2025", "share": "100", **cells}
    return CARD_ROW.format(i=i, card=card or f"HN29500000{i:05d}", group=group, start=start, **values)


def _rejected(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select source_file, row_number, field, reason, reason_vi, fix_hint, original_text "
            "from ops.rejected_rows order by source_file, row_number, field"
        ).fetchall()


def _loaded(report: object) -> list[tuple]:
    return [(item["source_file"], item["rows_loaded"], item["rows_rejected"]) for item in report.loaded]  # type: ignore[attr-defined]


def test_a_card_valid_to_before_valid_from_is_rejected(warehouse: str, tmp_path: Path) -> None:
    rows = [_card(1), _card(2, end="31/12/2024"), _card(3, end="01/01/2025")]  # one day is fine
    _write(tmp_path, "insurance", "cards", "the_bhyt_95_202501.csv", rows)
    report = ingest_feed("insurance", run_id="dates", strict=False)
    assert _loaded(report) == [("the_bhyt_95_202501.csv", 2, 1)]
    [(_, row, field, reason, reason_vi, hint, _)] = _rejected(warehouse)
    assert (row, field, reason) == (3, "valid_to", "before valid_from")
    assert reason_vi and hint


def test_a_state_budget_share_outside_0_to_100_is_rejected(warehouse: str, tmp_path: Path) -> None:
    shares = ["0", "100", '"70,5"', '"100,01"', "-1", "250"]
    rows = [_card(i, share=share) for i, share in enumerate(shares, start=1)]
    _write(tmp_path, "insurance", "cards", "the_bhyt_95_202501.csv", rows)
    report = ingest_feed("insurance", run_id="share", strict=False)
    assert _loaded(report) == [("the_bhyt_95_202501.csv", 3, 3)]
    rejected = [(row, field, reason) for _, row, field, reason, *_ in _rejected(warehouse)]
    assert rejected == [
        (5, "state_budget_share_pct", "above the maximum 100"),
        (6, "state_budget_share_pct", "below the minimum 0"),
        (7, "state_budget_share_pct", "above the maximum 100"),
    ]
    assert all(vi and hint for *_, vi, hint, _ in _rejected(warehouse))


def test_a_beneficiary_group_must_match_the_card_prefix(warehouse: str, tmp_path: Path) -> None:
    rows = [
        _card(1, card="HN2959512345678", group="HN"),
        _card(2, card="HN2959512345679", group="CN"),  # a poor household's card, a near-poor group
        _card(3, card="9512345670", group="CN"),  # a 10-digit number has no prefix to compare
    ]
    _write(tmp_path, "insurance", "cards", "the_bhyt_95_202501.csv", rows)
    report = ingest_feed("insurance", run_id="prefix", strict=False)
    assert _loaded(report) == [("the_bhyt_95_202501.csv", 2, 1)]
    [(_, row, field, reason, reason_vi, hint, _)] = _rejected(warehouse)
    assert (row, field) == (3, "beneficiary_group")
    assert "prefix" in reason and reason_vi and hint


def test_a_bank_event_dated_another_day_than_its_file_is_rejected(warehouse: str, tmp_path: Path) -> None:
    days = ["04/05/2023", "03/05/2023", "4/5/2023", "05/05/2024"]
    rows = [BANK_ROW.format(id=f"GD{i:012d}", i=i, day=day) for i, day in enumerate(days, start=1)]
    _write(tmp_path, "bank", "loan_events", "vbsp_954_20230504.csv", rows)
    report = ingest_feed("bank", run_id="day", strict=False)
    assert _loaded(report) == [("vbsp_954_20230504.csv", 2, 2)]
    rejected = [(row, field, reason) for _, row, field, reason, *_ in _rejected(warehouse)]
    assert rejected == [
        (3, "event_date", "not the file's date 04/05/2023"),
        (5, "event_date", "not the file's date 04/05/2023"),
    ]


def test_a_transaction_id_loaded_from_another_file_is_rejected(warehouse: str, tmp_path: Path) -> None:
    first = [BANK_ROW.format(id=f"GD{i:012d}", i=i, day="04/05/2023") for i in (1, 2)]
    _write(tmp_path, "bank", "loan_events", "vbsp_954_20230504.csv", first)
    ingest_feed("bank", run_id="first", strict=False)
    again = [BANK_ROW.format(id=f"GD{i:012d}", i=i, day="05/05/2023") for i in (2, 3)]
    _write(tmp_path, "bank", "loan_events", "vbsp_954_20230505.csv", again)
    report = ingest_feed("bank", run_id="second", strict=False)
    assert _loaded(report) == [("vbsp_954_20230505.csv", 1, 1)]
    [(source, row, field, reason, reason_vi, hint, original)] = _rejected(warehouse)
    assert (source, row, field) == ("vbsp_954_20230505.csv", 2, "transaction_id")
    assert reason.startswith("already loaded from vbsp_954_20230504.csv") and reason_vi and hint
    assert original == again[0].rstrip("\n")
    with psycopg.connect(warehouse) as conn:
        ids = conn.execute("select transaction_id from raw_bank.loan_events order by 1").fetchall()
        audit = conn.execute(
            "select rows_read, rows_loaded, rows_rejected from ops.load_audit where source_file = %s",
            ["vbsp_954_20230505.csv"],
        ).fetchone()
    assert ids == [("GD000000000001",), ("GD000000000002",), ("GD000000000003",)]
    assert audit == (2, 1, 1)


def test_a_correction_of_the_same_file_repeats_its_keys(warehouse: str, tmp_path: Path) -> None:
    rows = [BANK_ROW.format(id=f"GD{i:012d}", i=i, day="04/05/2023") for i in (1, 2)]
    _write(tmp_path, "bank", "loan_events", "vbsp_954_20230504.csv", rows)
    ingest_feed("bank", run_id="first", strict=False)
    _write(
        tmp_path, "bank", "loan_events", "vbsp_954_20230504_02.csv", [*rows, rows[0].replace("01,", "09,", 1)]
    )
    report = ingest_feed("bank", run_id="correction", strict=False)
    assert _loaded(report) == [("vbsp_954_20230504_02.csv", 3, 0)]
    assert _rejected(warehouse) == []


def test_a_card_loaded_from_another_month_is_rejected(warehouse: str, tmp_path: Path) -> None:
    _write(tmp_path, "insurance", "cards", "the_bhyt_95_202501.csv", [_card(1), _card(2)])
    ingest_feed("insurance", run_id="january", strict=False)
    _write(tmp_path, "insurance", "cards", "the_bhyt_95_202502.csv", [_card(2), _card(2, start="01/02/2025")])
    report = ingest_feed("insurance", run_id="february", strict=False)
    assert _loaded(report) == [("the_bhyt_95_202502.csv", 1, 1)]
    [(source, row, field, reason, *_)] = _rejected(warehouse)
    assert (source, row, field) == ("the_bhyt_95_202502.csv", 2, "card_number, valid_from")
    assert "the_bhyt_95_202501.csv" in reason
