"""The syllable grammar is what keeps legacy detection from firing on European words."""

import pytest

from mtqg_warehouse.text import is_vietnamese_syllable

REAL_WORDS = [
    "Phường",
    "Nhà",
    "Mát",
    "Xã",
    "Vĩnh",
    "Trạch",
    "Đông",
    "Khóm",
    "Ấp",
    "Biển",
    "Nguyễn",
    "Thị",
    "Hường",
    "Hộ",
    "nghèo",
    "Thành",
    "phố",
    "Bạc",
    "Liêu",
    "khuya",
    "quốc",
    "gia",
    "giữa",
    "người",
    "yêu",
    "xoong",
    "thuở",
    "ngoằn",
    "nghèo",
    "huyện",
    "tỉnh",
    "Krông",
    "Pắc",
    "Đắk",
    "Lắk",
    "HƯỚNG",
    "Quý",
    "oai",
    "ươu",
]


@pytest.mark.parametrize("word", REAL_WORDS)
def test_accepts_real_syllables(word: str) -> None:
    assert is_vietnamese_syllable(word)


@pytest.mark.parametrize(
    "word",
    [
        "Phửụứng",  # three tone marks: TCVN3 reading of VNI text
        "Phöôøng",  # VNI mojibake as it stands
        "Mỹller",
        "Straòe",
        "garçon",
        "Zoở",
        "ă",  # "ă" never ends a syllable
        "Nguyen Thi",  # two syllables
        "Microsoft",
        "",
    ],
)
def test_rejects_non_syllables(word: str) -> None:
    assert not is_vietnamese_syllable(word)


@pytest.mark.parametrize("word", ["hóà", "ngưởì", "Nguỹễn"])
def test_rejects_two_tone_marks_on_an_otherwise_valid_syllable(word: str) -> None:
    assert not is_vietnamese_syllable(word)
