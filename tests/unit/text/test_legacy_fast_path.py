"""The legacy-font repair's fast path (text with no evidence for either encoding is left as it
is, without assessing it) answers exactly as the full assessment, on hostile generated text."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from mtqg_warehouse.text import legacy
from mtqg_warehouse.text.legacy import repair, to_tcvn3, to_vni

NAMES = ["Nguyễn Thị Hường", "Võ Thanh Khánh", "Lê Văn Tám", "Phường Nhà Mát", "Đặng Ấu", "Trương Ư"]
CODES = sorted({ch for codec in legacy._CODECS for ch in codec.codes})
LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂBĐEÊOÔƠUƯY"
MARKS = "\u0300\u0301\u0303\u0309\u0323\u0302\u0306\u031b"


def _forms(name: str) -> list[str]:
    """A name as offices send it: NFC, decomposed, in the legacy fonts, in capitals."""
    return [name, unicodedata.normalize("NFD", name), to_tcvn3(name), to_vni(name), name.upper()]


WORDS = st.one_of(
    st.sampled_from([form for name in NAMES for form in _forms(name)]),
    st.text(alphabet=st.sampled_from([*LETTERS, *MARKS, *CODES]), min_size=1, max_size=8),
)
TEXT = st.lists(WORDS, min_size=1, max_size=5).map(" ".join) | st.text(
    alphabet=st.sampled_from([*LETTERS, *MARKS, *CODES, " ", ",", ".", "-", "1", "\u00a0"]), max_size=20
)


def test_a_space_is_never_a_legacy_code() -> None:
    """The fast path judges a text by its space-separated runs: a space must split words."""
    assert all(" " not in codec.codes for codec in legacy._CODECS)


@settings(max_examples=600, deadline=None)
@given(TEXT)
def test_repair_answers_as_the_full_assessment(text: str) -> None:
    assert repair(text) == legacy._repair_assessed(unicodedata.normalize("NFC", text))


@settings(max_examples=600, deadline=None)
@given(TEXT)
def test_detection_answers_as_the_full_assessment(text: str) -> None:
    source = unicodedata.normalize("NFC", text)
    assert legacy.detect_legacy(text) == legacy._detect_assessed(source)


def test_decomposed_names_take_the_fast_path_and_come_back_composed() -> None:
    for name in NAMES:
        decomposed = unicodedata.normalize("NFD", name)
        assert legacy._without_evidence(unicodedata.normalize("NFC", decomposed))
        assert repair(decomposed) == legacy.RepairResult(name, None, True)
