"""Every defect the generator planted ends up where it should, and every file's counts add up.

The generator writes a manifest of each defect (file, sheet, row, field, kind); the three
feeds are loaded from one inbox against a real PostgreSQL, and each manifest line is looked
up in `ops.rejected_rows`, `ops.load_audit` or the raw tables.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from mtqg_warehouse.contracts.model import feeds, load_contract
from mtqg_warehouse.ingest import csv_reader
from mtqg_warehouse.ingest.run import ingest_feed
from mtqg_warehouse.text.legacy import repair
from mtqg_warehouse.text.normalize import nfc
from tests.warehouse_reset import drop_warehouse_schemas

pytestmark = pytest.mark.integration

FEEDS = tuple(feeds())


@pytest.fixture(scope="module")
def loaded(test_database_url: str, tmp_path_factory: pytest.TempPathFactory, generate_city) -> dict:
    """Generate a small defective city once, load all three feeds, and read back the outcome."""
    out = generate_city(tmp_path_factory.mktemp("generated"), households=4000, seed=7, defect_rate=0.02)
    state = tmp_path_factory.mktemp("state")
    with pytest.MonkeyPatch.context() as patch:
        # small chunks, so repeats across chunks and chunks without rejections are exercised
        patch.setattr(csv_reader, "CHUNK_BYTES", 256)
        patch.setenv("WAREHOUSE_URL", test_database_url)
        patch.setenv("MTQG_STATE_DIR", str(state))
        _drop_schemas(test_database_url)
        for feed in FEEDS:
            shutil.copytree(out / feed, state / "inbox" / feed)
            ingest_feed(feed, run_id="defects", strict=False)
    with psycopg.connect(test_database_url) as conn:
        return {
            "manifest": list(csv.DictReader(open(out / "manifest" / "defects.csv", encoding="utf-8"))),
            "rejected": conn.execute(
                "select source_file, coalesce(sheet, ''), row_number, field, reason from ops.rejected_rows"
            ).fetchall(),
            "audit": {
                row[0]: row
                for row in conn.execute(
                    """select source_file, status, message, superseded_by, rows_read, rows_loaded,
                              rows_rejected, load_id
                       from ops.load_audit"""
                ).fetchall()
            },
            "cells": _raw_cells(conn),
            "raw_counts": dict(conn.execute(_RAW_COUNTS).fetchall()),
            "rejected_counts": dict(
                conn.execute(
                    "select load_id, count(distinct (coalesce(sheet, ''), row_number)) "
                    "from ops.rejected_rows group by load_id"
                ).fetchall()
            ),
            "generated": out,
            "state": state,
        }


_RAW_COUNTS = """
    select _load_id, count(*) from (
        select _load_id from raw_ward_returns.poverty_review
        union all select _load_id from raw_ward_returns.support
        union all select _load_id from raw_ward_returns.funds
        union all select _load_id from raw_bank.loan_events
        union all select _load_id from raw_insurance.cards
    ) as all_raw group by _load_id
