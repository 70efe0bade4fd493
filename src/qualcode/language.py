"""Cheap language guess for a transcript (no NLP import): Latvian or English or unknown."""

from __future__ import annotations

import re

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_LV_LETTERS = set("āčēģīķļņšūžĀČĒĢĪĶĻŅŠŪŽ")
_LV_WORDS = frozenset(
    "un ir ka ar par no uz arī bet vai kas tas tā lai jo es mēs viņš viņa nav bija ļoti to "
    "kā ko man mums jā nē tad vēl kad pie pēc".split()
)
_EN_WORDS = frozenset(
    "the and is are was to of in that it we they you with for not have has be this on at "
    "but what would there".split()
)


def guess_language(text: str, default: str | None = None) -> str | None:
    """'lv' or 'en' by function words and Latvian letters; default when unclear."""
    words = _WORD.findall(text[:20000].lower())
    if not words:
        return default
    lv = sum(w in _LV_WORDS for w in words) + sum(ch in _LV_LETTERS for ch in text[:20000]) / 4
    en = sum(w in _EN_WORDS for w in words)
    if max(lv, en) < 3:
        return default
    return "lv" if lv >= en else "en"
