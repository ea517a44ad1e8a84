"""Reads generated files back the way a loader would: by contract headers, latest version."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from python_calamine import CalamineWorkbook

from mtqg_warehouse.contracts.file_names import FileNameRefused
from mtqg_warehouse.contracts.model import load_contract


def manifest(root: Path) -> list[dict[str, str]]:
    with (root / "manifest" / "defects.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def latest(folder: Path, feed: str) -> list[Path]:
    """Highest version per (kind, ward/office, period); empty/unparsable names skipped."""
    names = load_contract(feed).file_names
    best: dict[tuple, tuple[int, Path]] = {}
    for path in sorted(folder.iterdir()):
        try:
            parsed = names.parse(path.name)
        except FileNameRefused:
            continue
        key = (parsed.kind, parsed.sender, parsed.period)
        version = parsed.version or 1
        if key not in best or version > best[key][0]:
            best[key] = (version, path)
    return [p for _, p in sorted(best.values(), key=lambda v: v[1].name)]


def sheet_records(path: Path, table: str) -> list[tuple[int, dict[str, object]]]:
    """(sheet row number, {column name: value}) for data rows, stopping at the footer."""
    spec = load_contract("ward_returns").tables[table]
    by_header = {c.header_vi: c.name for c in spec.columns}
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(spec.sheet_vi).to_python()
    header = [by_header.get(str(h), str(h)) for h in rows[3]]
    out = []
    for n, values in enumerate(rows[4:], start=5):
        first = next((str(v) for v in values if v not in ("", None)), "")
        if first.startswith("Tổng"):
            break
        out.append((n, dict(zip(header, values, strict=False))))
    return out


def csv_records(path: Path, feed: str) -> list[tuple[int, dict[str, str]]]:
    spec = next(iter(load_contract(feed).tables.values()))
    by_header = {c.header_vi: c.name for c in spec.columns}
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header = [by_header.get(h, h) for h in rows[0]]
    return [(n, dict(zip(header, r, strict=False))) for n, r in enumerate(rows[1:], start=2)]


def money(value: object) -> int:
    text = str(value)
    if not re.fullmatch(r"\d{1,3}(\.\d{3})*", text):
        raise ValueError(text)
    return int(text.replace(".", ""))
