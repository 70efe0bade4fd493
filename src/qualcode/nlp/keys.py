"""Matching keys: one string per word form, equal for the inflected forms of one lemma.

Pure Python (simplemma and a suffix stemmer, no spaCy), so it is cheap to import and test.
Latvian: simplemma's dictionary lemma when the form is listed (followed to a fixed point:
the dictionary sometimes maps a lemma on, as English "meetings" -> "meeting" -> "meet"), then
LatvianStemmer's suffix stemmer (as `nlp/lv_stem.py`, checked equal and three times faster)
on that lemma, or on the form itself when the dictionary does not know it. Measured on the
Latvian UD gold sample this beats each method alone (see benchmarks/lemma_eval.py). English
and the other languages simplemma knows: the dictionary lemma, lowercased. Anything else: the
lowercased form.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

from . import lv_verbs

# Bump when a key changes for any word: cached transcript keys are then rebuilt.
KEY_VERSION = "1"
# Forms whose keys a keyer keeps (some 150 bytes each): a corpus's vocabulary, up to a bound.
MAX_CACHED = 300_000


@dataclass(frozen=True)
class KeyInfo:
    """How one word form got its key."""

    form: str
    lemma: str | None  # the dictionary lemma, None when the dictionary does not list the form
    key: str
    method: str  # how: dictionary, verb form, verb ending, stemmer, lowercase


def _lookup(lang: str) -> Callable[[str], str | None]:
    """simplemma's dictionary lookup only (no rules, no guessing): form -> lemma or None."""
    from simplemma.strategies.dictionaries.dictionary_factory import SUPPORTED_LANGUAGES
    from simplemma.strategies.dictionary_lookup import DictionaryLookupStrategy

    if lang not in SUPPORTED_LANGUAGES:
        return lambda _form: None
    strategy = DictionaryLookupStrategy()

    def lookup(form: str) -> str | None:
        return strategy.get_lemma(form, lang)

    return lookup


def _has_letters(form: str) -> bool:
    return any(ch.isalpha() for ch in form)


class Keyer:
    """Word form -> key for one language, cached per form (a corpus repeats its words)."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._lookup = _lookup(lang)
        self._cache: dict[str, str] = {}
        if lang == "lv":
            from .lv_stem import stem  # LatvianStemmer's stems, three times faster

            self._stem: Callable[[str], str] | None = stem
        else:
            self._stem = None

    def remember(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Take (form, key) pairs another process's keyer made (a key depends only on the
        form, so they are the keys this keyer would make)."""
        self._cache.update(pairs)

    def warm(self) -> None:
        """Load the language's dictionary now (once per process; forked ones share it)."""
        self._lookup("a")

    def __call__(self, form: str) -> str:
        """The key of a word form."""
        key = self._cache.get(form)
        if key is None:
            if len(self._cache) >= MAX_CACHED:
                self._cache.clear()  # bounded memory: a huge vocabulary is keyed again
            key = self._cache[form] = self.explain(form).key
        return key

    def lemma(self, form: str) -> str | None:
        """The dictionary lemma of a form (followed to a fixed point), or None."""
        lemma = self._lookup(form)
        if lemma is None and form != form.lower():
            lemma = self._lookup(form.lower())
        for _ in range(3):  # short chains only; a cycle stops where it started
            nxt = self._lookup(lemma) if lemma is not None else None
            if nxt is None or nxt == lemma or nxt == form:
                break
            lemma = nxt
        return lemma

    def _lv_verb_lemma(self, lower: str) -> str | None:
        """The infinitive of a Latvian verb form the dictionary lacks, if it knows the verb."""
        if lower.startswith(lv_verbs.DEBITIVE) and len(lower) > 4:
            lemma = self.lemma(lower[2:])
            if lemma is not None:
                return lemma
            lower = lower[2:]
        for candidate in lv_verbs.infinitive_candidates(lower):
            lemma = self.lemma(candidate)
            if lemma is not None:
                return lemma
        return None

    def explain(self, form: str) -> KeyInfo:
        """The key of a word form with the lemma and method that produced it."""
        # NFC: a keyword typed with combining macrons must match the precomposed text.
        norm = unicodedata.normalize("NFC", form)
        lower = norm.lower()
        if not _has_letters(norm):  # numbers, punctuation: nothing to reduce
            return KeyInfo(form, None, lower, "lowercase")
        lemma = self.lemma(norm)
        if self._stem is not None:
            method = "dictionary+stemmer"
            if lemma is None:
                lemma = self._lv_verb_lemma(lower)
                method = "verb form+dictionary+stemmer"
            if lemma is None:
                verb = lv_verbs.verb_stem(lower)
                if verb is not None:
                    return KeyInfo(form, None, verb, "verb ending")
                method = "stemmer"
            base = (lemma or lower).lower()
            return KeyInfo(form, lemma, self._stem(base) or base, method)
        if lemma is not None:
            return KeyInfo(form, lemma, lemma.lower(), "dictionary")
        return KeyInfo(form, None, lower, "lowercase")


def fold(key: str) -> str:
    """The diacritic-free form of a key ("mācīb" -> "macib"): the second, weaker key.

    Words typed without diacritics ("macibas") get the same key as the lemma's key with its
    diacritics removed, so matching can fall back to it at a lower weight.
    """
    if key.isascii():
        return key
    decomposed = unicodedata.normalize("NFD", key)
    return unicodedata.normalize(
        "NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    )


@cache
def keyer(lang: str) -> Keyer:
    """The shared keyer of a language (built once per process)."""
    return Keyer(lang)


def key(form: str, lang: str) -> str:
    """The matching key of one word form."""
    return keyer(lang)(form)


# Marks that stick to a word ("darbs," "(jā)"): stripped to guess the word a tokenizer finds.
_EDGE_MARKS = ".,!?;:\"'()[]{}«»„“”‘’…–—-*/"


def likely_words(text: str) -> set[str]:
    """The words of letters only a text's whitespace-separated pieces probably give as
    tokens, marks at their edges stripped: what to key ahead of tokenising (a guess: a key
    made for a string that is not a token is just not used)."""
    words = {piece.strip(_EDGE_MARKS) for piece in set(text.split())}
    return {w for w in words if w.isalpha()}


def plain_phrase_keys(phrase: str, lang: str, specials: frozenset[str]) -> tuple[str, ...] | None:
    """The keys of a phrase of plain words, made without spaCy; None when spaCy must do it.

    A word of letters only that is not one of the tokenizer's special cases ("cannot",
    "dont") is exactly one spaCy token (checked against the tokenizer in the tests), so its
    key is the keyer's. Anything else (digits, hyphens, apostrophes, combining marks) is
    left to the pipeline.
    """
    words = phrase.split()
    if not words or not all(w.isalpha() and w not in specials for w in words):
        return None
    k = keyer(lang)
    return tuple(k(w) for w in words)
