"""nfc() is what gets stored, fold() what gets compared."""

import unicodedata

import pytest

from mtqg_warehouse.text import fold, nfc


def test_nfc_composes_decomposed_vietnamese() -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Hường")
    assert decomposed != "Nguyễn Thị Hường"
    assert nfc(decomposed) == "Nguyễn Thị Hường"


def test_nfc_removes_zero_width_characters_even_between_letter_and_mark() -> None:
    # A zero-width joiner between "e" and its marks would otherwise block composition.
    assert nfc("Nguye\u200d\u0302\u0303n\u200b Th\ufeffị") == "Nguyễn Thị"


def test_nfc_collapses_whitespace_including_no_break_spaces() -> None:
    assert nfc("  Phường \u00a0\t 5 \n") == "Phường 5"


def test_nfc_keeps_soft_hyphen_because_it_is_tcvn3_for_u_horn() -> None:
    assert nfc("Ph\u00adêng") == "Ph\u00adêng"


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("Phường 5", "phuong 5"),
        ("PHƯỜNG  5", "phuong 5"),
        ("phuong 5", "phuong 5"),
        ("P.5", "p 5"),
        ("Xã Vĩnh Trạch Đông", "xa vinh trach dong"),
        ("ĐẮK LẮK", "dak lak"),
        ("Ấp Biển Đông - A", "ap bien dong a"),
        (unicodedata.normalize("NFD", "Hòa Bình"), "hoa binh"),
        ("  ", ""),
    ],
)
def test_fold_is_accent_case_and_punctuation_insensitive(raw: str, key: str) -> None:
    assert fold(raw) == key


def test_fold_keeps_distinct_letters_distinct() -> None:
    assert fold("Vĩnh Trạch") != fold("Vĩnh Trạch Đông")
    assert fold("Khóm 3") != fold("Khóm 8")
