"""Code tables of the two legacy Vietnamese encodings still found in provincial spreadsheets.

Both tables are written as the Unicode characters a legacy byte turns into when a file typed
in a legacy font is read as Windows-1252/Latin-1 text, which is how the mojibake reaches us.

Sources, cross-checked against each other:

* TCVN3 (TCVN 5712:1993 "VN3", the ABC fonts .VnTime/.VnArial): UniKey's VnConv table
  (``unikey/data.cpp`` in fcitx/fcitx5-unikey, "TCVN3" entry), xvnkb's ``tcvn.h``
  (lamdao/xvnkb), and glibc's TCVN5712-1 converter (``iconv -f TCVN5712-1``), whose bytes
  0xA1-0xFE agree with VN3 for every code VN3 defines. The unit tests repeat the glibc check.
* VNI (VNI-Windows, VNI-Times fonts): xvnkb's ``vni.h`` (lamdao/xvnkb) and UniKey's
  "VNI-WIN" entry; duydev/vietnamese-conversion agrees except for Ỷ/Ỹ, where it is wrong.

TCVN3 has codes for all 67 lowercase letters but, for uppercase, only the seven toneless
letters Ă Â Ê Ô Ơ Ư Đ (0xA1-0xA7). Uppercase toned letters were typed with the separate
capitals font (.VnTimeH), which draws the *lowercase* codes as capitals, so the bytes do not
record the case. The full VN1 table puts uppercase letters on C0 control and 0x80-0x9F codes,
but the ABC fonts never used them (those bytes keep their Windows-1252 symbols there), so
they are not decoded here.

VNI writes a letter as a base byte followed by at most one mark byte; a few letters
(đ ơ ư ĩ ỉ ị í ì ỵ and their capitals) have a byte of their own. Capitals use capital mark
bytes ("AÙ" is Á, "aù" is á), so the uppercase table is the lowercase one upper-cased.
"""

from __future__ import annotations

import unicodedata

# acute, grave, hook above, tilde, dot below: the column order of both tables below.
_TONES = ("\u0301", "\u0300", "\u0309", "\u0303", "\u0323")

# base letter, its own code ("" when it is plain ASCII), then its five toned codes.
_TCVN3_LOWER: tuple[tuple[str, str, str], ...] = (
    ("a", "", "\xb8\xb5\xb6\xb7\xb9"),
    ("ă", "\xa8", "\xbe\xbb\xbc\xbd\xc6"),
    ("â", "\xa9", "\xca\xc7\xc8\xc9\xcb"),
    ("e", "", "\xd0\xcc\xce\xcf\xd1"),
    ("ê", "\xaa", "\xd5\xd2\xd3\xd4\xd6"),
    ("i", "", "\xdd\xd7\xd8\xdc\xde"),
    ("o", "", "\xe3\xdf\xe1\xe2\xe4"),
    ("ô", "\xab", "\xe8\xe5\xe6\xe7\xe9"),
    ("ơ", "\xac", "\xed\xea\xeb\xec\xee"),
    ("u", "", "\xf3\xef\xf1\xf2\xf4"),
    ("ư", "\xad", "\xf8\xf5\xf6\xf7\xf9"),
    ("y", "", "\xfd\xfa\xfb\xfc\xfe"),
)
_TCVN3_OTHERS = {"đ": "\xae", "Ă": "\xa1", "Â": "\xa2", "Ê": "\xa3", "Ô": "\xa4"}
_TCVN3_OTHERS |= {"Ơ": "\xa5", "Ư": "\xa6", "Đ": "\xa7"}

_VNI_LOWER: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("a", "", ("aù", "aø", "aû", "aõ", "aï")),
    ("ă", "aê", ("aé", "aè", "aú", "aü", "aë")),
    ("â", "aâ", ("aá", "aà", "aå", "aã", "aä")),
    ("e", "", ("eù", "eø", "eû", "eõ", "eï")),
    ("ê", "eâ", ("eá", "eà", "eå", "eã", "eä")),
    ("i", "", ("í", "ì", "æ", "ó", "ò")),
    ("o", "", ("où", "oø", "oû", "oõ", "oï")),
    ("ô", "oâ", ("oá", "oà", "oå", "oã", "oä")),
    ("ơ", "ô", ("ôù", "ôø", "ôû", "ôõ", "ôï")),
    ("u", "", ("uù", "uø", "uû", "uõ", "uï")),
    ("ư", "ö", ("öù", "öø", "öû", "öõ", "öï")),
    ("y", "", ("yù", "yø", "yû", "yõ", "î")),
)
# Bytes that only ever follow a base letter in VNI: tone marks, circumflex and breve.
VNI_MARKS = frozenset("ùøûõïâáàåãäêéèúüë" + "ùøûõïâáàåãäêéèúüë".upper())


def _toned(base: str, tone: str) -> str:
    return unicodedata.normalize("NFC", base + tone)


def _build(rows: tuple[tuple[str, str, tuple[str, ...] | str], ...]) -> dict[str, str]:
    """Expand the compact rows into {Unicode letter: legacy code} for lowercase letters."""
    table: dict[str, str] = {}
    for base, own_code, toned_codes in rows:
        if own_code:
            table[base] = own_code
        for tone, code in zip(_TONES, toned_codes, strict=True):
            table[_toned(base, tone)] = code
    return table


def _tcvn3() -> dict[str, str]:
    return _build(_TCVN3_LOWER) | _TCVN3_OTHERS


def _vni() -> dict[str, str]:
    lower = _build(_VNI_LOWER) | {"đ": "ñ"}
    return lower | {letter.upper(): code.upper() for letter, code in lower.items()}


#: Unicode letter -> TCVN3 code, for the 74 letters TCVN3 (VN3) defines.
UNICODE_TO_TCVN3: dict[str, str] = _tcvn3()
#: TCVN3 code -> Unicode letter (lowercase for the codes the capitals font shares).
TCVN3_TO_UNICODE: dict[str, str] = {code: letter for letter, code in UNICODE_TO_TCVN3.items()}
#: Unicode letter -> VNI byte sequence (one or two characters), all 134 letters.
UNICODE_TO_VNI: dict[str, str] = _vni()
#: VNI byte sequence -> Unicode letter.
VNI_TO_UNICODE: dict[str, str] = {code: letter for letter, code in UNICODE_TO_VNI.items()}
