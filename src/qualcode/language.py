"""Language of a transcript, by py3langid (its model ships inside the package).

py3langid is imported and its model loaded on the first guess only (about a second), so
commands that never guess a language start without it.
"""

from __future__ import annotations

import functools
import re
from typing import Any

_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)
# Speaker labels, timestamps and markup say nothing about the language and, in a short
# text, would outvote it ("Interviewer:" in every line of a Latvian file).
_NOISE = re.compile(
    r"^[ \t]*(?:[#*_>\[\]()\d:.,\t -]*[^\W\d_][\w .'’-]{0,40}?[*_\])]*[ \t]*[:.]?[*_]*[ \t]+)?",
    re.MULTILINE,
)
_TIMESTAMP = re.compile(r"\[?\(?\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?\)?\]?")
_MARKUP = re.compile(r"<[^>]*>|&#?\w+;|[*_#]+")

# Fewer words than this and the guess is a coin toss: say "unknown" instead.
MIN_WORDS = 12
# Below this normalised probability the text is mixed or unclear.
MIN_CONFIDENCE = 0.6
_SAMPLE = 20000


@functools.lru_cache(maxsize=1)
def _identifier() -> Any:
    """py3langid's identifier with normalised probabilities (loaded once, lazily)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _sample(text: str) -> str:
    """Up to 20,000 characters of text without timestamps and markup."""
    sample = _MARKUP.sub(" ", _TIMESTAMP.sub(" ", text[:_SAMPLE]))
    return sample


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
