"""Match administrative-unit names as typed ("P.5", "xa vinh trach dong") to their codes.

The same matcher serves communes (phường, xã, thị trấn) and hamlets (khóm, ấp, thôn, ...):
build one per scope (the communes of a district, the hamlets of a commune) so that names
only have to be unique where they are compared.

Matching is exact on a normalised key, never fuzzy: "Vĩnh Trạch" must not become
"Vĩnh Trạch Đông". The key drops the unit-type word ("Phường", "P.", "X.", "TT", ...) into a
separate slot, strips leading zeros from numbers, and exists at two strengths: with
diacritics (tried first, so "Hòa" and "Hóa" stay apart when typed properly) and folded
(accent- and case-insensitive, for "phuong 5"). A type typed in the input must agree with
the unit's type; an input without a type matches any type. Anything matching more than one
code is ambiguous and gives None.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Iterable

from mtqg_warehouse.text.normalize import fold, nfc

logger = logging.getLogger(__name__)

# Folded type words and the abbreviations officials use, mapped to one canonical type.
_FULL_TYPES: dict[tuple[str, ...], str] = {
    ("phuong",): "phuong",
    ("xa",): "xa",
    ("thi", "tran"): "thi_tran",
    ("khom",): "khom",
    ("ap",): "ap",
    ("thon",): "thon",
    ("khu", "pho"): "khu_pho",
    ("to", "dan", "pho"): "to_dan_pho",
}
_ABBREVIATED_TYPES: dict[tuple[str, ...], str] = {
    ("p",): "phuong",
    ("x",): "xa",
    ("tt",): "thi_tran",
    ("t", "t"): "thi_tran",
    ("k",): "khom",
    ("a",): "ap",
    ("kp",): "khu_pho",
    ("tdp",): "to_dan_pho",
}
_ALL_TYPES = _FULL_TYPES | _ABBREVIATED_TYPES
_LETTERS_DIGITS = re.compile(r"([a-z]+)(\d+)")
_NOT_WORD = re.compile(r"[\W_]+")

# (unit type or None, name tokens); tokens are accented or folded depending on the level.
_Key = tuple[str | None, tuple[str, ...]]


def _tokens(text: str) -> list[tuple[str, str]]:
    """(accented, folded) token pairs; "P5" is split so its type word can be recognised."""
    pairs: list[tuple[str, str]] = []
    for token in _NOT_WORD.split(nfc(text).casefold()):
        folded = fold(token)
        if not folded:
            continue
        split = _LETTERS_DIGITS.fullmatch(folded)
        if split and not pairs and (split[1],) in _ALL_TYPES:
            pairs += [(split[1], split[1]), (split[2], split[2])]
        else:
            pairs.append((token, folded))
    return [(str(int(a)), str(int(f))) if f.isdigit() else (a, f) for a, f in pairs]


def _keys(text: str, types: dict[tuple[str, ...], str]) -> list[tuple[_Key, _Key]]:
    """All readings of ``text`` as (accented key, folded key).

    The whole text without a type is always one reading, so a name that merely starts like
    an abbreviation ("A Lưới") still matches itself.
    """
    pairs = _tokens(text)
    accented = tuple(a for a, _ in pairs)
    folded = tuple(f for _, f in pairs)
    readings: list[tuple[_Key, _Key]] = [((None, accented), (None, folded))]
    for type_words, unit_type in types.items():
        n = len(type_words)
        if folded[:n] == type_words and len(folded) > n:
            readings.append(((unit_type, accented[n:]), (unit_type, folded[n:])))
    return readings


class UnitMatcher:
    """Resolve typed unit names to codes within one scope; None when unknown or ambiguous."""

    def __init__(self, units: Iterable[tuple[str, str]]) -> None:
        self._accented: dict[tuple[str, ...], set[tuple[str | None, str]]] = defaultdict(set)
        self._folded: dict[tuple[str, ...], set[tuple[str | None, str]]] = defaultdict(set)
        for code, name in units:
            # Reference names are official and spelled out, so only full type words count.
            for (a_type, a_core), (f_type, f_core) in _keys(name, _FULL_TYPES):
                self._accented[a_core].add((a_type, code))
                self._folded[f_core].add((f_type, code))

    def match(self, raw: str) -> str | None:
        """Return the one code ``raw`` names, or None when no code or several codes fit."""
        readings = _keys(raw, _ALL_TYPES)
        for level, index in ((0, self._accented), (1, self._folded)):
            codes = {code for reading in readings for code in self._lookup(index, reading[level])}
            if len(codes) == 1:
                return codes.pop()
            if codes:
                logger.debug("ambiguous unit name %r: %s", raw, sorted(codes))
                return None
        return None

    @staticmethod
    def _lookup(index: dict[tuple[str, ...], set[tuple[str | None, str]]], key: _Key) -> set[str]:
        wanted_type, core = key
        candidates = index.get(core, set())
        return {
            code
            for unit_type, code in candidates
            if wanted_type is None or unit_type is None or unit_type == wanted_type
        }
