"""Case-insensitive regex search made fast: a case-sensitive pattern on the lowered text.

Python's `re` with IGNORECASE is several times slower than a case-sensitive search, so a
pattern is run on `text.lower()` (made once per transcript) whenever that provably finds
the same spans, and on the original text with IGNORECASE otherwise:

- the pattern has no character outside escapes that lower() changes (no uppercase or
  titlecase literal, so no `[A-Z]` class either), no inline flag group (`(?i)`, `(?-i:...)`,
  `(?P<..>` is caught by its uppercase `P`), no character given by code (`\\x41`, `\\u..`,
  `\\N{..}`, octal), no back-reference, and no class range other than within a-z or 0-9 (a
  range such as `[0-a]` matches "b" ignoring case, through its uppercase members);
- lower() keeps the text's length, so every character lowers to exactly one and offsets
  agree ('İ' lowers to two characters: then the original text is searched);
- the lowered text holds none of the characters `re` treats as extra case variants of the
  pattern's letters (e.g. dotless 'ı' for 'i', long 'ſ' for 's', final 'ς' for 'σ'): an
  IGNORECASE 'i' matches 'ı', a case-sensitive 'i' on the lowered text does not.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from functools import cache

_TOKEN = re.compile(r"\\(.)|(.)", re.DOTALL)
# Escapes that stand for a character by its code, or a group's text: their case is unknown.
_CODE_ESCAPES = frozenset("xuUN0123456789")
_SAFE_RANGE = re.compile(r"[a-z]-[a-z]|[0-9]-[0-9]")


@cache
def _extra_cases() -> dict[int, tuple[int, ...]] | None:
    """`re`'s own table of extra case variants (code point -> its variants), if it has one."""
    compiler = importlib.import_module("re._compiler")
    for name in ("_EXTRA_CASES", "_ignorecase_fixes"):  # 3.11+ and the older name
        table = getattr(compiler, name, None)
        if isinstance(table, dict):
            return table
    return None  # unknown: every pattern is searched with IGNORECASE


def _tokens(pattern: str) -> list[tuple[str, bool]]:
    """(character, escaped?) of a pattern, left to right (an escape is its one character)."""
    return [
        (m.group(1), True) if m.group(1) is not None else (m.group(2), False)
        for m in _TOKEN.finditer(pattern)
    ]


def _lowercase_form(pattern: str) -> frozenset[str] | None:
    """The extra case variants of a pattern's letters, or None when the lowered text may
    not be searched in its place (see the module docstring)."""
    extra = _extra_cases()
    if extra is None:
        return None
    toks = _tokens(pattern)
    letters: set[str] = set()
    in_class = False
    for i, (ch, escaped) in enumerate(toks):
        if escaped and ch.isascii() and ch.isalnum():
            if ch in _CODE_ESCAPES:
                return None
            continue  # a class (\w, \S), an anchor (\b, \A) or a control character (\n)
        if ch.lower() != ch:
            return None  # an uppercase or titlecase literal, escaped or not
        letters.add(ch)
        if escaped:
            continue
        if in_class:
            # The class ends at an unescaped "]" unless it is the class's first member.
            first = toks[i - 1] == ("[", False) or toks[i - 2 : i] == [("[", False), ("^", False)]
            if ch == "]" and not first:
                in_class = False
            elif ch == "-" and not first and i < len(toks) - 1:
                low, high = toks[i - 1], toks[i + 1]
                if high != ("]", False) and (
                    low[1] or high[1] or not _SAFE_RANGE.fullmatch(f"{low[0]}-{high[0]}")
                ):
                    return None  # a range beyond a-z or 0-9 (or read as one, to be safe)
                if high != ("]", False):
                    letters.update(chr(c) for c in range(ord(low[0]), ord(high[0]) + 1))
        elif ch == "[":
            in_class = True
        elif ch == "?" and toks[i - 1 : i] == [("(", False)] and i + 1 < len(toks):
            nxt, nxt_escaped = toks[i + 1]
            if not nxt_escaped and (nxt.isalpha() or nxt == "-"):
                return None  # an inline flag group: (?i) (?a) (?-i:...)
    return frozenset(chr(c) for ch in letters for c in extra.get(ord(ch), ()))


@cache
def lowered_pattern(pattern: re.Pattern[str]) -> tuple[re.Pattern[str], frozenset[str]] | None:
    """A case-sensitive twin of an IGNORECASE pattern for lowered text, with the characters
    whose presence in the lowered text rules it out; None when there is no such twin."""
    if not pattern.flags & re.IGNORECASE or pattern.flags & (re.ASCII | re.LOCALE):
        return None
    variants = _lowercase_form(pattern.pattern)
    if variants is None:
        return None
    return re.compile(pattern.pattern, pattern.flags & ~re.IGNORECASE), variants


class CaselessText:
    """A transcript's text with its lowered copy (made once, on first use)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._lowered: str | None = None
        self._same_length: bool | None = None
        self._holds: dict[frozenset[str], bool] = {}  # variants -> any in the lowered text

    def lowered(self) -> str | None:
        """text.lower() when it keeps every offset, else None."""
        if self._same_length is None:
            lowered = self.text.lower()
            self._same_length = len(lowered) == len(self.text)
            self._lowered = lowered if self._same_length else None
        return self._lowered

    def finditer(
        self, pattern: re.Pattern[str], lo: int = 0, hi: int | None = None
    ) -> Iterator[re.Match[str]]:
        """pattern.finditer(text, lo, hi), on the lowered text when that finds the same spans.

        The matches' spans are those of the original text; their group text may be lowered.
        """
        end = len(self.text) if hi is None else hi
        twin = lowered_pattern(pattern)
        if twin is not None:
            lowered = self.lowered()
            fast, variants = twin
            if lowered is not None:
                holds = self._holds.get(variants)
                if holds is None:
                    holds = self._holds[variants] = any(v in lowered for v in variants)
                if not holds:
                    return fast.finditer(lowered, lo, end)
        return pattern.finditer(self.text, lo, end)
