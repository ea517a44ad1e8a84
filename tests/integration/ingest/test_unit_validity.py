"""A unit is (code, valid from, valid to): a return under the code of a ward that did not exist
in its period is rejected row by row, saying so in English and Vietnamese."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import psycopg
import pytest
from return_workbooks import NOT_POOR, UNCHANGED, deliver_review, review_row

from mtqg_warehouse.ingest.run import ingest_feed

pytestmark = pytest.mark.integration


def test_a_2026_return_under_an_abolished_wards_code_is_rejected(warehouse: str, tmp_path: Path) -> None:
    inbox = tmp_path / "state" / "inbox" / "ward_returns"
    day = dt.date(2026, 10, 5)
    # Phường 2 (31813) merged into Phường Bạc Liêu on 1 July 2025; Phường Bạc Liêu kept 31825
    abolished = deliver_review(
        inbox,
        "31813",
        2026,
        [review_row("31813-000001", "31813-K01", 5_000_000, 0, NOT_POOR, UNCHANGED, day)],
    )
    successor = deliver_review(
        inbox,
        "31825",
        2026,
        [review_row("31825-000001", "31825-K01", 5_000_000, 0, NOT_POOR, UNCHANGED, day)],
    )
    report = ingest_feed("ward_returns", run_id="2026", strict=False)
    counts = {item["source_file"]: (item["rows_loaded"], item["rows_rejected"]) for item in report.loaded}
    assert counts == {abolished: (0, 1), successor: (1, 0)}
    with psycopg.connect(warehouse) as conn:
        ((field, reason, reason_vi, sent),) = conn.execute(
            "select field, reason, reason_vi, value_as_sent from ops.rejected_rows"
        ).fetchall()
    assert field == "ward_code (file name)" and sent == "31813"
    assert "ward 31813 (Phường 2) did not exist in 2026" in reason and "successor 31825" in reason
    assert "sáp nhập" in reason_vi


def test_a_code_that_is_no_ward_rejects_every_row(warehouse: str, tmp_path: Path) -> None:
    inbox = tmp_path / "state" / "inbox" / "ward_returns"
    row = review_row("95400-000001", "31825-K01", 5_000_000, 0, NOT_POOR, UNCHANGED, dt.date(2023, 10, 5))
    name = deliver_review(inbox, "00954", 2023, [row])
    report = ingest_feed("ward_returns", run_id="district", strict=False)
    assert [(i["source_file"], i["rows_loaded"]) for i in report.loaded] == [(name, 0)]


BANK_ROW = (
    "GD{i:08d},TK{i:010d},{ward}-{i:06d},0953{i:08d},Lê Văn Tám,{ward},HN,HND,{ward}-HND-01,"
    "GN,10.000.000,{day},10.000.000,0\n"
)


def _bank_file(inbox: Path, name: str, rows: list[tuple[int, str, str]]) -> str:
    from mtqg_warehouse.contracts.model import load_contract

    columns = load_contract("bank").tables["loan_events"].columns
    inbox.mkdir(parents=True, exist_ok=True)
    body = "".join(BANK_ROW.format(i=i, ward=ward, day=day) for i, ward, day in rows)
    (inbox / name).write_text(",".join(c.header_vi for c in columns) + "\n" + body, encoding="utf-8")
    return name


def test_a_bank_event_under_a_ward_that_no_longer_existed_on_its_day_is_rejected(
    warehouse: str, tmp_path: Path
) -> None:
    """Per row, at the event's date: Phường 2 (31813) lends in 2023, not in August 2025, when
    31825 is Phường Bạc Liêu (a code the old Phường 1 also held, so both days are fine)."""
    inbox = tmp_path / "state" / "inbox" / "bank"
    before = _bank_file(
        inbox, "vbsp_954_20230502.csv", [(1, "31813", "02/05/2023"), (2, "31825", "02/05/2023")]
    )
    after = _bank_file(
        inbox,
        "vbsp_954_20250801.csv",
        [(3, "31825", "01/08/2025"), (4, "31813", "01/08/2025"), (5, "31825", "01/08/2025")],
    )
    report = ingest_feed("bank", run_id="units", strict=False)
    counts = {item["source_file"]: (item["rows_loaded"], item["rows_rejected"]) for item in report.loaded}
    assert counts == {before: (2, 0), after: (2, 1)}
    with psycopg.connect(warehouse) as conn:
        rejected = conn.execute(
            "select source_file, row_number, field, reason, reason_vi, fix_hint, value_as_sent "
            "from ops.rejected_rows"
        ).fetchall()
        loaded = conn.execute(
            "select ward_code, count(*) from raw_bank.loan_events group by 1 order by 1"
        ).fetchall()
    [(source_file, row, field, reason, reason_vi, hint, sent)] = rejected
    assert (source_file, row, field, sent) == (after, 3, "ward_code", "31813")
    assert reason == (
        "ward 31813 (Phường 2) did not exist on 2025-08-01, the row's event_date: "
        "valid 2000-01-01 to 2025-06-30, successor 31825"
    )
    assert "không tồn tại" in reason_vi and "01/07/2025" in hint
    assert loaded == [("31813", 1), ("31825", 3)]
