"""Speaker labels: which lines start a turn, who speaks, and where each utterance lies."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from qualcode.models import INTERVIEWER, RESPONDENT, ParsedTurn

DEFAULT_INTERVIEWERS: frozenset[str] = frozenset(
    {
        "I", "Int", "Interv", "Q", "Intervētājs", "Intervētāja", "Intervētāji", "Intervētājas",
        "Interviewer", "Interviewers", "Moderator", "Moderatore", "Moderators", "Moderatori",
        "Facilitator", "Interviewētājs", "Interviewētāja",
    }
)  # fmt: skip
DEFAULT_RESPONDENTS: frozenset[str] = frozenset(
    {
        "R", "A", "Resp", "Respondents", "Respondente", "Respondenti", "Respondentes",
        "Respondent", "Interviewee", "Participant", "Dalībnieks", "Dalībniece", "P",
        "Narrator", "Informant", "Stāstītājs", "Stāstītāja",
    }
)  # fmt: skip

# Words that begin lines with a colon in ordinary prose ("Piemēram: ..."); never taken for
# a speaker unless the user lists them in SpeakerRules.labels.
NOT_SPEAKERS: frozenset[str] = frozenset(
    {
        "piemēram", "piem", "piezīme", "piezīmes", "proti", "tātad", "respektīvi", "uzmanību",
        "avots", "atsauce", "note", "notes", "nb", "ps", "p.s", "e.g", "example", "source",
        "summary", "kopsavilkums",
        # Editorial markers written like labels ("**Break:** [07:50]", "[Music]").
        "break", "pause", "music", "applause", "laughter", "laughs", "laughing", "inaudible",
        "unintelligible", "crosstalk", "cross talk", "silence", "noise", "intro", "outro",
        "end", "sponsor", "ad", "ad break", "transcript", "transcription", "chapter", "part",
        "pauze", "mūzika", "smiekli", "nesaprotami", "pārtraukums",
    }
)  # fmt: skip

# Speaker of a transcript without any labels.
FALLBACK_SPEAKER = "R"
NO_LABELS_WARNING = "no speaker labels found; the whole text is one respondent turn"

_TIME = r"(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
# A label line: optional timestamp ("[00:12:03]", "00:12 -"), optional Markdown markup
# around the label ("**R:**", "**R**:", "__R:__"), the label, a colon. The label starts with
# a letter; combining marks are listed because NFD text (macOS exports) has them and \w
# does not match them.
_LINE_RE = re.compile(
    r"[ \t]*"
    rf"(?:(?P<open>[\[(])?(?P<time>{_TIME})(?(open)[\])])[ \t]*(?:[-–][ \t]*)?)?"
    r"(?P<mark>\*\*|__|\*|_)?"
    r"(?P<label>[^\W\d_](?:[^\W_]|[\u0300-\u036f .'’\-]){0,59}?)"
    # Zoom and Descript put the time after the name: "Anna (00:01):", "Anna [1:02:03]:".
    rf"(?:[ \t]*[(\[](?P<time2>{_TIME})[)\]])?"
    r"(?(mark)(?:(?P=mark)[ \t]*:|[ \t]*:[ \t]*(?P=mark))|[ \t]*:)"
)
_NUMBER_SUFFIX = re.compile(r"[\s._#-]*\d+$")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def label_key(label: str) -> str:
    """The form labels are compared in: NFC, case-folded, single spaces."""
    return " ".join(unicodedata.normalize("NFC", label).casefold().split())


def speaker_name(label: str) -> str:
    """The speaker as stored: the label in NFC with single spaces."""
    return " ".join(unicodedata.normalize("NFC", label).split())


@functools.lru_cache(maxsize=64)
def _folded(labels: frozenset[str]) -> frozenset[str]:
    """Label keys of a label set (cached: rules are immutable and reused for every line)."""
    return frozenset(label_key(label) for label in labels)


def _matches(label: str, keys: frozenset[str]) -> bool:
    """True if label, or label without a number suffix ("R2", "Intervētāja 1"), is in keys."""
    key = label_key(label)
    return key in keys or _NUMBER_SUFFIX.sub("", key).rstrip(".") in keys


@dataclass(frozen=True)
class SpeakerRules:
    """Which labels mean the interviewer, and extra labels to always recognise."""

    interviewers: frozenset[str] = DEFAULT_INTERVIEWERS
    labels: frozenset[str] = frozenset()

    def role(self, speaker: str) -> str:
        """INTERVIEWER if the speaker is one of the interviewer labels, else RESPONDENT."""
        return INTERVIEWER if _matches(speaker, _folded(self.interviewers)) else RESPONDENT

    def is_known(self, label: str) -> bool:
        """True for labels recognised even once: defaults, interviewers and extra labels."""
        known = DEFAULT_INTERVIEWERS | DEFAULT_RESPONDENTS | self.interviewers | self.labels
        return _matches(label, _folded(known))

    def is_extra(self, label: str) -> bool:
        """True for a label the user listed in labels (exact, case-insensitive)."""
        return label_key(label) in _folded(self.labels)


DEFAULT_RULES = SpeakerRules()


@dataclass(frozen=True)
class Candidate:
    """Something that looks like a label at the start of a line, not yet accepted."""

    label: str
    end: int  # offset in the line just after the colon (and closing markup)
    marked: bool  # bold or italic Markdown around the label
    tight: bool  # no space after the colon ("R:Jā")
    time: float | None
    # Layout evidence that this is a label even if it occurs once: a timestamp, a tab
    # after the colon (Word and Zoom chat), a line of its own in a timed layout.
    evidence: bool = False
    kind: str = "colon"  # colon, own-line (Otter "Name  0:00"), heading, bold, bracket, stop


@dataclass(frozen=True)
class Label:
    """An accepted label: where its line and its utterance begin, and who speaks."""

    line_start: int
    content_start: int
    speaker: str
    time: float | None = None


@dataclass(frozen=True)
class Segmentation:
    """A text split into header and turns."""

    header_end: int
    turns: tuple[ParsedTurn, ...]
    warnings: tuple[str, ...] = ()


def clock_seconds(clock: str) -> float:
    """Seconds in "hh:mm:ss.mmm", "mm:ss" or "hh:mm:ss,mmm"."""
    whole, _, fraction = clock.replace(",", ".").partition(".")
    seconds = 0
    for part in whole.split(":"):
        seconds = seconds * 60 + int(part)
    return round(seconds + (int(fraction) / 10 ** len(fraction) if fraction else 0.0), 3)


def match_label(line: str) -> Candidate | None:
    """The label-like prefix of a line ("R:", "**Anita:**", "[00:12] I:"), or None."""
    m = _LINE_RE.match(line)
    if m is None:
        return None
    rest = line[m.end() :]
    tight = bool(rest) and rest[0] not in " \t"
    if tight and (rest[0] in "/\\" or rest[0].isdigit()):
        return None  # "http://", "Plkst:10" - not a label even if the word were known
    label = m.group("label").strip()
    clock = m.group("time") or m.group("time2")
    time = clock_seconds(clock) if clock else None
    evidence = time is not None or rest.startswith("\t")
    return Candidate(label, m.end(), m.group("mark") is not None, tight, time, evidence)


def _name_like(label: str) -> bool:
    """1-4 capitalised words ("Anita", "Anita Bērziņa", "Dr. Smith", "P1", "Speaker 2")."""
    words = label.split()
    if len(words) > 1 and words[-1].isdigit():
        words = words[:-1]
    if not 1 <= len(words) <= 4 or len(label) > 40:
        return False
    for word in words:
        if not word[0].isupper():
            return False
        if not all(c.isalnum() or c in ".'’-" or unicodedata.combining(c) for c in word):
            return False
    return True


def is_label_text(label: str, rules: SpeakerRules) -> bool:
    """True if text could be a label when some other evidence (bold, a table) says so."""
    if rules.is_known(label):
        return True
    return _name_like(label) and label_key(label).rstrip(".") not in NOT_SPEAKERS


def _editorial(label: str) -> bool:
    """True for markers written like labels ("Break", "Music"), never speakers."""
    return label_key(label).rstrip(".") in NOT_SPEAKERS


_ID = re.compile(r"[^\W\d_]+\d*")


def accepted(
    candidate: Candidate,
    rules: SpeakerRules,
    counts: Mapping[str, int],
    kinds: Mapping[str, int] | None = None,
) -> bool:
    """Decide whether a candidate starts a turn.

    Known labels always do. An unknown name-like label needs evidence that it is a
    speaker and not a sentence like "Piemēram: ...": markup, a timestamp, a tab after the
    colon, or the same label beginning at least two lines of the file. Colon-less layouts
    need the layout itself to repeat (two "Name  0:00" lines) or the label to.
    """
    repeated = counts.get(label_key(candidate.label), 0) >= 2
    if candidate.kind == "own-line":
        # A whole line of "Name  0:00" is the layout; one such line could be a caption.
        return (kinds or {}).get("own-line", 0) >= 2 and not _editorial(candidate.label)
    if candidate.kind == "stop":
        return not _editorial(candidate.label)
    if candidate.kind == "bracket":
        return repeated and bool(_ID.fullmatch(candidate.label)) and not _editorial(candidate.label)
    if rules.is_known(candidate.label):
        return True
    if candidate.tight or not is_label_text(candidate.label, rules):
        return False
    if candidate.kind in ("heading", "bold"):
        return repeated
    return candidate.marked or candidate.evidence or repeated


def count_labels(labels: Iterable[str]) -> Counter[str]:
    """How often each label (by label_key) begins a line."""
    return Counter(label_key(label) for label in labels)


def find_labels(
    text: str, rules: SpeakerRules, forced: Mapping[int, Label] | None = None
) -> list[Label]:
    """The accepted labels of text in order; forced maps line offsets to labels found otherwise."""
    # Imported here: layouts builds on this module's Candidate.
    from qualcode.importers.layouts import match_layout

    forced = forced or {}
    candidates: list[tuple[int, Candidate]] = []
    pos = 0
    paragraph_start = True
    # split("\n"), not splitlines(): splitlines also breaks at \x0b, \x1c, U+2028 ...,
    # which would put the offsets out of step with the text.
    for line in text.split("\n"):
        if pos not in forced:
            candidate = match_label(line)
            if candidate is None or candidate.kind == "colon" and _editorial(candidate.label):
                candidate = match_layout(line, paragraph_start) or candidate
            if candidate is not None:
                candidates.append((pos, candidate))
        paragraph_start = not line.strip()
        pos += len(line) + 1
    counts = count_labels(
        [c.label for _, c in candidates] + [label.speaker for label in forced.values()]
    )
    kinds = Counter(c.kind for _, c in candidates)
    found = [
        Label(pos, pos + c.end, speaker_name(c.label), c.time)
        for pos, c in candidates
        if accepted(c, rules, counts, kinds)
    ]
    return sorted(found + list(forced.values()), key=lambda label: label.line_start)


def trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink [start, end) past whitespace at both ends; an empty span stays at start."""
    while end > start and text[end - 1].isspace():
        end -= 1
    while start < end and text[start].isspace():
        start += 1
    return start, end


