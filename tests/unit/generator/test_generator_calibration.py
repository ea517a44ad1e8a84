"""The demo preset reproduces every 2023 figure of the seed article, read from the files alone."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from mtqg_warehouse.contracts.model import load_contract
from mtqg_warehouse.generator.defects import IN_PLACE_KINDS

from gen_readback import (  # isort: skip
    csv_records,
    latest,
    manifest,
    money,
    sheet_records,
)


PREFIX = {"poverty_review": "ra_soat_", "support": "bao_cao_", "funds": "bao_cao_"}


def _clean(root: Path, feed: str, table: str | None, year: str) -> list[dict]:
    """Rows of 2023's latest file versions, minus every row the manifest names."""
    bad = {
        (d["file"], d["sheet"], d["row"])
        for d in manifest(root)
        if d["row"] and d["kind"] not in IN_PLACE_KINDS  # text damage leaves the figures alone
    }
    sheet = load_contract(feed).tables[table].sheet_vi if table else ""
    out = []
    for path in latest(root / feed, feed):
        if table and not path.name.startswith(PREFIX[table]):
            continue
        if f"_{year}" not in path.name:
            continue
        records = sheet_records(path, table) if table else csv_records(path, feed)
        out += [r for n, r in records if (path.name, sheet or "", str(n)) not in bad]
    return out


def test_poverty_transitions(demo_dir: Path) -> None:
    changes = defaultdict(int)
    for r in _clean(demo_dir, "ward_returns", "poverty_review", "2023"):
        changes[r["status_change"]] += 1
    assert changes["Thoát nghèo"] == 108
    assert changes["Thoát cận nghèo"] == 300


def test_support_figures(demo_dir: Path) -> None:
    rows = _clean(demo_dir, "ward_returns", "support", "2023")
    by = defaultdict(list)
    for r in rows:
        by[r["support_type_code"]].append(r)
    assert sum(int(r["quantity"]) for r in by["XAY_NHA"]) == 128
    assert sum(money(r["amount"]) for r in by["XAY_NHA"]) == 5_700_000_000
    assert len({r["household_code"] for r in by["TIEN_DIEN"]}) > 170
    assert sum(int(r["quantity"]) for r in by["DAO_TAO_NGHE"]) == 4145
    assert sum(int(r["quantity"]) for r in by["VIEC_LAM"]) == 7863
    assert len({r["household_code"] for r in by["DO_DAU"]}) == 108
    assert all(r["sponsor_name"] for r in by["DO_DAU"])


def test_funds(demo_dir: Path) -> None:
    alloc, spent = defaultdict(int), defaultdict(int)
    for r in _clean(demo_dir, "ward_returns", "funds", "2023"):
        alloc[(r["project_code"], r["funding_source_code"])] += money(r["allocated_amount"])
        spent[(r["project_code"], r["funding_source_code"])] += money(r["disbursed_amount"])
    assert alloc[("NGOAI-QASXH", "HD")] == 13_400_000_000
    under = {p for (p, s), a in alloc.items() if s != "HD" and spent[(p, s)] < a}
    assert under == {"DA2", "DA3-TDA1"}


def test_insurance_cards(demo_dir: Path) -> None:
    rows = _clean(demo_dir, "insurance", None, "2023")
    assert sum(1 for r in rows if not r["sponsor_name"]) == 2050
    assert sum(1 for r in rows if r["sponsor_name"]) == 262
