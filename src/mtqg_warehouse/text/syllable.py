"""Is a word a well-formed Vietnamese syllable?

Legacy-encoding detection needs a way to tell "Phường" (a word) from "Phöôøng" or
"Mỹller" (not words) without a dictionary. Vietnamese orthography is strict enough for a
grammar to do it: one syllable per word, an optional initial consonant, a rhyme from a
short closed list, and at most one tone mark. The grammar is deliberately a little generous
(it accepts some rhymes no real word uses, and the clusters of ethnic-minority place names
such as "Krông" or "Đắk") because its job is to reject mojibake and European words, not to
spell-check.
"""

from __future__ import annotations

import re
import unicodedata

# Combining tone marks; the other marks (circumflex, breve, horn) change the vowel itself.
_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")

_INITIALS = (
    "ngh ng gh gi kh ph th tr ch nh qu b c d đ g h k l m n p r s t v x "
    # Loanwords and ethnic-minority place names (Krông Pắc, Đắk Lắk, Chư Prông).
    "f j w z bl br dr gr kl kr pl pr"
)
# Rhymes that stand without a final consonant.
_OPEN_RHYMES = (
    "a e ê i y o ô ơ u ư ia ua ưa oa oe uê uy uơ ai ao au ay âu ây eo êu iu oi ôi ơi ui "
    "ưi ưu iêu yêu uôi ươi ươu oai oay oao oeo uây uya uyu"
)
# Vowel nuclei that take a final consonant ("ă" and "â" never stand alone).
_CLOSED_NUCLEI = "a ă â e ê i y o ô ơ u ư iê yê uô ươ oa oă oe oo uâ uê uy uyê"
_FINALS = "c ch m n ng nh p t k"


def _alternation(words: str) -> str:
    """Longest first, so that "ngh" is tried before "ng" and "uyê" before "uy"."""
    return "|".join(sorted(words.split(), key=len, reverse=True))


_SYLLABLE = re.compile(
    rf"(?:{_alternation(_INITIALS)})?"
    rf"(?:(?:{_alternation(_CLOSED_NUCLEI)})(?:{_alternation(_FINALS)})"
    rf"|(?:{_alternation(_OPEN_RHYMES)}))"
)


def is_vietnamese_syllable(word: str) -> bool:
    """True when ``word`` (any case, NFC or not) can be read as one Vietnamese syllable."""
    decomposed = unicodedata.normalize("NFD", word.casefold())
    if sum(ch in _TONE_MARKS for ch in decomposed) > 1:
        return False
    toneless = "".join(ch for ch in decomposed if ch not in _TONE_MARKS)
    return _SYLLABLE.fullmatch(unicodedata.normalize("NFC", toneless)) is not None
