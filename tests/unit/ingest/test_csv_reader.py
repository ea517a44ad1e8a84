"""The CSV reader on the awkward files real senders produce; no database needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from mtqg_warehouse.contracts.model import load_contract
from mtqg_warehouse.ingest import csv_reader
from mtqg_warehouse.ingest.errors import FileRejected

TABLE = load_contract("insurance").tables["cards"]
HEADER = ",".join(column.header_vi for column in TABLE.columns)
GOOD = "HN2950000000101,095123000101,Nguyễn Văn An,P5-00101,31819,HN,01/01/2023,31/12/2023,100,,03/01/2023"


def _read(tmp_path: Path, body: str | bytes, chunk_bytes: int | None = None, monkeypatch=None):
    path = tmp_path / "the_bhyt_95_202301.csv"
    path.write_bytes(body if isinstance(body, bytes) else body.encode("utf-8"))
    if chunk_bytes:
        monkeypatch.setattr(csv_reader, "CHUNK_BYTES", chunk_bytes)
    result = csv_reader.read_csv(path, TABLE)
    chunks = [thunk() for thunk in result.chunks]
    rows = [row for chunk in chunks for row in chunk.frame.iter_rows(named=True)]
    problems = [problem for chunk in chunks for problem in chunk.problems]
    return rows, problems, chunks


def test_quoted_commas_bom_crlf_and_blank_lines(tmp_path: Path) -> None:
    sponsored = GOOD.replace(",,03/01", ',"Hội Chữ thập đỏ, TP Bạc Liêu",03/01')
    rows, problems, _ = _read(tmp_path, "\ufeff" + HEADER + "\r\n" + GOOD + "\r\n\r\n" + sponsored + "\r\n")
    assert problems == []
    assert [row["_row_number"] for row in rows] == [2, 4]
    assert rows[1]["sponsor_name"] == "Hội Chữ thập đỏ, TP Bạc Liêu"
    assert rows[0]["sponsor_name"] is None


@pytest.mark.parametrize("invisible", ["\ufeff", "\u200b"])
def test_an_invisible_character_at_a_cell_edge_is_no_part_of_its_value(
    tmp_path: Path, invisible: str
) -> None:
    """A byte-order mark pasted at a row's start (files joined by hand) or a zero-width space
    would otherwise make a key that looks like another and is not."""
    padded = invisible + GOOD.replace(",Nguyễn Văn An,", f",Nguyễn Văn An{invisible},")
    rows, problems, _ = _read(tmp_path, HEADER + "\n" + GOOD + "\n" + padded + "\n")
    assert problems == []
    first_column = TABLE.columns[0].name
    assert rows[1][first_column] == rows[0][first_column] == GOOD.split(",")[0]
    assert rows[1]["holder_name"] == "Nguyễn Văn An"


def test_wrong_width_and_unclosed_quotes_are_row_problems_not_file_errors(tmp_path: Path) -> None:
    body = "\n".join([HEADER, GOOD, GOOD + ",extra", GOOD.replace(",Nguyễn", ',"Nguyễn'), GOOD]) + "\n"
    rows, problems, chunks = _read(tmp_path, body)
    assert [row["_row_number"] for row in rows] == [2, 5]
    assert [(p.row_number, p.message.reason.split(":")[0]) for p in problems] == [
        (3, "row has 12 fields, the header has 11"),
        (4, "row is not valid CSV"),
    ]
    assert sum(chunk.rows_read for chunk in chunks) == 4


def test_row_numbers_run_on_across_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    body = HEADER + "\n" + "\n".join([GOOD] * 50) + "\n"
    rows, _, chunks = _read(tmp_path, body, chunk_bytes=300, monkeypatch=monkeypatch)
    assert len(chunks) > 10
    assert [row["_row_number"] for row in rows] == list(range(2, 52))


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("", "empty"),
        (HEADER + "\n" + GOOD, "no line break: the file may be truncated"),
        (HEADER.replace("Số CCCD,", "") + "\n", "missing required column"),
        (HEADER + ",Ghi chú\n", "unexpected column"),
    ],
)
def test_unreadable_files_are_refused_with_the_reason(tmp_path: Path, body: str, problem: str) -> None:
    with pytest.raises(FileRejected, match=problem):
        _read(tmp_path, body)


@pytest.mark.parametrize("marks", [b"\x1a", b"\x1a\x1a"])
def test_the_end_of_file_mark_of_dos_tools_is_no_row(tmp_path: Path, marks: bytes) -> None:
    rows, _, _ = _read(tmp_path, (HEADER + "\r\n" + GOOD + "\r\n").encode() + marks)
    assert [row["_row_number"] for row in rows] == [2]
    with pytest.raises(FileRejected, match="empty"):
        _read(tmp_path, marks)


@pytest.mark.parametrize(("separator", "named"), [(";", "semicolons"), ("\t", "tabs")])
def test_a_file_separated_by_another_character_is_refused_naming_it(
    tmp_path: Path, separator: str, named: str
) -> None:
    body = HEADER.replace(",", separator) + "\n" + GOOD.replace(",", separator) + "\n"
    with pytest.raises(FileRejected, match=f"separated by {named}, not commas"):
        _read(tmp_path, body)


def test_a_file_not_in_utf8_is_refused(tmp_path: Path) -> None:
    row = GOOD.encode("utf-8").replace("Nguyễn".encode(), b"Nguy\xea\xe3n")  # a Windows-1258 name
    with pytest.raises(FileRejected, match="row 2: not UTF-8 text \\(byte 34 of the line\\)"):
        _read(tmp_path, (HEADER + "\n").encode() + row + b"\n")
    good = (GOOD + "\n").encode()
    with pytest.raises(FileRejected, match="row 4: not UTF-8"):
        _read(tmp_path, (HEADER + "\n").encode() + good * 2 + row + b"\n" + good)
