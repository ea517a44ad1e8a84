"""Text repair judges each distinct value once and puts repairs in place of the rows holding them;
it must clean exactly as the row-by-row repair it replaced (kept here as the reference): the
same cells, the same problems in the same order, on hostile generated columns."""

from __future__ import annotations

import unicodedata

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from mtqg_warehouse.ingest import messages
from mtqg_warehouse.ingest.rows import ROW_NUMBER, RowProblem
from mtqg_warehouse.ingest.text_fields import clean_text, suspicious_word
from mtqg_warehouse.text import legacy
from mtqg_warehouse.text.legacy import to_tcvn3, to_vni
from mtqg_warehouse.text.normalize import nfc

NAMES = ["Nguyễn Thị Hường", "Võ Thanh Khánh", "Lê Văn Tám", "Phường Nhà Mát", "Đặng Ấu", "Tám, Lê Văn"]
CODES = sorted({ch for codec in legacy._CODECS for ch in codec.codes})


def _forms(name: str) -> list[str]:
    nfd = unicodedata.normalize("NFD", name)
    return [name, nfd, to_tcvn3(name), to_vni(name), name.upper(), f"x{nfd}y", f" {nfd}  ", f"{name}\u200b"]


VALUES = st.one_of(
    st.none(),
    st.sampled_from([form for name in NAMES for form in _forms(name)] + ["Tran Van A", ""]),
    st.text(alphabet=st.sampled_from([*"aăâeêoôơuưđ ĐÂ\u0301\u0303\u0323,", *CODES]), max_size=12),
)
COLUMNS = st.lists(st.tuples(VALUES, VALUES), min_size=1, max_size=60)


def _reference(frame: pl.DataFrame, columns: list[str]) -> tuple[pl.DataFrame, list[RowProblem]]:
    """The repair as it was: rows holding a suspect (found with ``contains_any``) repaired one by
    one with every encoding assessed, then one ``replace`` per column."""
    problems: list[RowProblem] = []
    fixes_by_column: dict[str, dict[str, str]] = {}
    for column in columns:
        values = frame.get_column(column).drop_nulls().unique()
        words = values.str.split(" ").explode(empty_as_null=True).unique().drop_nulls()
        suspects = [w for w in words.to_list() if not w.isascii() and suspicious_word(w)]
        if not suspects:
            continue
        odd = frame.filter(pl.col(column).str.contains_any(suspects)).select(ROW_NUMBER, column)
        fixes: dict[str, str] = {}
        for row_number, value in odd.iter_rows():
            result = legacy._repair_assessed(unicodedata.normalize("NFC", value))
            if result.encoding and not result.safe:
                message = messages.UNSAFE_LEGACY_TEXT.format(detail=result.reason)
                problems.append(
                    RowProblem(row_number=row_number, field=column, message=message, value_as_sent=value)
                )
            else:
                fixes[value] = nfc(result.text)
        if fixes:
            fixes_by_column[column] = fixes
    if fixes_by_column:
        frame = frame.with_columns(pl.col(c).replace(f) for c, f in fixes_by_column.items())
    return frame, problems


@settings(max_examples=300, deadline=None)
@given(COLUMNS)
def test_repair_by_distinct_value_cleans_as_the_row_by_row_repair(
    rows: list[tuple[str | None, str | None]],
) -> None:
    frame = pl.DataFrame(
        {
            ROW_NUMBER: list(range(2, len(rows) + 2)),
            "borrower_name": [name for name, _ in rows],
            "group_code": [code for _, code in rows],
        },
        schema={ROW_NUMBER: pl.Int64, "borrower_name": pl.String, "group_code": pl.String},
    )
    cleaned, problems = clean_text(frame, ["borrower_name", "group_code"])
    expected, expected_problems = _reference(frame, ["borrower_name", "group_code"])
    assert cleaned.equals(expected)
    assert problems == expected_problems


def test_a_decomposed_name_inside_a_longer_word_is_repaired_too() -> None:
    """``contains_any`` found a suspect anywhere in a cell, not only as a whole word: still so."""
    nfd = unicodedata.normalize("NFD", "Tám")
    frame = pl.DataFrame({ROW_NUMBER: [2, 3], "name": [f"Lê{nfd}x", "Tám"]})
    cleaned, problems = clean_text(frame, ["name"])
    assert cleaned["name"].to_list() == ["LêTámx", "Tám"] and problems == []
