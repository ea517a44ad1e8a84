"""Canonical forms for Vietnamese text read from spreadsheets.

Two different needs, two functions. ``nfc`` keeps every letter and mark, because what it
returns is stored; ``fold`` throws diacritics and case away, because what it returns is only
ever compared (a key for tolerant matching, never shown to anyone).
"""

from __future__ import annotations

import re
import unicodedata

# Invisible characters that sneak in through copy-paste from web pages and Word. The soft
# hyphen U+00AD is deliberately NOT here: in TCVN3 mojibake it is the letter "ư", and
# deleting it would make a legacy string unrepairable.
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_WHITESPACE = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[\W_]+")


def nfc(text: str) -> str:
    """Return ``text`` in the single form the warehouse stores.

    Vietnamese can be typed precomposed ("ệ") or decomposed ("e" + marks); both look the same
    but compare unequal, so everything is composed (NFC). Zero-width characters are removed
    before composing because they can sit between a letter and its marks and block
    composition. Runs of whitespace (including no-break spaces) become one space.
    """
    composed = unicodedata.normalize("NFC", text.translate(_ZERO_WIDTH))
    return _WHITESPACE.sub(" ", composed).strip()


def fold(text: str) -> str:
    """Return an accent- and case-insensitive key for tolerant matching.

    Officials type "Phuong 5", "PHƯỜNG 5" and "phường  5." for the same ward; all of them
    fold to "phuong 5". "đ" becomes "d" because it is a separate letter rather than "d" plus
    a mark, so stripping marks alone would leave it. Punctuation becomes a space so that
    "P.5" and "P 5" agree.
    """
    decomposed = unicodedata.normalize("NFD", nfc(text).casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_WORD.sub(" ", bare.replace("đ", "d")).strip()
