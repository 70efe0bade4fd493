"""WebVTT and SubRip subtitles: cues merged into speaker turns with their times."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace

from qualcode.errors import ImportFailed
from qualcode.importers.common import build, normalise_newlines
from qualcode.importers.encoding import decode_text
from qualcode.importers.speakers import (
    DEFAULT_RULES,
    Segmentation,
    SpeakerRules,
    accepted,
    clock_seconds,
    count_labels,
    match_label,
    speaker_name,
)
from qualcode.models import ParsedTranscript, ParsedTurn

# Speaker of cues before any cue names one.
UNKNOWN_SPEAKER = "Speaker"
NO_SPEAKERS_WARNING = (
    "no speaker names in the cues (<v Name> tags or NAME: prefixes); "
    f"all cues are one turn by {UNKNOWN_SPEAKER!r}"
)

# Teams writes unpadded times ("0:0:0.0 --> 0:0:2.570").
_CLOCK = r"(?:\d+:)?\d{1,2}:\d{1,2}(?:[.,]\d{1,3})?"
# Cue settings ("align:start position:10%") or SRT coordinates may follow the end time.
_TIMING = re.compile(rf"^[ \t]*(?P<start>{_CLOCK})[ \t]*-->[ \t]*(?P<end>{_CLOCK})(?:[ \t].*)?$")
# [^<>] and bounded lengths keep these linear: "<v <v <v ..." with no ">" must not make
# every "<" scan to the end of the cue.
_VOICE = re.compile(r"<v(?:\.[^\s<>]{0,100})?[ \t]+([^<>]{1,200})>")
_TAG = re.compile(r"<[^<>]{0,1000}>")
_CLOCK_PARTS = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,3}))?")
# Hours beyond this are not a recording (a hostile file's 10**5000 hours).
_MAX_CLOCK_DIGITS = 7
_ASS_TAG = re.compile(r"\{\\[^}]*\}")  # {\an8} positioning codes some SRT files carry
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_SKIPPED_BLOCKS = ("NOTE", "STYLE", "REGION")


class TimingOutOfRange(ValueError):
    """A cue time with absurdly many digits (raised before int() can choke on it)."""


def _seconds(clock: str) -> float:
    """Seconds of a cue time, refusing hour fields too long to be a real recording time."""
    m = _CLOCK_PARTS.fullmatch(clock)
    if m is None:  # cannot happen for text _TIMING matched; keep the general parser
        return clock_seconds(clock)
    hours, minutes, seconds, fraction = m.groups()
    if hours and len(hours) > _MAX_CLOCK_DIGITS:
        raise TimingOutOfRange(clock)
    whole = (int(hours) if hours else 0) * 3600 + int(minutes) * 60 + int(seconds)
    return round(whole + (int(fraction) / 10 ** len(fraction) if fraction else 0.0), 3)


@dataclass(frozen=True)
class Cue:
    """One subtitle cue: times in seconds, clean text, and the voice tag if any."""

    start: float
    end: float
    text: str
    voice: str | None


def read_subtitles(
    data: bytes,
    file_name: str,
    *,
    encoding: str | None = None,
    rules: SpeakerRules = DEFAULT_RULES,
    fmt: str = "vtt",
) -> ParsedTranscript:
    """Parse a .vtt or .srt file into one "Speaker: utterance" line per turn."""
    source, codec = decode_text(data, encoding, name=file_name)
    if not source.strip():
        raise ImportFailed(
            file_name, "the file contains only whitespace; export the subtitles again"
        )
    try:
        cues = parse_cues(normalise_newlines(source))
    except TimingOutOfRange as exc:
        raise ImportFailed(
            file_name, f"timing {exc.args[0][:40]!r} is out of range; fix that cue's time"
        ) from None
    if not cues:
        raise ImportFailed(
            file_name,
            "no subtitle cues found (no timing lines like 00:00:01,000 --> 00:00:04,000); "
            f"check that the file really is .{fmt}",
        )
    cues = [cue for cue in cues if cue.text]
    if not cues:
        raise ImportFailed(file_name, "no text found in the subtitle cues")
    text, segmentation = _turns(cues, rules)
    parsed = build(data, file_name, fmt, codec, text, segmentation, guessed=encoding is None)
    declared = _declared_language(source)
    return replace(parsed, declared_language=declared) if declared else parsed


def _declared_language(source: str) -> str | None:
    """The language a WebVTT header declares (`Language: en`), as a lowercase code."""
    head = source.lstrip("\ufeff").split("\n\n", 1)[0]
    if not head.startswith("WEBVTT"):
        return None
    m = re.search(r"(?m)^Language:\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)?\s*$", head)
    return m.group(1).lower() if m else None


def parse_cues(source: str) -> list[Cue]:
    """The cues of a VTT or SRT text, in file order, with markup removed."""
    cues: list[tuple[float, float, list[str]]] = []
    for block_number, block in enumerate(_BLANK_LINE.split(source.strip("\n"))):
        lines = block.strip("\n").split("\n")
        first = lines[0].strip()
        if block_number == 0 and first.startswith("WEBVTT"):
            lines = _after_header(lines)
        elif first.split(" ")[0] in _SKIPPED_BLOCKS:
            continue
        timing_rows = [i for i, line in enumerate(lines) if _TIMING.match(line)]
        if not timing_rows:
            if cues:
                # A blank line inside a cue (broken SRT): the text still belongs to it.
                cues[-1][2].extend(lines)
            continue
        # Several timing lines in one block means the blank lines between cues are
        # missing; a bare number just before a timing line is the next SRT index.
        for n, row in enumerate(timing_rows):
            stop = timing_rows[n + 1] if n + 1 < len(timing_rows) else len(lines)
            payload = lines[row + 1 : stop]
            if n + 1 < len(timing_rows) and payload and payload[-1].strip().isdigit():
                payload = payload[:-1]
            m = _TIMING.match(lines[row])
            assert m is not None  # timing_rows holds only matching rows
            cues.append((_seconds(m["start"]), _seconds(m["end"]), payload))
    return [_cue(start, end, payload) for start, end, payload in cues]


def _after_header(lines: list[str]) -> list[str]:
    """The first block without its WEBVTT header lines (a cue may follow with no blank)."""
    return lines[1:] if any(_TIMING.match(line) for line in lines) else []


def _cue(start: float, end: float, payload: list[str]) -> Cue:
    """Clean one cue: the first voice tag names the speaker, all markup goes."""
    raw = " ".join(line.strip() for line in payload if line.strip())
    voice = _VOICE.search(raw)
    clean = html.unescape(_TAG.sub("", _ASS_TAG.sub("", raw)))
    clean = " ".join(clean.split())
    name = speaker_name(html.unescape(voice.group(1))) if voice else None
    return Cue(start, end, clean, name)


def _turns(cues: list[Cue], rules: SpeakerRules) -> tuple[str, Segmentation]:
    """Merge consecutive cues of one speaker into turns and render the transcript text."""
    prefixes = [None if cue.voice else match_label(cue.text) for cue in cues]
    counts = count_labels(p.label for p in prefixes if p is not None)
    if len(counts) >= 2 and max(counts.values()) >= 2:
        # Cues are a timed layout: once a repeated "Name:" shows the layout, a name that
        # speaks in one cue only is a speaker too.
        prefixes = [p if p is None else replace(p, evidence=True) for p in prefixes]
    named: list[tuple[str | None, Cue]] = []
    # The same few labels start thousands of cues: decide each kind of prefix once.
    decided: dict[tuple[str, bool, bool, bool], bool] = {}
    for cue, prefix in zip(cues, prefixes, strict=True):
        ok = False
        if prefix is not None:
            key = (prefix.label, prefix.tight, prefix.marked, prefix.evidence)
            if key not in decided:
                decided[key] = accepted(prefix, rules, counts)
            ok = decided[key]
        if prefix is not None and ok:
            utterance = cue.text[prefix.end :].strip()
            named.append((speaker_name(prefix.label), Cue(cue.start, cue.end, utterance, None)))
        else:
            named.append((cue.voice, cue))
    # [speaker, start, end, parts]: parts grow in place, so 40,000 cues of one speaker
    # merge in linear time.
    merged: list[tuple[str, float, list[float], list[str]]] = []
    speaker = UNKNOWN_SPEAKER
    rolling = _rolling([cue.text for _, cue in named])
    previous = ""
    for name, cue in named:
        speaker = name or speaker
        if merged and merged[-1][0] == speaker:
            merged[-1][2][0] = cue.end
            merged[-1][3].append(_new_words(previous, cue.text) if rolling else cue.text)
        else:
            merged.append((speaker, cue.start, [cue.end], [cue.text]))
        previous = cue.text
    lines: list[str] = []
    turns: list[ParsedTurn] = []
    pos = 0
    for speaker, start_time, end_box, parts in merged:
        end_time = end_box[0]
        utterance = " ".join(part for part in parts if part)
        start = pos + len(speaker) + 2
        lines.append(f"{speaker}: {utterance}")
        turns.append(
            ParsedTurn(
                speaker, rules.role(speaker), start, start + len(utterance), start_time, end_time
            )
        )
        pos += len(lines[-1]) + 1
    warnings = () if any(name for name, _ in named) else (NO_SPEAKERS_WARNING,)
    return "\n".join(lines), Segmentation(0, tuple(turns), warnings)


def _overlap(before: str, after: str, limit: int = 40) -> int:
    """How many words at the start of `after` repeat the end of `before`."""
    a, b = before.split()[-limit:], after.split()[:limit]
    for k in range(min(len(a), len(b)), 0, -1):
        if a[-k:] == b[:k]:
            return k
    return 0


def _rolling(texts: list[str]) -> bool:
    """Rolling captions (YouTube's automatic ones): most cues start by repeating the end of
    the cue before, so each word would appear twice or three times."""
    pairs = [(a, b) for a, b in zip(texts, texts[1:], strict=False) if a and b]
    if len(pairs) < 2:
        return False
    repeating = sum(1 for a, b in pairs if _overlap(a, b) >= 1)
    return repeating >= 0.6 * len(pairs)


def _new_words(before: str, after: str) -> str:
    """`after` without the words it repeats from the end of `before`."""
    k = _overlap(before, after)
    return " ".join(after.split()[k:]) if k else after
