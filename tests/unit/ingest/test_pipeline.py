"""The checked chunks of a table come out in file order, and their rejections and counts come
back as the table's outcome; no database needed, the COPY side is played by the test."""

from __future__ import annotations

from pathlib import Path

import pytest

from mtqg_warehouse.contracts.model import load_contract
from mtqg_warehouse.ingest import csv_reader
from mtqg_warehouse.ingest.errors import FileRejected
from mtqg_warehouse.ingest.pipeline import CheckedChunks
from mtqg_warehouse.ingest.rows import RowCounts

TABLE = load_contract("insurance").tables["cards"]
HEADER = ",".join(column.header_vi for column in TABLE.columns)
GOOD = (
    "HN29500000{n:05d},0951230{n:05d},Nguyễn Văn An,P5-00101,31819,HN,01/01/2023,31/12/2023,100,,03/01/2023"
)


def _checked(tmp_path: Path, lines: list[str], monkeypatch: pytest.MonkeyPatch) -> CheckedChunks:
    path = tmp_path / "the_bhyt_95_202301.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    monkeypatch.setattr(csv_reader, "CHUNK_BYTES", 400)  # a few rows a chunk
    result = csv_reader.read_csv(path, TABLE)
    return CheckedChunks(result.chunks, TABLE, result.copy_shape, ward_code=None)


def test_outcome_holds_every_chunks_rejections_and_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [GOOD.format(n=n) for n in range(2, 22)]
    lines[3] += ",extra"  # row 5: one field too many
    lines[10] = GOOD.format(n=2)  # row 12: repeats row 2, in a later chunk
    lines[15] = lines[15].replace("01/01/2023", "2023-01-01")  # row 17: not a date
    checked = _checked(tmp_path, lines, monkeypatch)
    payloads = list(checked)
    outcome = checked.outcome()
    assert len(payloads) > 3, "the file should come in several chunks"
    assert outcome.counts == RowCounts(read=20, loaded=17, rejected=3)
    rejected = outcome.rejected.sort("row_number")
    assert rejected["row_number"].to_list() == [5, 12, 17]
    assert rejected["reason"].to_list() == [
        "row has 12 fields, the header has 11",
        "reported twice in this file (first at row 2)",
        "not a valid date",
    ]
    assert rejected["original_text"].to_list()[1] == GOOD.format(n=2)


def test_outcome_is_refused_before_every_chunk_was_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked = _checked(tmp_path, [GOOD.format(n=2)], monkeypatch)
    with pytest.raises(RuntimeError, match="once every chunk"):
        checked.outcome()


def test_a_file_error_found_on_the_producer_thread_reaches_the_copy_side(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csv_reader, "MAX_ROWS", 5)
    checked = _checked(tmp_path, [GOOD.format(n=n) for n in range(2, 22)], monkeypatch)
    with pytest.raises(FileRejected, match="more than 5 rows"):
        list(checked)
