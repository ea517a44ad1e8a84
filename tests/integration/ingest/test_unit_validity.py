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
