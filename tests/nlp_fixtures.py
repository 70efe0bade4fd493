"""Builders for matching tests: transcripts and codes made in memory (no database)."""

from __future__ import annotations

from typing import Any

from qualcode.models import Code, Turn
from qualcode.nlp.cache import TranscriptText


def make_item(turns: list[tuple[str, str]], lang: str = "lv", tid: int = 1) -> TranscriptText:
    """A transcript of (role, text) turns laid out as 'R: text' lines, like an import."""
    text, out = "Intervija\n\n", []
    for number, (role, body) in enumerate(turns, start=1):
        text += "I: " if role == "interviewer" else "R: "
        start = len(text)
        text += body
        out.append(Turn(number, tid, number, role[0].upper(), role, start, len(text), body))
        text += "\n\n"
    return TranscriptText(tid, "T", "sha", lang, text, tuple(out))


def make_code(name: str, keywords: list[str], code_id: int = 1, **rules: Any) -> Code:
    """A code with keywords and rules (patterns, exclude, window)."""
    return Code(
        code_id, name, None, None, None, None, 0, tuple(keywords), {"window": "turn", **rules}
    )
