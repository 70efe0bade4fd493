"""Language of a transcript, by py3langid (its model ships inside the package).

py3langid is imported and its model loaded on the first guess only (about a second), so
commands that never guess a language start without it.
"""

from __future__ import annotations

import functools
import re
from typing import Any

_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)
_TIMESTAMP = re.compile(r"\[?\(?\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?\)?\]?")
_MARKUP = re.compile(r"<[^>]*>|&#?\w+;|[*_#]+")

# Fewer words than this and the guess is a coin toss: say "unknown" instead.
MIN_WORDS = 12
# Below this normalised probability the text is mixed or unclear.
MIN_CONFIDENCE = 0.8
_SAMPLE = 20000
# Not languages anyone records an interview in: Latin is lorem-ipsum filler, the others
# are classical or constructed, or regional varieties the model confuses with their
# neighbours (Latgalian with Latvian, Aragonese and Extremaduran with Spanish, Occitan,
# Ligurian, Venetian and Walloon with French and Italian). Leaving them out lets the
# neighbour win or the guess stay unknown.
EXCLUDED = frozenset(
    {"la", "grc", "hbo", "sa", "vo", "eo", "zxx", "ltg", "ext", "an", "oc", "lij", "vec",
     "wa", "gcf", "gcr", "ace", "bcl"}
)  # fmt: skip


@functools.lru_cache(maxsize=1)
def _identifier() -> Any:
    """py3langid's identifier with normalised probabilities (loaded once, lazily)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages([lang for lang in identifier.labels if lang not in EXCLUDED])
    return identifier


def _sample(text: str) -> str:
    """Up to 20,000 characters of text without timestamps and markup (they carry no language)."""
    return _MARKUP.sub(" ", _TIMESTAMP.sub(" ", text[:_SAMPLE]))


def identify_language(text: str) -> tuple[str | None, float]:
    """(ISO 639-1 code, confidence 0..1) of text; (None, 0.0) when too short to tell."""
    sample = _sample(text)
    if len(_WORD.findall(sample)) < MIN_WORDS:
        return None, 0.0
    lang, prob = _identifier().classify(sample)
    return str(lang), float(prob)


def guess_language(text: str, default: str | None = None) -> str | None:
    """The text's language as an ISO 639-1 code; default when short or unclear."""
    lang, confidence = identify_language(text)
    if lang is None or confidence < MIN_CONFIDENCE:
        return default
    return lang
