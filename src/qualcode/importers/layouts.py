"""Speaker labels without a colon: the layouts other tools export.

- own-line: `Anna Liepa   0:05` alone on a line (Otter, Teams and Zoom transcripts), the
  utterance on the next lines;
- heading: `### Anna` alone on a line (Markdown), the utterance below;
- bold: `**Anna** text` or `**Anna** [0:05] text` (Markdown podcast transcripts);
- bracket: `[id1] text` (QualCoder speaker ids);
- stop: parliament stenograms, `Sēdes vadītāja. text` or `A. Bērziņa (JV). text`.

Each matcher returns a Candidate; speakers.accepted() decides with the file's counts.
"""

from __future__ import annotations

import re

from qualcode.importers.speakers import Candidate, clock_seconds

_TIME = r"(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
_NAME = r"[^\W\d_](?:[^\W_]|[\u0300-\u036f .'’\-]){0,59}?"

_OWN_LINE = re.compile(rf"[ \t]*(?P<label>{_NAME})[ \t]{{2,}}(?P<time>{_TIME})[ \t]*")
_OWN_LINE_ONE_SPACE = re.compile(rf"[ \t]*(?P<label>{_NAME}) (?P<time>{_TIME})[ \t]*")
_HEADING = re.compile(rf"#{{1,6}}[ \t]+(?P<label>{_NAME})[ \t]*:?[ \t]*#*[ \t]*")
_BOLD = re.compile(
    rf"[ \t]*(?P<mark>\*\*|__)(?P<label>{_NAME})(?P=mark)"
    rf"(?:[ \t]*[\[(](?P<time>{_TIME})[\])])?[ \t]+(?=\S)"
)
_BRACKET = re.compile(r"[ \t]*\[(?P<label>[^\W\d_][^\W_]{0,19})\][ \t]+(?=\S)")
# "A. Bērziņa (JV)." or "Sēdes vadītāja." at the start of a paragraph, text after it.
_STOP_NAMED = re.compile(
    r"(?P<label>(?:[^\W\d_]\.[ \t]?){1,2}[ \t]*[^\W\d_][\w'’\-]+(?:[ \t][^\W\d_][\w'’\-]+)?"
    r"[ \t]*\([^()\n]{1,60}\))\.[ \t]+(?=\S)"
)
_STOP_CHAIR = re.compile(r"(?P<label>[^\W\d_][\w]+(?:[ \t][\w]+)?)\.[ \t]+(?=\S)")
# Who chairs a sitting, as stenograms label them (the label is a role, not a name).
CHAIR_LABELS = frozenset(
    {"sēdes vadītājs", "sēdes vadītāja", "priekšsēdētājs", "priekšsēdētāja",
     "the chair", "the speaker", "the president", "chair", "chairman", "chairwoman",
     "posėdžio pirmininkas", "posėdžio pirmininkė", "pirmininkas", "pirmininkė"}
)  # fmt: skip


def match_layout(line: str, paragraph_start: bool) -> Candidate | None:
    """A colon-less label at the start of line, or None.

    paragraph_start tells whether a blank line (or the file start) comes before: stenogram
    labels ending in a full stop are only taken there, where a sentence cannot continue.
    """
    m = _OWN_LINE.fullmatch(line) or _OWN_LINE_ONE_SPACE.fullmatch(line)
    if m is not None:
        return Candidate(
            m["label"].strip(), len(line), False, False, clock_seconds(m["time"]), True, "own-line"
        )
    m = _HEADING.fullmatch(line)
    if m is not None:
        return Candidate(m["label"].strip(), len(line), True, False, None, False, "heading")
    m = _BOLD.match(line)
    if m is not None:
        time = clock_seconds(m["time"]) if m["time"] else None
        return Candidate(m["label"].strip(), m.end(), True, False, time, False, "bold")
    m = _BRACKET.match(line)
    if m is not None:
        return Candidate(m["label"], m.end(), False, False, None, False, "bracket")
    if paragraph_start:
        m = _STOP_NAMED.match(line)
        if m is not None:
            return Candidate(
                " ".join(m["label"].split()), m.end(), False, False, None, True, "stop"
            )
        m = _STOP_CHAIR.match(line)
        if m is not None and " ".join(m["label"].casefold().split()) in CHAIR_LABELS:
            return Candidate(
                " ".join(m["label"].split()), m.end(), False, False, None, True, "stop"
            )
    return None
