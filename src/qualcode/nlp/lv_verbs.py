"""Latvian verb endings, for word forms the dictionary does not list.

The suffix stemmer handles nouns and adjectives only, and simplemma's Latvian dictionary
misses many verb forms ("kavēja", "sazināmies"), so a keyword "kavēt" would not find them.
Two steps, from the conjugation tables of the 2nd and 3rd conjugations (theme vowel ē, ī,
ā or o before the ending): rewrite the form into candidate infinitives and keep the first
one the dictionary knows; failing that, strip an ending that only verbs have.
"""

from __future__ import annotations

from collections.abc import Iterator

THEMES = ("ē", "ī", "ā", "o")
# Endings after the theme vowel: present, past, future, conditional, participles.
ACTIVE = (
    "",
    "ju",
    "ji",
    "ja",
    "jam",
    "jat",
    "jām",
    "jāt",
    "šu",
    "si",
    "s",
    "sim",
    "siet",
    "šot",
    "tu",
    "jis",
    "jusi",
    "juši",
    "jušas",
    "jušais",
    "jot",
    "dams",
    "dama",
    "damas",
    "dami",
    "jams",
    "jama",
    "ts",
    "ta",
    "tas",
    "ti",
    "tais",
    "tā",
)
REFLEXIVE = (
    "jos",
    "jies",
    "jas",
    "jās",
    "jamies",
    "jaties",
    "jāmies",
    "jāties",
    "šos",
    "sies",
    "simies",
    "sieties",
    "jusies",
    "jušies",
    "jušās",
    "damies",
    "damās",
    "tos",
    "ties",
)
# 3rd conjugation present tense has no theme vowel: zināt -> zinu, zini, zina, zinām.
PRESENT3 = ("u", "i", "a", "am", "at", "ām", "āt")
PRESENT3_REFLEXIVE = ("os", "ies", "as", "ās", "amies", "aties", "āmies", "āties")
# Endings no Latvian noun or adjective has: safe to strip without the dictionary's word.
VERB_ONLY = tuple(
    sorted(
        {v + e for v in THEMES for e in REFLEXIVE if e}
        | {
            v + e
            for v in THEMES
            for e in (
                "t",
                "ju",
                "ja",
                "jām",
                "jāt",
                "jis",
                "jusi",
                "juši",
                "jušas",
                "šu",
                "sim",
                "siet",
                "dams",
                "dama",
            )
        }
        | {"āmies", "āties", "amies", "aties"},
        key=len,
        reverse=True,
    )
)
MIN_STEM = 3
DEBITIVE = "jā"  # jāinformē = "must inform"


def _rewrite_table() -> dict[str, tuple[str, ...]]:
    """Ending -> the infinitive endings it may come from."""
    table: dict[str, list[str]] = {}
    for v in THEMES:
        for e in REFLEXIVE:
            table.setdefault(v + e, []).append(v + "ties")
        for e in ACTIVE:
            table.setdefault(v + e, []).append(v + "t")
    for v in ("ā", "ē", "ī"):
        for e in PRESENT3_REFLEXIVE:
            table.setdefault(e, []).append(v + "ties")
        for e in PRESENT3:
            table.setdefault(e, []).append(v + "t")
    return {k: tuple(dict.fromkeys(v)) for k, v in table.items()}


REWRITES = _rewrite_table()
REWRITE_LENGTHS = sorted({len(k) for k in REWRITES}, reverse=True)


def infinitive_candidates(form: str) -> Iterator[str]:
    """Infinitives a verb form may belong to, longest (most specific) ending first."""
    for size in REWRITE_LENGTHS:
        if len(form) - size < MIN_STEM - 1:
            continue
        stem = form[: len(form) - size]
        for infinitive_ending in REWRITES.get(form[len(form) - size :], ()):
            candidate = stem + infinitive_ending
            if candidate != form:
                yield candidate


_VERB_ONLY_SET = frozenset(VERB_ONLY)
_VERB_ONLY_LENGTHS = sorted({len(e) for e in VERB_ONLY}, reverse=True)


def verb_stem(form: str) -> str | None:
    """The form without its longest verb-only ending, or None when it has none."""
    for size in _VERB_ONLY_LENGTHS:
        if len(form) - size >= MIN_STEM and form[len(form) - size :] in _VERB_ONLY_SET:
            return form[: len(form) - size]
    return None
