"""The Latvian light stemmer of the LatvianStemmer package, on strings: the same stems, faster.

LatvianStemmer (a port of Lucene's LatvianStemmer) turns the word into a list of characters
and joins a prefix of it again for every suffix it tries: about 11 µs a word, a third of
keying a word form, paid for each of the tens of thousands of forms a corpus has, in every
tokenising worker. This is the same algorithm (the same suffixes in the same order, the same
vowel and length checks, the same palatalisation undone) with str methods. It is checked
equal to LatvianStemmer's stem() on generated words and on the treebank's forms
(tests/test_lv_stem.py), and the pipeline's version still names LatvianStemmer's, which it
follows.
"""

from __future__ import annotations

_VOWELS = frozenset("aāeēiīouūAĀEĒIĪOUŪ")

# (suffix, vowels the word must have more than, undo palatalisation?), tried in this order.
_SUFFIXES = (
    ("ajiem", 3, False),
    ("ajai", 3, False),
    ("ajam", 2, False),
    ("ajām", 2, False),
    ("ajos", 2, False),
    ("ajās", 2, False),
    ("iem", 2, True),
    ("ajā", 2, False),
    ("ais", 2, False),
    ("ai", 2, False),
    ("ei", 2, False),
    ("ām", 1, False),
    ("am", 1, False),
    ("ēm", 1, False),
    ("īm", 1, False),
    ("im", 1, False),
    ("um", 1, False),
    ("us", 1, True),
    ("as", 1, False),
    ("ās", 1, False),
    ("es", 1, False),
    ("os", 1, True),
    ("ij", 1, False),
    ("īs", 1, False),
    ("ēs", 1, False),
    ("is", 1, False),
    ("ie", 1, False),
    ("u", 1, True),
    ("a", 1, True),
    ("i", 1, True),
    ("e", 1, False),
    ("ā", 1, False),
    ("ē", 1, False),
    ("ī", 1, False),
    ("ū", 1, False),
    ("o", 1, False),
    ("s", 0, False),
    ("š", 0, False),
)

# Consonant pairs palatalised before a removed suffix, and what they were.
_PAIRS = (("šņ", "sn"), ("žņ", "zn"), ("šļ", "sl"), ("žļ", "zl"), ("ļņ", "ln"), ("ļļ", "ll"))
_SINGLE = {"č": "c", "ļ": "l", "ņ": "n"}


def stem(word: str) -> str:
    """The stem of a Latvian word (nouns and adjectives: case, number, gender, definiteness)."""
    vowels = sum(map(_VOWELS.__contains__, word))
    size = len(word)
    for suffix, needed, palatalised in _SUFFIXES:
        if vowels > needed and size >= len(suffix) + 3 and word.endswith(suffix):
            kept = size - len(suffix)
            return _unpalatalise(word, kept) if palatalised else word[:kept]
    return word


def _unpalatalise(word: str, kept: int) -> str:
    """word[:kept] with the palatalisation before the removed suffix undone."""
    base = word[:kept]
    if word[kept] == "u":  # genitive plural of declensions II, V, VI only
        if base.endswith("kš"):
            return base[:-1] + "st"
        if base.endswith("ņņ"):
            return base[:-2] + "nn"
    if base.endswith(("pj", "bj", "mj", "vj")):  # a labial consonant
        return base[:-1]
    for pair, plain in _PAIRS:
        if base.endswith(pair):
            return base[:-2] + plain
    last = _SINGLE.get(base[-1])
    return base[:-1] + last if last is not None else base
