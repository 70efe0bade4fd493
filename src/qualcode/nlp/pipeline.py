"""spaCy pipelines per language: `spacy.blank(lang)` and the component that sets keys.

spaCy is imported inside functions only (ruff TID253), so commands that never tokenise
(report, show, tag ...) start without it. A pipeline is built once per process and language.
"""

from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from .keys import KEY_VERSION, Keyer, keyer

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

COMPONENT = "qualcode_keys"
FALLBACK_LANG = "xx"  # spaCy's multi-language class: basic tokenisation, no language data


@dataclass(frozen=True)
class Pipeline:
    """A language's spaCy pipeline and how it was made."""

    lang: str  # the language asked for (the transcript's)
    nlp: Language
    warning: str | None = None  # set when a basic fallback pipeline stands in

    @property
    def version(self) -> str:
        """Identifies the keys this pipeline produces (token caches are checked against it)."""
        return pipeline_version(self.lang)


def _dist_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "?"


@cache
def pipeline_version(lang: str) -> str:
    """The version string of a language's pipeline, known without importing spaCy."""
    return (
        f"{lang}/keys-{KEY_VERSION}/spacy-{_dist_version('spacy')}"
        f"/simplemma-{_dist_version('simplemma')}/stemmer-{_dist_version('LatvianStemmer')}"
    )


class KeyComponent:
    """Puts each token's matching key in `token.norm_`.

    Keys are set on the vocabulary's lexemes, once per word form, so every later token of
    that form gets its key for free; only tokens whose norm a tokenizer exception set (e.g.
    English "n't") need a per-token fix.
    """

    def __init__(self, lang: str) -> None:
        self.keyer: Keyer = keyer(lang)
        self.norms: dict[int, int] = {}  # orth id -> key id, for lexemes keyed already

    def __call__(self, doc: Doc) -> Doc:
        import numpy as np
        from spacy.attrs import NORM, ORTH

        orths = doc.to_array(ORTH)
        if not len(orths):
            return doc
        uniq, inverse = np.unique(orths, return_inverse=True)
        vocab, norms = doc.vocab, self.norms
        lex_norms = np.empty(len(uniq), dtype=np.uint64)
        for i, orth in enumerate(uniq.tolist()):
            norm = norms.get(orth)
            if norm is None:
                lex = vocab[orth]
                lex.norm_ = self.keyer(lex.orth_)
                norm = norms[orth] = lex.norm
            lex_norms[i] = norm
        # Read the norms after keying the lexemes: a token that still differs has its own
        # norm from a tokenizer exception, and gets the key of that norm.
        token_norms = doc.to_array(NORM)
        for i in np.flatnonzero(token_norms != lex_norms[inverse.ravel()]).tolist():
            token = doc[i]
            token.norm_ = self.keyer(token.norm_)
        return doc


def _register() -> None:
    from spacy.language import Language

    if Language.has_factory(COMPONENT):
        return

    @Language.factory(COMPONENT, default_config={"lang": "lv"})
    def make_keys(nlp: Language, name: str, lang: str) -> KeyComponent:
        return KeyComponent(lang)


def _drop_inert_special_cases(nlp: Language) -> None:
    """Remove tokenizer special cases that split exactly as the rules do anyway.

    A special case such as "\\n" or "—" changes no token boundary (it only sets ORTH/NORM,
    and NORM is replaced by the key), but each one that occurs in a text turns off the
    tokenizer's cache for the rest of that text: tokenising a transcript ran ~10x slower.
    """
    from spacy.attrs import NORM, ORTH

    tokenizer: Any = nlp.tokenizer
    rules: dict[str, Any] = dict(tokenizer.rules or {})
    tokenizer.rules = {}
    keep = {}
    for text, subs in rules.items():
        same = [t.text for t in tokenizer(text)] == [d.get(ORTH) for d in subs]
        if not same or any(set(d) - {ORTH, NORM} for d in subs):
            keep[text] = subs
    tokenizer.rules = keep


# The lexeme attributes anything here reads (NORM is replaced by the key; IS_SPACE and
# IS_PUNCT are read from tokens). spaCy computes every attribute of its language's getters
# for each new word form (shape, prefix, suffix, like_url, like_num, is_stop ...):
# dropping the others makes a new lexeme some 40% cheaper, paid for every distinct form.
_LEXEME_ATTRS = ("NORM", "IS_PUNCT", "IS_SPACE")


def _slim_lexemes(nlp: Language) -> None:
    """Compute only the lexeme attributes that are read (see _LEXEME_ATTRS)."""
    from spacy import attrs

    keep = {getattr(attrs, name) for name in _LEXEME_ATTRS}
    vocab: Any = nlp.vocab
    vocab.lex_attr_getters = {k: v for k, v in vocab.lex_attr_getters.items() if k in keep}


@cache
def pipeline(lang: str) -> Pipeline:
    """The pipeline for a language code (built once per process)."""
    import spacy

    _register()
    warning = None
    try:
        nlp = spacy.blank(lang)
    except (ImportError, KeyError, ValueError):
        nlp = spacy.blank(FALLBACK_LANG)
        warning = (
            f"spaCy has no language class for {lang!r}; using a basic multi-language "
            "pipeline (lowercase keys, no lemmas) for it"
        )
    _drop_inert_special_cases(nlp)
    _slim_lexemes(nlp)
    # No sentencizer: the token cache finds sentence starts from the token arrays with the
    # same rule (see cache.sentence_starts), several times faster than a per-token pass.
    nlp.add_pipe(COMPONENT, config={"lang": lang})
    return Pipeline(lang, nlp, warning)


@cache
def stop_keys(lang: str) -> frozenset[str]:
    """Keys of the language's stop words (left out of keyness and similarity)."""
    from .stopwords import EXTRA

    words = set(getattr(pipeline(lang).nlp.Defaults, "stop_words", set()) or set())
    k = keyer(lang)
    return frozenset(k(w) for w in words | EXTRA.get(lang, frozenset()))