"""


def _drop_schemas(url: str) -> None:
    drop_warehouse_schemas(url)


def _raw_cells(conn: psycopg.Connection) -> dict[tuple[str, str, int], dict]:
    """Every raw row by (file, sheet, row), as a dict of its columns."""
    cells = {}
    for table in (
        "raw_ward_returns.poverty_review",
        "raw_ward_returns.support",
        "raw_ward_returns.funds",
        "raw_bank.loan_events",
        "raw_insurance.cards",
    ):
        cursor = conn.execute(f"select * from {table}_lineage")
        names = [column.name for column in cursor.description]
        for values in cursor.fetchall():
            row = dict(zip(names, values, strict=True))
            cells[(row["_source_file"], row["_sheet"] or "", row["_row_number"])] = row
    return cells


def _rejected(reason_part: str, field_matters: bool = True) -> Callable[[dict, dict], str | None]:
    def check(defect: dict, data: dict) -> str | None:
        for source, sheet, row, field, reason in data["rejected"]:
            if (source, sheet, row) != (defect["file"], defect["sheet"], int(defect["row"])):
                continue
            if reason_part in reason and (not field_matters or field == defect["field"]):
                return None
        return f"not rejected with {reason_part!r}"

    return check


def _quarantined(problem_part: str) -> Callable[[dict, dict], str | None]:
    def check(defect: dict, data: dict) -> str | None:
        audit = data["audit"].get(defect["file"])
        if audit and audit[1] == "quarantined" and problem_part in (audit[2] or ""):
            return None
        return f"not quarantined for {problem_part!r}: {audit}"

    return check


def _repaired(defect: dict, data: dict) -> str | None:
    """Legacy-font and NFD text: loaded as proper NFC Unicode, or rejected as unsafe."""
    if _rejected("legacy font")(defect, data) is None:
        return None
    row = data["cells"].get((defect["file"], defect["sheet"], int(defect["row"])))
    if row is None:
        return "row neither loaded nor rejected"
    expected = nfc(repair(defect["detail"]).text)
    loaded = row[defect["field"]]
    return (
        None
        if loaded == expected and loaded != defect["detail"]
        else f"loaded {loaded!r}, sent {defect['detail']!r}"
    )


def _redelivered(defect: dict, data: dict) -> str | None:
    audit = data["audit"].get(defect["file"])
    return None if audit and audit[1] == "duplicate" else f"not recognised as a re-delivery: {audit}"


def _superseded(defect: dict, data: dict) -> str | None:
    earlier, later = data["audit"].get(defect["file"]), data["audit"].get(defect["detail"])
    if earlier and later and earlier[3] == later[7]:
        return None
    return f"{defect['file']} not superseded by {defect['detail']}"


def _loaded_whole(defect: dict, data: dict) -> str | None:
    audit = data["audit"].get(defect["file"])
    return None if audit and audit[1] == "loaded" and audit[5] > 0 else f"reordered file not loaded: {audit}"


EXPECTED: dict[str, Callable[[dict, dict], str | None]] = {
    "absurd_amount": _rejected("amount above"),
    "negative_amount": _rejected("negative amount"),
    "wrong_locale_number": _rejected("Vietnamese format"),
    "invalid_date": _rejected("not a valid date"),
    "malformed_date": _rejected("not a valid date"),
    "invalid_cccd": _rejected("citizen ID"),
    "invalid_card_number": _rejected("health-insurance card"),
    "unknown_ward_code": _rejected("unknown ward/commune code"),
    "unknown_hamlet_code": _rejected("unknown code"),
    "duplicate_row": _rejected("reported twice", field_matters=False),
    "conflicting_duplicate": _rejected("reported twice", field_matters=False),
    "nfd_text": _repaired,
    "tcvn3_text": _repaired,
    "vni_text": _repaired,
    "empty_file": _quarantined("empty"),
    "truncated_file": _quarantined("truncated"),
    "missing_required_column": _quarantined("missing required column"),
    "reordered_columns": _loaded_whole,
    "redelivered_file": _redelivered,
    "superseded_by_resubmission": _superseded,
}


def test_every_planted_defect_is_caught_with_the_right_reason(loaded: dict) -> None:
    kinds = {defect["kind"] for defect in loaded["manifest"]}
    assert kinds <= set(EXPECTED), f"manifest kinds without an expectation: {kinds - set(EXPECTED)}"
    assert len(kinds) >= 15, "the generator should plant most kinds of defect at this size"
    failures = [
        f"{d['kind']} {d['file']} {d['sheet']} row {d['row']} {d['field']}: {problem}"
        for d in loaded["manifest"]
        if (problem := EXPECTED[d["kind"]](d, loaded))
    ]
    assert failures == [], f"{len(failures)} of {len(loaded['manifest'])} defects missed:\n" + "\n".join(
        failures[:20]
    )


def test_every_loaded_file_reconciles(loaded: dict) -> None:
    for source, status, _, _, read, rows_loaded, rejected, load_id in loaded["audit"].values():
        if status != "loaded":
            continue
        assert read == rows_loaded + rejected, source
        assert loaded["raw_counts"].get(load_id, 0) == rows_loaded, source
        assert loaded["rejected_counts"].get(load_id, 0) == rejected, source


def test_csv_rows_read_match_the_lines_in_the_file(loaded: dict) -> None:
    generated: Path = loaded["generated"]
    checked = 0
    for path in sorted((generated / "bank").glob("*.csv")) + sorted((generated / "insurance").glob("*.csv")):
        audit = loaded["audit"].get(path.name)
        if not audit or audit[1] != "loaded":
            continue
        lines = [line for line in path.read_text(encoding="utf-8-sig").splitlines()[1:] if line.strip()]
        assert audit[4] == len(lines), path.name
        checked += 1
    assert checked > 100


def test_no_file_is_left_in_the_inbox(loaded: dict) -> None:
    statuses = {row[1] for row in loaded["audit"].values()}
    assert statuses <= {"loaded", "duplicate", "quarantined"}
    files = sum(1 for feed in FEEDS for _ in (loaded["generated"] / feed).iterdir())
    assert len(loaded["audit"]) == files


def test_each_file_with_rejections_gets_a_report_in_vietnamese(loaded: dict) -> None:
    archive = loaded["state"] / "archive"
    reports = sorted(archive.glob("*/*.rejections.csv"))
    files_with_rejections = {row[0] for row in loaded["rejected"]}
    assert len(reports) == len(files_with_rejections)
    with open(reports[0], encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [
        "row",
        "sheet",
        "field",
        "value_as_sent",
        "what_is_wrong",
        "how_to_fix",
        "detail_en",
    ]
    headers_vi = {c.header_vi for f in FEEDS for t in load_contract(f).tables.values() for c in t.columns}
    for row in rows:
        assert row["row"].isdigit()
        assert any(
            ch in row["what_is_wrong"] + row["how_to_fix"]
            for ch in "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệịọỏốồổỗộớờởỡợụủứừửữự"
        )
        assert all(part in headers_vi for part in row["field"].split(", ") if part)
