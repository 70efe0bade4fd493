"""What an import would store for a file, without a project: for `import --preview`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qualcode.importers import read_transcript
from qualcode.importers.speakers import DEFAULT_INTERVIEWERS, SpeakerRules
from qualcode.language import guess_language
from qualcode.models import INTERVIEWER, RESPONDENT


@dataclass(frozen=True)
class SpeakerPreview:
    """One speaker: how many turns, and the role an import would give."""

    name: str
    turns: int
    role: str
    proposed: bool = False  # guessed interviewer, not yet confirmed


@dataclass(frozen=True)
class FilePreview:
    """A file as qualcode reads it: encoding, language, speakers, header and first turns."""

    path: str
    format: str
    encoding: str | None
    language: str | None
    turn_count: int
    speakers: tuple[SpeakerPreview, ...]
    proposed_interviewer: str | None
    header: str
    first_turns: tuple[tuple[str, str], ...]  # (speaker, utterance) of the first turns
    warnings: tuple[str, ...]


def preview_file(
    path: Path,
    *,
    encoding: str | None = None,
    language: str | None = None,
    interviewers: tuple[str, ...] = (),
    speakers: tuple[str, ...] = (),
    first: int = 5,
) -> FilePreview:
    """Parse one file as import would and summarise it; nothing is written."""
    rules = SpeakerRules(
        interviewers=frozenset(interviewers) | DEFAULT_INTERVIEWERS
        if interviewers
        else DEFAULT_INTERVIEWERS,
        labels=frozenset(speakers),
    )
    pt = read_transcript(Path(path), encoding=encoding, rules=rules)
    roles = {turn.speaker: turn.role for turn in pt.turns}
    people = tuple(
        SpeakerPreview(name, count, roles.get(name, RESPONDENT), name == pt.proposed_interviewer)
        for name, count in pt.speaker_turns
    )
    return FilePreview(
        path=str(path),
        format=pt.format,
        encoding=pt.encoding,
        language=language or pt.declared_language or guess_language(pt.text),
        turn_count=len(pt.turns),
        speakers=people,
        proposed_interviewer=pt.proposed_interviewer,
        header=pt.text[: pt.header_end].strip(),
        first_turns=tuple((t.speaker, pt.text[t.start : t.end]) for t in pt.turns[:first]),
        warnings=pt.warnings,
    )


def _short(text: str, width: int) -> str:
    """One line of at most width characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def render_preview(preview: FilePreview, width: int = 100) -> str:
    """A plain-text rendering of a FilePreview for the terminal."""
    lines = [
        f"{preview.path}",
        f"  format {preview.format}, encoding {preview.encoding or '-'}, "
        f"language {preview.language or 'unknown'}, {preview.turn_count} turns",
    ]

    def role(s: SpeakerPreview) -> str:
        if s.proposed:
            return "interviewer? (guessed)"
        return "interviewer" if s.role == INTERVIEWER else "respondent"

    found = ", ".join(
        f"{s.name} ({s.turns} turn{'' if s.turns == 1 else 's'}, {role(s)})"
        for s in preview.speakers
    )
    lines.append(f"  speakers found: {found}")
    if preview.proposed_interviewer:
        name = preview.proposed_interviewer
        lines.append(f"  interviewer guessed: {name}; confirm with --interviewer {name!r}")
    if preview.header:
        lines.append(f"  header: {_short(preview.header, width - 10)}")
    for speaker, utterance in preview.first_turns:
        lines.append(f"  {speaker}: {_short(utterance, max(20, width - len(speaker) - 4))}")
    lines.extend(f"  note: {w}" for w in preview.warnings)
    return "\n".join(lines)
