"""Text cells as Vietnamese officials type them: NFC, and legacy fonts repaired or refused.

Legacy-font text (TCVN3, VNI) often uses only characters that proper Vietnamese also uses
("Voõ Thanh Khaùnh"), so no character filter can find it; words can. Each column's distinct
words (a few thousand, even for a million names) are judged once in Python, cached across
chunks; only the distinct values holding a suspicious word go through the repair, and the
fixes are put in place of the rows holding them.
"""

from __future__ import annotations

import itertools
import unicodedata
from functools import lru_cache

import numpy as np
import polars as pl

from mtqg_warehouse.ingest import messages
from mtqg_warehouse.ingest.rows import ROW_NUMBER, RowProblem

_ASCII_ONLY = r"^[\x00-\x7F]*$"
_VALUE = "value"
_WORD = "word"


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
    repaired: list[pl.Series] = []
    for column in columns:
        values = frame.get_column(column)
        odd = _odd_values(values)
        if odd.is_empty():
            continue
        fixes, unsafe = _repairs(odd.to_list())
        if unsafe:
            problems += _unsafe_rows(frame, column, unsafe)
        if fixes:
            repaired.append(_replaced(values, fixes))
    if repaired:
        frame = frame.with_columns(repaired)
    return frame, problems


def _odd_values(values: pl.Series) -> pl.Series:
    """The distinct values that hold a suspicious word, or part of one: names repeat, so
    distinct values come first, then their distinct words with a non-ASCII letter (a few
    thousand), each judged once; a value is odd when one of its words holds a suspect."""
    odd = pl.Series(values.name, [], pl.String)
    if not (values.str.len_bytes() != values.str.len_chars()).any():  # all ASCII: cheap to prove
        return odd
    distinct = values.drop_nulls().unique()
    non_ascii = distinct.filter(~distinct.str.contains(_ASCII_ONLY))
    if non_ascii.is_empty():
        return odd
    pairs = (
        non_ascii.to_frame(_VALUE)
        .with_columns(pl.col(_VALUE).str.split(" ").alias(_WORD))
        .explode(_WORD, empty_as_null=True)
    )
    words = pairs.get_column(_WORD).unique()
    words = words.filter(~words.str.contains(_ASCII_ONLY))
    suspects = [word for word in words.to_list() if suspicious_word(word)]
    if not suspects:
        return odd
    holding = words.filter(words.str.contains_any(suspects))  # a suspect has no space: it is in a word
    return pairs.filter(pl.col(_WORD).is_in(holding.implode())).get_column(_VALUE).unique(maintain_order=True)


def _repairs(values: list[str]) -> tuple[dict[str, str], dict[str, str | None]]:
    """Each value's repair where it changes the value, and the values that cannot be repaired
    safely, with why."""
    from mtqg_warehouse.text.legacy import repair
    from mtqg_warehouse.text.normalize import nfc

    fixes: dict[str, str] = {}
    unsafe: dict[str, str | None] = {}
    for value in values:
        result = repair(value)
        if result.encoding and not result.safe:
            unsafe[value] = result.reason
        elif (fixed := nfc(result.text)) != value:
            fixes[value] = fixed
    return fixes, unsafe


def _unsafe_rows(frame: pl.DataFrame, column: str, unsafe: dict[str, str | None]) -> list[RowProblem]:
    """One problem per row holding a value that cannot be repaired safely, in row order."""
    rows = frame.filter(pl.col(column).is_in(pl.Series(list(unsafe), dtype=pl.String).implode()))
    return [
        RowProblem(
            row_number=row_number,
            field=column,
            message=messages.UNSAFE_LEGACY_TEXT.format(detail=unsafe[value]),
            value_as_sent=value,
        )
        for row_number, value in rows.select(ROW_NUMBER, column).iter_rows()
    ]


def _replaced(values: pl.Series, fixes: dict[str, str]) -> pl.Series:
    """The column with the repaired values put in place of the rows holding them."""
    keys = pl.Series(list(fixes), dtype=pl.String)
    rows = np.flatnonzero(values.is_in(keys.implode()).fill_null(False).to_numpy())
    repaired = [fixes[value] for value in values.gather(rows).to_list()]
    return values.scatter(rows, pl.Series(repaired, dtype=pl.String))
