"""Determinism, manifest truthfulness and contract conformance of the generated feeds."""

from __future__ import annotations

import hashlib
import unicodedata
from pathlib import Path

import polars as pl
from conftest import make
from gen_readback import csv_records, latest, manifest, sheet_records
from python_calamine import CalamineWorkbook

from mtqg_warehouse.contracts.model import load_contract
from mtqg_warehouse.contracts.types import contract_type

SMALL = ("--preset", "none", "--households", "1500", "--years", "1", "--start-year", "2023")


def _digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "summary.json"
    }


def test_same_seed_same_bytes_different_seed_differs(tmp_path: Path) -> None:
    a = _digest(make(tmp_path / "a", *SMALL, "--defect-rate", "0.02"))
    b = _digest(make(tmp_path / "b", *SMALL, "--defect-rate", "0.02", "--workers", "1"))
    c = _digest(make(tmp_path / "c", *SMALL, "--defect-rate", "0.02", "--seed", "7"))
    assert a == b
    assert a != c


def _cell(root: Path, d: dict[str, str]) -> object:
    feed = "bank" if d["file"].startswith("vbsp") else "insurance"
    if d["file"].endswith(".xlsx"):
        table = next(t for t in load_contract("ward_returns").tables.values() if t.sheet_vi == d["sheet"])
        records = dict(sheet_records(root / "ward_returns" / d["file"], table.name))
    else:
        records = dict(csv_records(root / feed / d["file"], feed))
    return records[int(d["row"])][d["field"]]


def test_every_row_defect_is_where_the_manifest_says(demo_dir: Path) -> None:
    defects = manifest(demo_dir)
    kinds = {d["kind"] for d in defects}
    assert {
        "invalid_date",
        "duplicate_row",
        "conflicting_duplicate",
        "nfd_text",
        "tcvn3_text",
        "invalid_cccd",
        "invalid_card_number",
        "unknown_ward_code",
        "unknown_hamlet_code",
        "wrong_locale_number",
        "negative_amount",
        "absurd_amount",
        "empty_file",
        "truncated_file",
        "missing_required_column",
        "reordered_columns",
        "redelivered_file",
        "superseded_by_resubmission",
    } <= kinds
    for d in defects[::7]:
        if not d["row"]:
            continue
        value = _cell(demo_dir, d)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        assert str(value) == d["detail"], d
        if d["kind"] == "invalid_date":
            assert d["detail"].startswith("31/02/")
        if d["kind"] == "nfd_text":
            assert unicodedata.normalize("NFC", str(value)) != str(value)


def test_file_level_defects(demo_dir: Path) -> None:
    for d in manifest(demo_dir):
        feed = "bank" if d["file"].startswith("vbsp") else "ward_returns"
        path = demo_dir / feed / d["file"]
        if d["kind"] == "empty_file":
            assert path.stat().st_size == 0
        if d["kind"] == "redelivered_file":
            assert path.read_bytes() == (demo_dir / feed / d["detail"]).read_bytes()


def _check_value(kind: str, value: object) -> None:
    """A clean generated cell is of its column's contract type, by the loader's own rule."""
    if kind not in ("date", "number", "integer", "cccd", "flag01", "bhyt_card"):
        return
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    accepted = pl.select(contract_type(kind).accepts(pl.lit(text))).item()
    assert accepted, f"{text!r} is not a {kind}"


def test_clean_output_conforms_to_contracts(small_clean: Path) -> None:
    assert manifest(small_clean) == []
    contract = load_contract("ward_returns")
    for path in latest(small_clean / "ward_returns", "ward_returns")[:6]:
        names = CalamineWorkbook.from_path(str(path)).sheet_names
        for table in contract.tables.values():
            if table.sheet_vi not in names:
                continue
            for _, rec in sheet_records(path, table.name):
                assert list(rec) == table.column_names
                for col in table.columns:
                    if col.required:
                        _check_value(col.type, rec[col.name])
    for feed in ("bank", "insurance"):
        spec = next(iter(load_contract(feed).tables.values()))
        for path in latest(small_clean / feed, feed)[:5]:
            for _, rec in csv_records(path, feed):
                assert list(rec) == spec.column_names
                for col in spec.columns:
                    if col.required:
                        _check_value(col.type, rec[col.name])


def _feed_of(name: str) -> str:
    return next(f for f in ("ward_returns", "bank", "insurance") if load_contract(f).file_names.accepts(name))


def test_every_generated_name_is_one_the_loader_accepts(tmp_path: Path) -> None:
    """Names come from the contracts' renderer: each parses, and each spoilt first version's
    correction is a later version of the same kind, sender and period."""
    root = make(tmp_path / "named", *SMALL, "--defect-rate", "0.05")
    for feed in ("ward_returns", "bank", "insurance"):
        names = load_contract(feed).file_names
        assert all(names.parse(path.name) for path in (root / feed).iterdir())
    superseded = [d for d in manifest(root) if d["kind"] in ("empty_file", "superseded_by_resubmission")]
    assert superseded
    for d in superseded:
        names = load_contract(_feed_of(d["file"])).file_names
        first, correction = names.parse(d["file"]), names.parse(d["detail"])
        same = ("kind", "sender", "period")
        assert [getattr(first, part) for part in same] == [getattr(correction, part) for part in same]
        assert (first.version or 1) < (correction.version or 1)
