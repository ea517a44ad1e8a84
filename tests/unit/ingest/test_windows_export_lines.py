"""A Windows export (CRLF line ends, a byte-order mark) is read, checked and sent to COPY exactly
as the same lines with LF ends, which is how the loader always read it (it used to turn every
CRLF into LF first): the same rejections, counts and COPY lines, only the line ends differ.
Lines are generated from hostile cases (decomposed and legacy-font names, quoted commas,
padded codes, stray carriage returns, NUL bytes, broken quotes, blank lines ...); no database."""

from __future__ import annotations

import unicodedata
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mtqg_warehouse.contracts.model import load_contract
from mtqg_warehouse.ingest import csv_reader
from mtqg_warehouse.ingest.chunk_checks import check_chunk
from mtqg_warehouse.ingest.pipeline import CheckedChunks
from mtqg_warehouse.ingest.rows import RowCounts

TABLE = load_contract("bank").tables["loan_events"]
HEADER = ",".join(column.header_vi for column in TABLE.columns)
FILE = "vbsp_954_20230504.csv"
DAY = date(2023, 5, 4)
GOOD = (
    "GD{n:012d},TK{n:010d},31825-{n:06d},095300000{n:03d},Lê Văn Tám,31825,HN,HND,31825-HND-01,"
    "GN,10.000.000,04/05/2023,10.000.000,0"
)
NAME = "Lê Văn Tám"

CASES = {
    "good": lambda line: line,
    "nfd_name": lambda line: line.replace(NAME, unicodedata.normalize("NFD", NAME)),
    "comma_name": lambda line: line.replace(NAME, '"Tám, Lê Văn"'),
    "escaped_quotes": lambda line: line.replace(NAME, '"Lê Văn ""Tám"""'),
    "quote_inside": lambda line: line.replace(NAME, 'Phạm Văn "Tư"'),
    "padded_code": lambda line: line.replace(",HN,", ",  HN ,"),
    "padded_last": lambda line: line + " ",
    "tab_padded": lambda line: line.replace(",HND,", ",\tHND,"),
    "nbsp_padded": lambda line: line.replace(",GN,", ",GN\u00a0,"),
    "vni_name": lambda line: line.replace(NAME, "Voõ Thanh Khaùnh"),
    "ward_name": lambda line: line.replace(",31825,", ",P.5,"),
    "wrong_date": lambda line: line.replace("04/05/2023", "2023-05-04"),
    "other_day": lambda line: line.replace("04/05/2023", "05/05/2023"),
    "extra_field": lambda line: line + ",extra",
    "trailing_comma": lambda line: line + ",",
    "unclosed_quote": lambda line: line.replace(NAME, 'Lê "Tám'),
    "text_after_quote": lambda line: line.replace(NAME, '"Tám"Lê'),
    "nul_byte": lambda line: line.replace(NAME, "Lê\x00Tám"),
    "stray_return": lambda line: line.replace(NAME, "Lê\rTám"),
    "quoted_return": lambda line: line.replace(NAME, '"Lê\rTám"'),
    "empty_quoted_name": lambda line: line.replace(NAME, '""'),
    "blank": lambda line: "",
    "commas_only": lambda line: "," * 13,
    "spaces_only": lambda line: "   ",
}

LINES = st.lists(
    st.tuples(st.sampled_from(sorted(CASES)), st.integers(min_value=2, max_value=60)), min_size=1, max_size=40
)


def _lines(cases: list[tuple[str, int]]) -> list[str]:
    return [CASES[case](GOOD.format(n=n)) for case, n in cases]


def _outcome(path: Path) -> tuple[bytes, list[dict], RowCounts]:
    result = csv_reader.read_csv(path, TABLE)
    checked = CheckedChunks(result.chunks, TABLE, result.copy_shape, ward_code=None, file_date=DAY)
    sent = b"".join(bytes(part) for payload in checked for part in payload)
    outcome = checked.outcome()
    rejected = outcome.rejected.sort(["row_number", "field", "reason"], nulls_last=True)
    return sent, rejected.to_dicts(), outcome.counts


