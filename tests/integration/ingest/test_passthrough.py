"""Lines go to COPY as they were sent, yet the raw table holds exactly what the checks
passed: cleaned values, the file's own row numbers, and no rejected line."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from mtqg_warehouse.contracts import reference
from mtqg_warehouse.contracts.model import load_contract
from mtqg_warehouse.ingest import csv_reader
from mtqg_warehouse.ingest.run import ingest_feed

pytestmark = pytest.mark.integration

GOOD = (
    "GD{n:012d},TK{n:010d},31825-{n:06d},095300000{n:03d},Lê Văn Tám,31825,HN,HND,31825-HND-01,"
    "GN,10.000.000,04/05/2023,10.000.000,0"
)


def _bank_file(inbox: Path, line_end: bytes) -> dict[int, str]:
    """Rows 2-14 of a bank file, each a different case; returns what row number holds what."""
    header = ",".join(column.header_vi for column in load_contract("bank").tables["loan_events"].columns)
    cases = {
        2: GOOD.format(n=2),
        3: GOOD.format(n=3).replace("Lê Văn Tám", '"Tám, Lê Văn"'),  # quoted comma: rewritten
        4: "",  # blank line: skipped, not a row
        5: GOOD.format(n=5).replace(",HN,", ",  HN ,"),  # padded code: trimmed
        6: GOOD.format(n=6) + ",extra",  # one field too many
        7: GOOD.format(n=7).replace("Lê Văn Tám", "Voõ Thanh Khaùnh"),  # VNI: repaired
        8: GOOD.format(n=8).replace(",31825,", ",P.5,"),  # ward name: turned into its code
        9: GOOD.format(n=9).replace("04/05/2023", "2023-05-04"),  # wrong date: rejected
        10: GOOD.format(n=2),  # repeats row 2: rejected
        11: GOOD.format(n=11).replace("Lê Văn Tám", 'Lê "Tám'),  # unclosed quote
        12: GOOD.format(n=12).replace("Lê Văn Tám", "Lê\x00Tám"),  # NUL byte
        13: GOOD.format(n=13),
        14: GOOD.format(n=14).replace("Lê Văn Tám", '"Tám"Lê'),  # text after a closing quote
    }
    body = line_end.join([header.encode(), *(text.encode() for text in cases.values())]) + line_end
    (inbox / "vbsp_954_20230504.csv").write_bytes(body)
    return cases


@pytest.mark.parametrize("line_end", [b"\n", b"\r\n"], ids=["lf", "crlf"])
def test_raw_rows_are_the_checked_rows_with_the_files_row_numbers(
    warehouse: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line_end: bytes
) -> None:
    monkeypatch.setattr(csv_reader, "CHUNK_BYTES", 300)  # several chunks, so numbering must carry on
    inbox = tmp_path / "state" / "inbox" / "bank"
    inbox.mkdir(parents=True)
    _bank_file(inbox, line_end)
    report = ingest_feed("bank", run_id="passthrough", strict=False)
    with psycopg.connect(warehouse) as conn:
        loaded = {
            row[0]: row[1:]
            for row in conn.execute(
                "select _row_number, borrower_name, program_code, ward_code, transaction_id "
                "from raw_bank.loan_events_lineage"
            )
        }
        rejected = dict(
            conn.execute("select row_number, reason from ops.rejected_rows order by row_number").fetchall()
        )
    assert sorted(loaded) == [2, 3, 5, 7, 8, 13]
    assert loaded[2] == ("Lê Văn Tám", "HN", "31825", "GD000000000002")
    assert loaded[3][0] == "Tám, Lê Văn"
    assert loaded[5][1] == "HN"
    assert loaded[7][0] == "Võ Thanh Khánh"
    assert loaded[8][2] == next(u["code"] for u in reference.seed_rows("units") if u["name"] == "Phường 5")
    assert sorted(rejected) == [6, 9, 10, 11, 12, 14]
    assert "15 fields" in rejected[6]
    assert rejected[9] == "not a valid date"
    assert "first at row 2" in rejected[10]
    assert "quote is not closed" in rejected[11]
    assert "NUL" in rejected[12]
    assert "not valid CSV" in rejected[14]
    (load,) = report.loaded
    assert (load["rows_read"], load["rows_loaded"], load["rows_rejected"]) == (12, 6, 6)


def test_a_file_with_an_unnamed_trailing_column_is_loaded_from_its_values(
    warehouse: str, tmp_path: Path
) -> None:
    """Excel often writes a trailing comma: the lines cannot go as sent, so all are re-written."""
    inbox = tmp_path / "state" / "inbox" / "bank"
    inbox.mkdir(parents=True)
    header = ",".join(column.header_vi for column in load_contract("bank").tables["loan_events"].columns)
    lines = [header + ",", GOOD.format(n=2) + ",", GOOD.format(n=3) + ",x", GOOD.format(n=4) + ","]
    (inbox / "vbsp_954_20230504.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = ingest_feed("bank", run_id="trailing", strict=False)
    with psycopg.connect(warehouse) as conn:
        loaded = conn.execute(
            "select _row_number, transaction_id, is_overdue from raw_bank.loan_events order by 1"
        ).fetchall()
        rejected = conn.execute("select row_number, field, value_as_sent from ops.rejected_rows").fetchall()
    assert loaded == [(2, "GD000000000002", "0"), (4, "GD000000000004", "0")]
    assert rejected == [(3, "column 15 (no header)", "x")], "a value under no header is not dropped unseen"
    assert (report.loaded[0]["rows_loaded"], report.loaded[0]["rows_rejected"]) == (2, 1)
