"""Tolerant but exact matching of typed unit names to codes."""

import pytest

from mtqg_warehouse.text import UnitMatcher

COMMUNES = UnitMatcher(
    [
        ("31819", "Phường 5"),
        ("31837", "Xã Vĩnh Trạch Đông"),
        ("31834", "Xã Vĩnh Trạch"),
        ("31843", "Phường Nhà Mát"),
        ("31850", "Thị trấn Hòa Bình"),
    ]
)
HAMLETS = UnitMatcher(
    [
        ("K3", "Khóm 3"),
        ("K10", "Khóm 10"),
        ("BDA", "Ấp Biển Đông A"),
        ("BDB", "Ấp Biển Đông B"),
    ]
)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("Phường 5", "31819"),
        ("phuong 5", "31819"),
        ("P.5", "31819"),
        ("P5", "31819"),
        ("p 005", "31819"),
        ("Phường 05", "31819"),
        ("PHƯỜNG 5", "31819"),
        ("Vĩnh Trạch Đông", "31837"),
        ("xa vinh trach dong", "31837"),
        ("X. Vĩnh Trạch Đông", "31837"),
        ("X Vĩnh Trạch Đông", "31837"),
        ("Vĩnh Trạch", "31834"),
        ("vinh trach", "31834"),
        ("Nhà Mát", "31843"),
        ("P. Nhà Mát", "31843"),
        ("TT Hòa Bình", "31850"),
        ("T.T. Hoa Binh", "31850"),
        ("thị trấn hòa bình", "31850"),
        ("  Phường\u00a05 ", "31819"),
    ],
)
def test_commune_spellings_match(raw: str, code: str) -> None:
    assert COMMUNES.match(raw) == code


@pytest.mark.parametrize(
    "raw",
    [
        "Phường 4",  # only Phường 5 exists
        "Xã 5",  # type typed, and it disagrees
        "Vĩnh",  # prefix of two names, never a partial match
        "Trạch Đông",
        "Vĩnh Trạch Đông Nam",
        "",
        "P.",
        "Thị trấn Nhà Mát",
    ],
)
def test_unknown_or_conflicting_names_give_none(raw: str) -> None:
    assert COMMUNES.match(raw) is None


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("Khóm 3", "K3"),
        ("khom 03", "K3"),
        ("K.3", "K3"),
        ("K3", "K3"),
        ("k10", "K10"),
        ("Ấp Biển Đông A", "BDA"),
        ("ap bien dong a", "BDA"),
        ("A. Biển Đông A", "BDA"),
        ("Biển Đông B", "BDB"),
    ],
)
def test_hamlet_spellings_match(raw: str, code: str) -> None:
    assert HAMLETS.match(raw) == code


@pytest.mark.parametrize("raw", ["Biển Đông", "Khóm 1", "Ấp 3"])
def test_hamlet_near_misses_give_none(raw: str) -> None:
    assert HAMLETS.match(raw) is None


def test_bare_number_matches_only_when_unique() -> None:
    assert HAMLETS.match("3") == "K3"
    mixed = UnitMatcher([("P5", "Phường 5"), ("K5", "Khóm 5")])
    assert mixed.match("5") is None
    assert mixed.match("K.5") == "K5"


def test_same_name_with_two_codes_is_ambiguous() -> None:
    matcher = UnitMatcher([("1", "Ấp Tân Long"), ("2", "Ấp Tân Long")])
    assert matcher.match("Tân Long") is None


def test_accents_separate_names_that_fold_alike() -> None:
    matcher = UnitMatcher([("1", "Ấp Hòa"), ("2", "Ấp Hóa")])
    assert matcher.match("Ấp Hòa") == "1"
    assert matcher.match("Hóa") == "2"
    assert matcher.match("ap hoa") is None  # unaccented input cannot choose


def test_name_starting_like_an_abbreviation_still_matches_itself() -> None:
    matcher = UnitMatcher([("1", "A Lưới"), ("2", "Xa Mát")])
    assert matcher.match("A Lưới") == "1"
    assert matcher.match("xa mat") == "2"
