"""Detect and repair TCVN3 and VNI mojibake in spreadsheet cells.

Commune offices still keep registers typed in legacy fonts (.VnTime for TCVN3, VNI-Times for
VNI). Read as Unicode, "Phường" arrives as "Ph\u00adêng" or "Phöôøng". The repair must be
conservative: a wrongly "repaired" name silently joins the wrong household to the wrong
commune, while a rejected row only costs someone a look. Hence the rules:

* Evidence is per word. A word counts *for* an encoding when it is not a Vietnamese syllable
  as it stands but becomes one when decoded ("Phöôøng" -> "Phường"). A word that stays
  garbage after decoding counts *against* it. Words that read well both ways ("Khãm" is
  "Khóm" in TCVN3 but also plausible Unicode) count for nothing.
* ``repair`` changes the text only when exactly one encoding has evidence and nothing
  against it, and re-encoding the result gives back the input exactly. When there is
  evidence but also something that does not decode, it answers ``safe=False`` with the
  offending characters so the loader can reject the row instead of guessing.

Tables and their sources are in :mod:`mtqg_warehouse.text.legacy_tables`.
"""

from __future__ import annotations

import itertools
import logging
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from mtqg_warehouse.text.legacy_tables import (
    TCVN3_TO_UNICODE,
    UNICODE_TO_TCVN3,
    UNICODE_TO_VNI,
    VNI_MARKS,
    VNI_TO_UNICODE,
)
from mtqg_warehouse.text.syllable import is_vietnamese_syllable

logger = logging.getLogger(__name__)

Encoding = Literal["tcvn3", "vni"]
_NAMES: dict[Encoding, str] = {"tcvn3": "TCVN3", "vni": "VNI"}
_MAX_REPORTED = 8


@dataclass(frozen=True)
class RepairResult:
    """Outcome of :func:`repair`.

    ``text`` is the repaired text when ``safe`` and ``encoding`` are both set, otherwise the
    input (NFC-normalised). ``encoding`` names the legacy encoding that was repaired, or the
    one suspected when ``safe`` is False. ``reason`` explains an unsafe result in English.
    """

    text: str
    encoding: str | None
    safe: bool
    reason: str | None = None


def to_tcvn3(text: str) -> str:
    """Encode Unicode Vietnamese as TCVN3 mojibake, for generating defective test files.

    Capital letters with a tone (Ấ, Ờ, ...) have no TCVN3 code (see legacy_tables) and are
    left as they are, like every other character without a code.
    """
    return "".join(UNICODE_TO_TCVN3.get(ch, ch) for ch in unicodedata.normalize("NFC", text))


def to_vni(text: str) -> str:
    """Encode Unicode Vietnamese as VNI mojibake; characters without a VNI code are kept."""
    return "".join(UNICODE_TO_VNI.get(ch, ch) for ch in unicodedata.normalize("NFC", text))


def from_tcvn3(text: str) -> str:
    """Decode TCVN3 mojibake unconditionally (no detection, no case restoration)."""
    return "".join(TCVN3_TO_UNICODE.get(ch, ch) for ch in text)


def from_vni(text: str) -> str:
    """Decode VNI mojibake unconditionally; stray mark bytes are kept as they are."""
    return _decode_vni(text)[0]


def _decode_vni(text: str) -> tuple[str, list[str]]:
    """Decode greedily (base + mark first) and report mark bytes that had no base."""
    out: list[str] = []
    stray: list[str] = []
    i = 0
    while i < len(text):
        pair = text[i : i + 2]
        if len(pair) == 2 and pair in VNI_TO_UNICODE:
            out.append(VNI_TO_UNICODE[pair])
            i += 2
            continue
        ch = text[i]
        out.append(VNI_TO_UNICODE.get(ch, ch))
        if ch in VNI_MARKS:
            stray.append(ch)
        i += 1
    return "".join(out), stray


