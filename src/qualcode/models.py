"""Plain frozen records passed between the store, the library and the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

INTERVIEWER = "interviewer"
RESPONDENT = "respondent"


@dataclass(frozen=True)
class ParsedTurn:
    """A speaker turn as an importer found it: offsets index the transcript text."""

    speaker: str
    role: str  # INTERVIEWER or RESPONDENT
    start: int
    end: int
    start_time: float | None = None  # seconds, for subtitles
    end_time: float | None = None


@dataclass(frozen=True)
class ParsedTranscript:
    """What an importer returns for one file, before it is stored."""

    file_name: str
    format: str  # txt, md, docx, vtt, srt
    encoding: str | None
    sha256: str
    text: str
    header_end: int  # text[:header_end] is the header (before the first label)
    turns: tuple[ParsedTurn, ...]
    warnings: tuple[str, ...] = ()
    # When no turn has an interviewer role: the speaker the importer proposes (the header
    # names them, or they ask most questions); the user confirms with --interviewer.
    proposed_interviewer: str | None = None
    speaker_turns: tuple[tuple[str, int], ...] = ()  # (speaker, turns) in order of appearance


@dataclass(frozen=True)
class Transcript:
    """A stored transcript (without its text unless asked)."""

    id: int
    name: str
    file_name: str
    format: str
    encoding: str | None
    sha256: str
    language: str | None
    respondent: str | None
    imported_at: str
    turn_count: int = 0
    tag_count: int = 0
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Turn:
    """A stored speaker turn, numbered from 1 within its transcript."""

    id: int
    transcript_id: int
    number: int
    speaker: str
    role: str
    start: int
    end: int
    text: str
    start_time: float | None = None
    end_time: float | None = None


@dataclass(frozen=True)
class Code:
    """A codebook theme; parent is a code name or None."""

    id: int
    name: str
    label: str | None
    description: str | None
    color: str | None
    parent: str | None
    position: int
    keywords: tuple[str, ...] = ()
    rules: dict[str, Any] = field(default_factory=dict)
    active: bool = True


@dataclass(frozen=True)
class Tag:
    """One application of a code to a passage."""

    id: int
    transcript: str
    code: str
    start: int
    end: int
    text: str
    coder: str
    origin: str  # manual | suggested
    created_at: str
    turn_number: int | None = None
    rule: str | None = None
    memo: str | None = None