def _write(folder: Path, name: str, body: bytes) -> Path:
    folder = folder / name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / FILE
    path.write_bytes(body)
    return path


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cases=LINES, chunk_bytes=st.sampled_from([200, 700, 5_000, 1 << 20]), bom=st.booleans())
def test_crlf_lines_load_as_their_lf_twins(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    cases: list[tuple[str, int]],
    chunk_bytes: int,
    bom: bool,
) -> None:
    monkeypatch.setattr(csv_reader, "CHUNK_BYTES", chunk_bytes)
    folder = tmp_path_factory.mktemp("lines")
    lines = [HEADER, *_lines(cases)]
    text = "\n".join(lines) + "\n"
    lf = _outcome(_write(folder, "lf", text.encode()))
    windows = ("\ufeff" if bom else "") + "\r\n".join(lines) + "\r\n"
    crlf_sent, crlf_rejected, crlf_counts = _outcome(_write(folder, "crlf", windows.encode()))
    assert crlf_counts == lf[2]
    assert crlf_rejected == lf[1]
    assert crlf_sent.replace(b"\r\n", b"\n") == lf[0]
    assert crlf_sent.count(b"\n") == crlf_sent.count(b"\r\n"), "COPY wants one kind of line end"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cases=LINES, ends=st.lists(st.booleans(), min_size=41, max_size=41), header_crlf=st.booleans())
def test_mixed_line_ends_load_as_lf_lines_sent_in_the_headers_ends(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    cases: list[tuple[str, int]],
    ends: list[bool],
    header_crlf: bool,
) -> None:
    """A file whose lines end some one way, some the other: rows as if all ended in LF, and
    every line sent to COPY ends as the header line does."""
    monkeypatch.setattr(csv_reader, "CHUNK_BYTES", 300)
    folder = tmp_path_factory.mktemp("mixed")
    lines = _lines(cases)
    lf = _outcome(_write(folder, "lf", ("\n".join([HEADER, *lines]) + "\n").encode()))
    body = HEADER + ("\r\n" if header_crlf else "\n")
    body += "".join(line + ("\r\n" if crlf else "\n") for line, crlf in zip(lines, ends, strict=False))
    sent, rejected, counts = _outcome(_write(folder, "mixed", body.encode()))
    assert (counts, rejected) == (lf[2], lf[1])
    assert sent.replace(b"\r\n", b"\n") == lf[0]
    crlf_lines = sent.count(b"\r\n")
    assert crlf_lines == (sent.count(b"\n") if header_crlf else 0)


def test_a_carriage_return_before_a_windows_line_end_is_read_by_the_csv_module(tmp_path: Path) -> None:
    """ "...0\\r\\r\\n": a stray CR before the line end. The csv module reads it as the line's
    end, as it always did (the row loads), and the row is re-written with the file's ends."""
    body = "\r\n".join([HEADER, GOOD.format(n=2) + "\r", GOOD.format(n=3)]) + "\r\n"
    sent, rejected, counts = _outcome(_write(tmp_path, "cr", body.encode()))
    assert counts == RowCounts(read=2, loaded=2, rejected=0) and rejected == []
    assert sent == f"{GOOD.format(n=2)}\r\n{GOOD.format(n=3)}\r\n".encode()


def test_a_windows_export_stores_nfc_names_trimmed_codes_and_unquoted_commas(tmp_path: Path) -> None:
    cases = ["nfd_name", "comma_name", "padded_code"]
    lines = [CASES[case](GOOD.format(n=n)) for n, case in enumerate(cases, start=2)]
    path = _write(tmp_path, "w", ("\ufeff" + "\r\n".join([HEADER, *lines]) + "\r\n").encode())
    result = csv_reader.read_csv(path, TABLE)
    frames = [check_chunk(thunk(), TABLE, None, file_date=DAY).frame for thunk in result.chunks]
    rows = pl.concat(frames).sort("_row_number").select("borrower_name", "program_code").rows()
    assert rows == [(NAME, "HN"), ("Tám, Lê Văn", "HN"), (NAME, "HN")]
    assert result.copy_shape is not None and result.copy_shape.line_end == b"\r\n"
