"""TCVN3 and VNI tables, round trips, detection and the safe/unsafe repair contract."""

import dataclasses
import shutil
import subprocess
import unicodedata

import pytest

from mtqg_warehouse.text import (
    RepairResult,
    detect_legacy,
    from_tcvn3,
    from_vni,
    repair,
    to_tcvn3,
    to_vni,
)

TONES = ("", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323")
VOWELS = ("a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y")
LOWER = sorted({unicodedata.normalize("NFC", v + t) for v in VOWELS for t in TONES} - set("aeiouy") | {"đ"})
UPPER = [ch.upper() for ch in LOWER]
TCVN3_UPPER = ["Ă", "Â", "Ê", "Ô", "Ơ", "Ư", "Đ"]  # the only capitals TCVN3 (VN3) codes

PHRASES = [
    "Phường Nhà Mát",
    "Xã Vĩnh Trạch Đông",
    "Khóm 3",
    "Ấp Biển Đông A",
    "Nguyễn Thị Hường",
    "Hộ nghèo",
    "Thành phố Bạc Liêu",
]


def test_alphabet_is_134_letters() -> None:
    assert len(LOWER) == 67
    assert len(set(LOWER) | set(UPPER)) == 134


@pytest.mark.parametrize("letter", LOWER + TCVN3_UPPER)
def test_tcvn3_round_trips_every_letter_it_defines(letter: str) -> None:
    code = to_tcvn3(letter)
    assert len(code) == 1
    assert "\u00a1" <= code <= "\u00fe"
    assert from_tcvn3(code) == letter


def test_tcvn3_codes_are_distinct() -> None:
    codes = [to_tcvn3(letter) for letter in LOWER + TCVN3_UPPER]
    assert len(set(codes)) == 74


@pytest.mark.parametrize("letter", sorted(set(UPPER) - set(TCVN3_UPPER)))
def test_tcvn3_leaves_toned_capitals_alone(letter: str) -> None:
    assert to_tcvn3(letter) == letter


@pytest.mark.skipif(shutil.which("iconv") is None, reason="needs iconv")
def test_tcvn3_agrees_with_glibc_tcvn5712() -> None:
    letters = LOWER + TCVN3_UPPER
    encoded = "".join(to_tcvn3(letter) for letter in letters).encode("latin-1")
    run = subprocess.run(["iconv", "-f", "TCVN5712-1", "-t", "UTF-8"], input=encoded, capture_output=True)
    if run.returncode != 0:
        pytest.skip("iconv has no TCVN5712-1 converter")
    assert run.stdout.decode("utf-8") == "".join(letters)


@pytest.mark.parametrize("letter", LOWER + UPPER)
def test_vni_round_trips_all_134_letters(letter: str) -> None:
    code = to_vni(letter)
    assert 1 <= len(code) <= 2
    assert from_vni(code) == letter


def test_vni_writes_i_grave_and_acute_as_themselves() -> None:
    # The only letters whose VNI byte is the Latin-1 character of the same name.
    same = [letter for letter in LOWER + UPPER if to_vni(letter) == letter]
    assert sorted(same) == ["Ì", "Í", "ì", "í"]


def test_vni_codes_are_distinct() -> None:
    assert len({to_vni(letter) for letter in LOWER + UPPER}) == 134


@pytest.mark.parametrize(
    ("letter", "code"),
    [
        # From xvnkb vni.h and UniKey's VNI-WIN table.
        ("Ấ", "AÁ"),
        ("Ặ", "AË"),
        ("Ữ", "ÖÕ"),
        ("Ỷ", "YÛ"),
        ("Ỹ", "YÕ"),
        ("Ỵ", "Î"),
        ("Đ", "Ñ"),
        ("ờ", "ôø"),
        ("ĩ", "ó"),
        ("ỉ", "æ"),
    ],
)
def test_vni_spot_checks_against_source_tables(letter: str, code: str) -> None:
    assert to_vni(letter) == code


@pytest.mark.parametrize(
    ("letter", "code"),
    [
        ("ư", "\u00ad"),
        ("đ", "\u00ae"),
        ("Đ", "\u00a7"),
        ("Â", "\u00a2"),
        ("á", "\u00b8"),
        ("ỵ", "\u00fe"),
        ("ệ", "\u00d6"),
    ],
)
def test_tcvn3_spot_checks_against_source_tables(letter: str, code: str) -> None:
    assert to_tcvn3(letter) == code


def test_known_mojibake_samples_decode() -> None:
    assert from_tcvn3("M\u00adêng Kh\u00ad¬ng") == "Mường Khương"
    assert from_tcvn3("B¶o Th¾ng") == "Bảo Thắng"
    assert to_vni("Xin chào các bạn") == "Xin chaøo caùc baïn"
    assert from_vni("Phöôøng") == "Phường"


def test_encoders_leave_non_vietnamese_characters_alone() -> None:
    assert to_tcvn3("Müller 5% – ABC") == "Müller 5% – ABC"
    assert to_vni("Müller 5% – ABC") == "Müller 5% – ABC"


@pytest.mark.parametrize("phrase", PHRASES)
@pytest.mark.parametrize(("encoding", "encode"), [("tcvn3", to_tcvn3), ("vni", to_vni)])
def test_phrases_round_trip_through_repair(phrase: str, encoding: str, encode) -> None:
    mojibake = encode(phrase)
    assert mojibake != phrase
    if encoding == "tcvn3" and phrase == "Khóm 3":
        # "Khãm" is also a plausible Unicode word: undetectable, so left alone.
        assert detect_legacy(mojibake) is None
        assert repair(mojibake) == RepairResult(mojibake, None, True, None)
        assert from_tcvn3(mojibake) == phrase
        return
    assert detect_legacy(mojibake) == encoding
    assert repair(mojibake) == RepairResult(phrase, encoding, True, None)


@pytest.mark.parametrize("phrase", PHRASES)
def test_vni_capitals_round_trip(phrase: str) -> None:
    assert repair(to_vni(phrase.upper())) == RepairResult(phrase.upper(), "vni", True, None)


@pytest.mark.parametrize("phrase", ["Phường Nhà Mát", "Thành phố Bạc Liêu"])
def test_tcvn3_capitals_font_text_is_upper_cased(phrase: str) -> None:
    # .VnTimeH draws lowercase codes as capitals; ASCII letters are typed as capitals.
    bytes_typed = "".join(ch.upper() if ch.isascii() else ch for ch in to_tcvn3(phrase.lower()))
    result = repair(bytes_typed)
    assert (result.text, result.encoding, result.safe) == (phrase.upper(), "tcvn3", True)


def test_tcvn3_title_case_is_not_upper_cased() -> None:
    assert repair("§«ng").text == "Đông"


NOT_LEGACY = [
    "",
    "Phuong 5",
    "Household 12, Ward 5",
    *PHRASES,
    *(p.upper() for p in PHRASES),
    "Hộ nghèo – 2023 “mới”",
    "Müller",
    "Straße",
    "garçon",
    "señor",
    "Zoë",
    "naïve",
    "Café",
    "São Paulo",
    "Ångström",
    "Microsoft®",
    "© 2023",
]


@pytest.mark.parametrize("text", NOT_LEGACY)
def test_plain_text_is_not_detected_or_changed(text: str) -> None:
    assert detect_legacy(text) is None
    assert repair(text) == RepairResult(text, None, True, None)


def test_decomposed_unicode_is_returned_composed() -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Hường")
    assert repair(decomposed) == RepairResult("Nguyễn Thị Hường", None, True, None)


def test_decomposed_legacy_input_is_still_repaired() -> None:
    # "Khoùm" typed as "Kho" + "u" + combining grave still means VNI "Khóm".
    assert repair("Kho" + unicodedata.normalize("NFD", "ù") + "m 3").text == "Khóm 3"


@pytest.mark.parametrize(
    ("text", "encoding", "offending"),
    [
        ("Phöôøng Nhà Mát", "vni", ["'à' (U+00E0)", "'á' (U+00E1)"]),  # VNI mixed with Unicode
        ("Phöôøng 5 Mtù", "vni", ["'ù' (U+00F9)"]),  # mark byte without a vowel
        ("Hé nghÌo Hộ", "tcvn3", ["'ộ' (U+1ED9)"]),  # TCVN3 mixed with Unicode
        ("Ph\u00adêng Müller", "tcvn3", ["'ü' (U+00FC)"]),  # word that stays garbage
    ],
)
def test_broken_legacy_text_is_unsafe_with_reason(text: str, encoding: str, offending: list[str]) -> None:
    result = repair(text)
    assert result.safe is False
    assert result.encoding == encoding
    assert result.text == text
    assert detect_legacy(text) is None
    assert result.reason is not None
    assert f"looks like {encoding.upper()}" in result.reason
    for description in offending:
        assert description in result.reason


def test_text_valid_in_both_encodings_is_unsafe() -> None:
    # "Tö" is "Tử" in TCVN3 and "Tư" in VNI.
    result = repair("Tö")
    assert (result.safe, result.encoding) == (False, None)
    assert "both TCVN3 and VNI" in (result.reason or "")
    assert detect_legacy("Tö") is None


def test_repair_result_is_frozen() -> None:
    result = repair("Hoä ngheøo")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.text = "x"  # type: ignore[misc]
