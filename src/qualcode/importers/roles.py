"""Who is the interviewer when no label says so: a proposal the user confirms."""

from __future__ import annotations

import re
from collections import Counter

from qualcode.importers.speakers import label_key
from qualcode.models import INTERVIEWER, ParsedTurn

# Header lines that name the interviewer ("Interviewer: Jane Doe", "Intervētāja: Anna").
_HEADER_INTERVIEWER = re.compile(
    r"^[ \t*_]*(?:interviewer|interviewed by|interviewētāj[sa]|intervētāj[sa]|moderator)"
    r"[ \t*_]*[:\-–][ \t*_]*(?P<name>[^\n]{1,80}?)[ \t*_]*$",
    re.IGNORECASE | re.MULTILINE,
)
MIN_QUESTIONS = 3


def speaker_turns(turns: tuple[ParsedTurn, ...]) -> tuple[tuple[str, int], ...]:
    """(speaker, number of turns) in order of first appearance."""
    return tuple(Counter(turn.speaker for turn in turns).items())


def _header_name(header: str, speakers: list[str]) -> str | None:
    """The speaker the header names as interviewer (full name, or its initials)."""
    for m in _HEADER_INTERVIEWER.finditer(header):
        name = label_key(m["name"])
        initials = "".join(word[0] for word in name.split())
        for speaker in speakers:
            key = label_key(speaker)
            if key in (name, initials) or (len(key) > 2 and key in name.split()):
                return speaker
    return None


def propose_interviewer(text: str, header_end: int, turns: tuple[ParsedTurn, ...]) -> str | None:
    """A speaker to propose as interviewer when none is known, or None.

    The header's "Interviewer: Name" wins; otherwise the speaker who asks clearly most
    questions (at least three, and more than anyone else) is proposed.
    """
    speakers = list(dict.fromkeys(turn.speaker for turn in turns))
    if len(speakers) < 2 or any(turn.role == INTERVIEWER for turn in turns):
        return None
    named = _header_name(text[:header_end], speakers)
    if named is not None:
        return named
    questions: Counter[str] = Counter()
    for turn in turns:
        questions[turn.speaker] += text.count("?", turn.start, turn.end)
    ranked = questions.most_common(2)
    top, asked = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0
    if asked >= MIN_QUESTIONS and asked > runner_up:
        return top
    return None