def _decode_tcvn3(text: str) -> tuple[str, list[str]]:
    return from_tcvn3(text), []


@dataclass(frozen=True)
class _Codec:
    encoding: Encoding
    codes: frozenset[str]
    decode: Callable[[str], tuple[str, list[str]]]
    encode: Callable[[str], str]
    letters: frozenset[str]  # Unicode letters the encoding has a code for


def _vni_code_chars() -> frozenset[str]:
    return frozenset(ch for code in VNI_TO_UNICODE for ch in code if not ch.isascii())


_CODECS: tuple[_Codec, ...] = (
    _Codec(
        "tcvn3",
        frozenset(TCVN3_TO_UNICODE),
        _decode_tcvn3,
        to_tcvn3,
        frozenset(UNICODE_TO_TCVN3),
    ),
    _Codec("vni", _vni_code_chars(), _decode_vni, to_vni, frozenset(UNICODE_TO_VNI)),
)


@dataclass(frozen=True)
class _Assessment:
    """What one encoding makes of one string."""

    codec: _Codec
    decoded: str
    fixed: int  # words garbled as they stand that decode into Vietnamese syllables
    offending: tuple[str, ...]  # characters that do not decode cleanly
    inner_symbol: bool  # a TCVN3 symbol code sits inside a word, as in "Ph\u00adêng"

    @property
    def confident(self) -> bool:
        return self.fixed > 0 and not self.offending

    @property
    def suspicious(self) -> bool:
        return bool(self.offending) and (self.fixed > 0 or self.inner_symbol)


def _words(text: str, codes: frozenset[str]) -> list[str]:
    """Runs of letters and legacy codes (TCVN3 codes include symbols such as U+00AD)."""
    groups = itertools.groupby(text, key=lambda ch: ch.isalpha() or ch in codes)
    return ["".join(run) for is_word, run in groups if is_word]


def _is_syllable(word: str) -> bool:
    return word.isalpha() and is_vietnamese_syllable(word)


def _word_evidence(text: str, codec: _Codec) -> tuple[int, list[str], bool]:
    """Count words fixed by decoding; collect characters of words it leaves garbled."""
    fixed = 0
    offending: list[str] = []
    inner_symbol = False
    for word in _words(text, codec.codes):
        if not any(ch in codec.codes for ch in word):
            continue
        inner_symbol |= any(not ch.isalpha() for ch in word[1:-1])
        decoded, stray = codec.decode(word)
        if not stray and _is_syllable(decoded):
            # a capital inside a word ("suÊt") is TCVN3's way of writing a toned small letter
            fixed += 0 if _is_syllable(word) and not _mixed_case(word) else 1
        else:
            offending.extend(stray or [ch for ch in word if not ch.isascii()])
    return fixed, offending, inner_symbol


def _mixed_case(word: str) -> bool:
    return any(a.islower() and b.isupper() for a, b in itertools.pairwise(word))


def _assess(text: str, codec: _Codec) -> _Assessment:
    fixed, offending, inner_symbol = _word_evidence(text, codec)
    decoded, stray = codec.decode(text)
    offending.extend(stray)
    if codec.encode(decoded) != text:
        # Unicode letters the encoding has codes for cannot appear raw in legacy text.
        unencoded = [ch for ch in text if ch in codec.letters and ch not in codec.codes]
        offending.extend(unencoded or ["?"])
    return _Assessment(codec, decoded, fixed, tuple(dict.fromkeys(offending)), inner_symbol)


def _restore_capitals(text: str) -> str:
    """Upper-case words typed in the TCVN3 capitals font (.VnTimeH).

    That font draws the lowercase codes as capitals, so "PH\u00adêNG" decodes to "PHườNG".
    A capital after the first letter and no lowercase ASCII letter means the word was meant
    to be all capitals; "Đô" (title case) is left alone.
    """
    groups = itertools.groupby(text, key=str.isalpha)
    out: list[str] = []
    for is_word, run in groups:
        word = "".join(run)
        all_caps = any(ch.isupper() for ch in word[1:]) and not any(
            ch.islower() and ch.isascii() for ch in word
        )
        out.append(word.upper() if is_word and all_caps else word)
    return "".join(out)


