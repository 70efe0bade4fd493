"""Plain frozen records passed between the store, the library and the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

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
    declared_language: str | None = None  # what the file says it is (a WebVTT Language: line)


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


@dataclass(frozen=True, slots=True)
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
    status: str = "placed"  # placed | detached (its text is gone from an edited transcript)


@dataclass(frozen=True)
class TranscriptView:
    """One transcript with its turns and tags, as `qualcode show` prints it."""

    transcript: Transcript
    header: str
    turns: list[Turn]
    tags: list[Tag]
    text: str = ""  # the full transcript text, so callers need not read it again


@dataclass(frozen=True)
class Respondent:
    """A respondent (the case) with attributes and the transcripts linked to it."""

    id: str
    attributes: dict[str, str]
    transcripts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Change:
    """One row changed by a command: the table, the action and the row before/after."""

    table: str
    action: str  # insert | update | delete
    key: tuple[Any, ...]
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    transcript: str | None = None
    code: str | None = None


@dataclass(frozen=True)
class DecisionSet:
    """Bulk decisions on one transcript's suggestions of one code, recorded as one entry.

    kind 'decide' made the decisions (and `tags` tags); 'revert' took them back (an undo).
    """

    kind: str  # decide | revert
    status: str  # accepted | rejected
    coder: str
    at: str
    transcript: str | None
    code: str | None
    suggestions: int
    tags: int

    @property
    def size(self) -> int:
        """How many row changes this stands for: each decision and each tag."""
        return self.suggestions + self.tags


@dataclass(frozen=True)
class LogEntry:
    """One recorded command with its changes (row by row, and bulk decisions as sets)."""

    id: int
    at: str
    coder: str
    command: str
    changes: tuple[Change, ...]
    undo_of: int | None = None
    undone_by: int | None = None
    decisions: tuple[DecisionSet, ...] = ()

    @property
    def size(self) -> int:
        """How many rows the command changed."""
        return len(self.changes) + sum(d.size for d in self.decisions)


class TagFact(NamedTuple):
    """What reports need of one tag. A NamedTuple, not a dataclass: reports build one per tag
    (100,000s), and tuples are several times cheaper to make."""

    code_id: int
    respondent: str
    transcript_id: int
    start: int
    end: int
    turn_id: int | None = None
    text: str = ""
    transcript: str = ""
    turn: int | None = None


@dataclass(frozen=True)
class MatchedTerm:
    """A keyword or pattern found in a suggested passage."""

    term: str
    text: str
    start: int
    end: int
    kind: str  # keyword | pattern


@dataclass(frozen=True)
class Suggestion:
    """A stored suggestion with what a reviewer needs to judge it."""

    id: int
    transcript: str
    turn: int | None
    code: str
    start: int
    end: int
    score: float
    matched: tuple[MatchedTerm, ...]
    rule: str | None
    status: str
    codebook_version: int | None
    text: str  # the suggested passage
    turn_start: int = 0
    turn_text: str = ""  # the whole turn, for context
    speaker: str = ""
    decided_by: str | None = None
    accepted_as: str | None = None  # the code of the tag made on acceptance
    probability: float | None = None  # calibrated; None when rules alone suggested it

    @property
    def why(self) -> str:
        """The matched terms, each with the first form found: 'mācības (mācību), kursi'."""
        first: dict[str, str] = {}
        for m in self.matched:
            first.setdefault(m.term, m.text)
        return ", ".join(t if t.lower() == w.lower() else f"{t} ({w})" for t, w in first.items())


@dataclass(frozen=True)
class Decision:
    """The outcome of one review decision."""

    suggestion: int
    status: str
    tag_id: int | None = None
    code: str | None = None
