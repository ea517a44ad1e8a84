"""Text cells as Vietnamese officials type them: NFC, and legacy fonts repaired or refused.

Legacy-font text (TCVN3, VNI) often uses only characters that proper Vietnamese also uses
("Voõ Thanh Khaùnh"), so no character filter can find it; words can. Each column's distinct
words (a few thousand, even for a million names) are judged once in Python, cached across
chunks; only cells holding a suspicious word go through the repair, and the fixes are
applied to the column in one vectorised replace.
"""

from __future__ import annotations

import itertools
import unicodedata
from functools import lru_cache

import polars as pl

from mtqg_warehouse.ingest import messages
from mtqg_warehouse.ingest.rows import ROW_NUMBER, RowProblem


@lru_cache(maxsize=200_000)
def suspicious_word(word: str) -> bool:
    """Not NFC, or reads as TCVN3/VNI mojibake (see mtqg_warehouse.text.legacy)."""
    from mtqg_warehouse.text.legacy import detect_legacy

    if not unicodedata.is_normalized("NFC", word):
        return True
    if any(a.islower() and b.isupper() for a, b in itertools.pairwise(word)):
        return True
    return detect_legacy(word) is not None


def clean_text(frame: pl.DataFrame, columns: list[str]) -> tuple[pl.DataFrame, list[RowProblem]]:
    """NFC and legacy repair where needed; cells that cannot be repaired safely become problems."""
    problems: list[RowProblem] = []
    fixes_by_column: dict[str, dict[str, str]] = {}
    for column in columns:
        words = _non_ascii_words(frame, column)
        suspects = [word for word in words if suspicious_word(word)]
        if not suspects:
            continue
        odd = frame.filter(pl.col(column).str.contains_any(suspects)).select(ROW_NUMBER, column)
        fixes, unsafe = _repairs(odd, column)
        problems += unsafe
        if fixes:
            fixes_by_column[column] = fixes
    if fixes_by_column:
        frame = frame.with_columns(pl.col(c).replace(f) for c, f in fixes_by_column.items())
    return frame, problems


def _non_ascii_words(frame: pl.DataFrame, column: str) -> list[str]:
    """Distinct words with a non-ASCII letter: names repeat, so distinct values come first."""
    values = frame.get_column(column)
    if not (values.str.len_bytes() != values.str.len_chars()).any():  # all ASCII: cheap to prove
        return []
    values = values.drop_nulls().unique()
    non_ascii = values.filter(~values.str.contains(r"^[\x00-\x7F]*$"))
    if non_ascii.is_empty():
        return []
    words = non_ascii.str.split(" ").explode(empty_as_null=True).unique()
    return words.filter(~words.str.contains(r"^[\x00-\x7F]*$")).to_list()


def _repairs(odd: pl.DataFrame, column: str) -> tuple[dict[str, str], list[RowProblem]]:
    """The column's repairs, value by value, and the cells that cannot be repaired safely."""
    from mtqg_warehouse.text.legacy import repair
    from mtqg_warehouse.text.normalize import nfc

    fixes: dict[str, str] = {}
    unsafe: list[RowProblem] = []
    for row_number, value in odd.iter_rows():
        result = repair(value)
        if result.encoding and not result.safe:
            message = messages.UNSAFE_LEGACY_TEXT.format(detail=result.reason)
            problem = RowProblem(row_number=row_number, field=column, message=message, value_as_sent=value)
            unsafe.append(problem)
        else:
            fixes[value] = nfc(result.text)
    return fixes, unsafe
