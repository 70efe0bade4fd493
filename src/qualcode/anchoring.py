"""Re-placing tags and decisions on an edited transcript (interim: exact text search)."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from .models import Turn


@dataclass(frozen=True)
class Anchor:
    """A passage to re-place: its old offsets, text, and turn."""

    key: Hashable
    start: int
    end: int
    text: str
    whole_turn: bool
    turn_number: int | None


@dataclass(frozen=True)
class Placement:
    """Where an anchor went: status exact, moved, fuzzy, turn or detached."""

    key: Hashable
    status: str
    start: int | None
    end: int | None
    note: str = ""


def place_anchors(
    old_text: str,
    new_text: str,
    old_turns: Sequence[Turn],
    new_turns: Sequence[Turn],
    anchors: Sequence[Anchor],
) -> list[Placement]:
    """One placement per anchor, in order."""
    out = []
    for a in anchors:
        hits, i = [], new_text.find(a.text)
        while i != -1 and a.text:
            hits.append(i)
            i = new_text.find(a.text, i + 1)
        if not hits:
            out.append(Placement(a.key, "detached", None, None))
            continue
        start = min(hits, key=lambda p: abs(p - a.start))
        status = "exact" if start == a.start else "moved"
        out.append(Placement(a.key, status, start, start + len(a.text)))
    return out