def _skip_metadata(text: str, labels: list[Label]) -> list[Label]:
    """Drop a leading block of one-off "Intervētāja: Anna Liepa" lines: header, not turns.

    Transcripts often open with metadata lines whose keys are speaker words. They are
    taken for header when each of their labels occurs once in the file, they stand in one
    block of two or more short lines that are not questions or exclamations (other
    "Datums: ..." lines may sit between them), a blank line follows the block, and a
    label that does repeat (the dialogue) comes after it.
    """
    counts = count_labels(label.speaker for label in labels)
    repeated = (i for i, lab in enumerate(labels) if counts[label_key(lab.speaker)] >= 2)
    first_dialogue = next(repeated, 0)
    if first_dialogue == 0:
        return labels
    block = text[labels[0].line_start : labels[first_dialogue].line_start]
    body = block.rstrip()
    blank_line_after = block[len(body) :].count("\n") >= 2
    lines = [line for line in body.split("\n") if line.strip()]
    # Metadata is several short fields; a greeting turn ("Labdien!") is one line, or ends
    # in "!" or "?".
    fields = len(lines) >= 2 and all(
        len(line) <= 120 and not line.rstrip().endswith(("?", "!")) for line in lines
    )
    if not blank_line_after or not fields:
        return labels
    # Word files put each field in its own paragraph, with empty ones between: blank lines
    # are fine when every line of the block is a "Key: value" field.
    if _BLANK_LINE.search(body) and not all(match_label(line) for line in lines):
        return labels
    return labels[first_dialogue:]


def split_turns(
    text: str, rules: SpeakerRules = DEFAULT_RULES, forced: Mapping[int, Label] | None = None
) -> Segmentation:
    """Split text into a header and speaker turns whose offsets cover the bare utterances.

    A label with nothing after it before the next label still makes a turn (start == end):
    the file shows the speaker there, and dropping it would renumber the following turns
    against what the evaluator sees in the source.
    """
    labels = _skip_metadata(text, find_labels(text, rules, forced))
    if not labels:
        start, end = trimmed(text, 0, len(text))
        turn = ParsedTurn(FALLBACK_SPEAKER, RESPONDENT, start, end)
        return Segmentation(0, (turn,), (NO_LABELS_WARNING,))
    turns = []
    for i, label in enumerate(labels):
        region_end = labels[i + 1].line_start if i + 1 < len(labels) else len(text)
        start, end = trimmed(text, label.content_start, region_end)
        turns.append(ParsedTurn(label.speaker, rules.role(label.speaker), start, end, label.time))
    return Segmentation(labels[0].line_start, tuple(turns))
