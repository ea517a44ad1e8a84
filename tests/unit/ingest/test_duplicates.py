"""Repeated keys are found across chunks, with the row they repeat; the hash bitmap only
decides which rows get a closer look, never which are rejected."""

from __future__ import annotations

import polars as pl
import pytest

from mtqg_warehouse.contracts.model import load_contract
from mtqg_warehouse.ingest import duplicates
from mtqg_warehouse.ingest.duplicates import DuplicateTracker
from mtqg_warehouse.ingest.rows import ROW_NUMBER

CHUNKS = [
    {"transaction_id": ["GD1", "GD2", "GD1", None], ROW_NUMBER: [2, 3, 4, 5]},
    {"transaction_id": ["GD3", "GD2", "GD4", "GD3"], ROW_NUMBER: [6, 7, 8, 9]},
    {"transaction_id": ["GD5", "GD1"], ROW_NUMBER: [10, 11]},
]


def _repeats(seen_bits: int, monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, str]]:
    monkeypatch.setattr(duplicates, "SEEN_BITS", seen_bits)
    tracker = DuplicateTracker(load_contract("bank").tables["loan_events"])
    found = []
    for chunk in CHUNKS:
        rejected = tracker.repeats(pl.DataFrame(chunk))
        found += list(zip(rejected["row_number"].to_list(), rejected["reason"].to_list(), strict=True))
    return sorted(found)


@pytest.mark.parametrize("seen_bits", [25, 1], ids=["sparse bitmap", "every row a suspect"])
def test_repeats_name_the_first_row_whatever_the_bitmap(
    seen_bits: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _repeats(seen_bits, monkeypatch) == [
        (4, "reported twice in this file (first at row 2)"),
        (7, "reported twice in this file (first at row 3)"),
        (9, "reported twice in this file (first at row 6)"),
        (11, "reported twice in this file (first at row 2)"),
    ]