def _describe(chars: tuple[str, ...]) -> str:
    shown = ", ".join(f"{ch!r} (U+{ord(ch):04X})" for ch in chars[:_MAX_REPORTED] if ch != "?")
    more = len(chars) - _MAX_REPORTED
    return (shown or "mixed encodings") + (f" and {more} more" if more > 0 else "")


def _assessments(text: str) -> list[_Assessment]:
    return [_assess(text, codec) for codec in _CODECS]


@lru_cache(maxsize=1 << 16)
def _token_has_evidence(token: str) -> bool:
    """Whether a run of text without spaces holds a word that counts for an encoding (one
    decoding fixes it) or a legacy symbol inside a word, in either encoding (cached: names
    are made of a few thousand such runs)."""
    for codec in _CODECS:
        fixed, _, inner_symbol = _word_evidence(token, codec)
        if fixed or inner_symbol:
            return True
    return False


def _without_evidence(text: str) -> bool:
    """True when neither encoding can be confident of ``text`` nor find it suspicious, so
    ``repair`` leaves it as it is: both need a word fixed by decoding or an inner symbol.
    A space is neither a letter nor a legacy code, so ``text``'s words are its space-separated
    runs' words, and the evidence of the whole is that of its runs."""
    return not any(_token_has_evidence(token) for token in text.split(" "))


def detect_legacy(text: str) -> Encoding | None:
    """Name the legacy encoding ``text`` is written in, or None when it is not (or unsure).

    Plain ASCII, correct Unicode Vietnamese and ordinary Latin-1 words ("Müller", "garçon")
    give None, and so does text that decodes cleanly in both encodings.
    """
    source = unicodedata.normalize("NFC", text)
    if _without_evidence(source):
        return None
    return _detect_assessed(source)


def _detect_assessed(source: str) -> Encoding | None:
    """``detect_legacy`` of NFC text, every encoding assessed."""
    confident = [a for a in _assessments(source) if a.confident]
    return confident[0].codec.encoding if len(confident) == 1 else None


def repair(text: str) -> RepairResult:
    """Repair legacy mojibake when it is safe to; otherwise say why not (see module doc)."""
    source = unicodedata.normalize("NFC", text)
    if _without_evidence(source):  # most text, decomposed (NFD) Vietnamese among it: no work
        return RepairResult(source, None, True)
    return _repair_assessed(source)


def _repair_assessed(source: str) -> RepairResult:
    """``repair`` of NFC text, every encoding assessed."""
    found = _assessments(source)
    confident = [a for a in found if a.confident]
    if len(confident) == 1:
        chosen = confident[0]
        decoded = chosen.decoded
        if chosen.codec.encoding == "tcvn3":
            decoded = _restore_capitals(decoded)
        return RepairResult(unicodedata.normalize("NFC", decoded), chosen.codec.encoding, True)
    if confident:
        reason = "text decodes cleanly as both TCVN3 and VNI; cannot tell which it is"
        return _unsafe(source, None, reason)
    suspicious = sorted((a for a in found if a.suspicious), key=lambda a: -a.fixed)
    if suspicious:
        worst = suspicious[0]
        name = _NAMES[worst.codec.encoding]
        reason = f"looks like {name} but does not decode cleanly: {_describe(worst.offending)}"
        return _unsafe(source, worst.codec.encoding, reason)
    return RepairResult(source, None, True)


def _unsafe(text: str, encoding: Encoding | None, reason: str) -> RepairResult:
    logger.debug("not repairing %r: %s", text, reason)
    return RepairResult(text, encoding, False, reason)
