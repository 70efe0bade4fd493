"""Converting selection positions between counting models and guessing which one a file used.

REFI-QDA counts Unicode code points; NVivo for Windows counts UTF-16 code units (astral
characters count 2); some tools count a CRLF as one character. All are mapped to code
points into the source text exactly as stored (BOM removed, CRLF kept).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from itertools import accumulate

from .model import CODEPOINT, CRLF_AS_ONE, UTF16

MODELS = (CODEPOINT, UTF16, CRLF_AS_ONE)


class Positions:
    """Maps a unit offset under one counting model to a code point offset in a text."""

    def __init__(self, text: str, model: str) -> None:
        self.text = text
        self.model = model
        self._starts: list[int] | None = None  # unit offset at which each code point begins
        if model == UTF16 and any(ord(c) > 0xFFFF for c in text):
            self._starts = _prefix([2 if ord(c) > 0xFFFF else 1 for c in text])
        elif model == CRLF_AS_ONE and "\r\n" in text:
            # the \r of a CRLF takes no unit: the pair counts once, at the \n
            widths = [1] * len(text)
            for i in range(len(text) - 1):
                if text[i] == "\r" and text[i + 1] == "\n":
                    widths[i] = 0
            self._starts = _prefix(widths)

    def units(self) -> int:
        """The length of the text in this model's units."""
        return len(self.text) if self._starts is None else self._starts[-1]

    def to_codepoint(self, unit: int) -> int | None:
        """The code point offset for a unit offset, or None when it splits a character."""
        if unit < 0 or unit > self.units():
            return None
        if self._starts is None:
            return unit
        index = bisect_left(self._starts, unit)
        if self._starts[index] != unit:
            return None  # inside a surrogate pair
        # a CRLF's \r and \n share a unit offset: bisect_left lands on the \r, before both
        return index

    def from_codepoint(self, index: int) -> int:
        """The unit offset of a code point offset."""
        return index if self._starts is None else self._starts[index]


def _prefix(widths: list[int]) -> list[int]:
    """Unit offsets where each code point starts, plus the total at the end."""
    return [0, *accumulate(widths)]


def is_boundary(text: str, index: int) -> bool:
    """True when index falls between words (or at either end of the text)."""
    if index <= 0 or index >= len(text):
        return True
    return not (text[index - 1].isalnum() and text[index].isalnum())


def declared_model(origin: str | None) -> str:
    """The counting model a tool's origin string implies."""
    lowered = (origin or "").lower()
    if "nvivo" in lowered and "mac" not in lowered:
        return UTF16  # NVivo for Windows counts like .NET strings
    return CODEPOINT


MIN_EVIDENCE = 3  # selections whose placing differs between models, needed to override


def choose_model(
    origin: str | None, texts_and_spans: Sequence[tuple[str, Sequence[tuple[int, int]]]]
) -> tuple[str, str | None]:
    """The counting model for a project and, when it overrides the origin, why.

    The origin decides unless the selections say otherwise: among the selections that land
    differently under the models (after an emoji or a CRLF), the declared model must put most
    ends between words, or fail where another model places nearly all of them cleanly.
    """
    declared = declared_model(origin)
    if (origin or "").lower().startswith("qualcode"):
        return declared, None  # our own writer counts code points
    placed = dict.fromkeys(MODELS, 0)
    bounded = dict.fromkeys(MODELS, 0)
    telling = 0
    for text, spans in texts_and_spans:
        if not spans or not (any(ord(c) > 0xFFFF for c in text) or "\r\n" in text):
            continue
        maps = {m: Positions(text, m) for m in MODELS}
        for start, end in spans:
            got = {m: (p.to_codepoint(start), p.to_codepoint(end)) for m, p in maps.items()}
            if len(set(got.values())) == 1:
                continue  # every model agrees: no evidence either way
            telling += 1
            for m, (a, b) in got.items():
                if a is not None and b is not None and a <= b:
                    placed[m] += 1
                    bounded[m] += is_boundary(text, a) + is_boundary(text, b)
    if telling < MIN_EVIDENCE:
        return declared, None

    def share(m: str) -> float:
        return bounded[m] / (2 * telling)

    best = max(MODELS, key=lambda m: (placed[m], share(m), m == declared))
    if best == declared or placed[best] < telling or share(best) < 0.9:
        return declared, None
    if placed[declared] == telling and share(declared) >= 0.75:
        return declared, None
    return best, (
        f"positions read as {best} although the origin {origin!r} implies {declared}: "
        f"of {telling} selections that tell them apart, {best} places all with "
        f"{share(best):.0%} of ends between words, {declared} places {placed[declared]} "
        f"with {share(declared):.0%}"
    )
