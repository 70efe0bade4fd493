"""Tagging turns and character spans with codes, and keeping tags when a transcript is replaced."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import NotFound, QualcodeError
from .models import ParsedTranscript, Turn
from .storage import Store

if TYPE_CHECKING:
    from .project import Project, TranscriptView

_RANGE = re.compile(r"^\s*(\d+)\s*(?:[-–]\s*(\d+))?\s*$")
_SPAN = re.compile(r"^\s*(\d+)\s*[:\-–]\s*(\d+)\s*$")


@dataclass(frozen=True)
class TagChange:
    """One tag added or removed (or skipped because it was there already / missing)."""

    transcript: str
    code: str
    start: int
    end: int
    turn: int | None
    text: str
    done: bool
    note: str = ""


def parse_turns(spec: str) -> list[int]:
    """'12', '12,14', '12-15', '3,5-7' -> sorted unique turn numbers."""
    numbers: set[int] = set()
    for part in spec.split(","):
        if not part.strip():
            continue
        m = _RANGE.match(part)
        if not m:
            raise QualcodeError(
                f"{spec!r} is not a turn number or range; write e.g. 12, 12-15 or 3,5-7"
            )
        lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
        if lo > hi:
            lo, hi = hi, lo
        if hi - lo > 100_000:
            raise QualcodeError(f"the range {part.strip()} is too large")
        numbers.update(range(lo, hi + 1))
    if not numbers:
        raise QualcodeError("no turn numbers given; write e.g. 12, 12-15 or 3,5-7")
    return sorted(numbers)


def parse_span(spec: str) -> tuple[int, int]:
    """'1040:1112' -> (1040, 1112): character offsets into the transcript text."""
    m = _SPAN.match(spec)
    if not m:
        raise QualcodeError(
            f"{spec!r} is not a span; write START:END character offsets, e.g. 1040:1112"
        )
    start, end = int(m.group(1)), int(m.group(2))
    if start >= end:
        raise QualcodeError(f"span {spec}: START must be smaller than END")
    return start, end


def _passages(
    project: Project, transcript: str, turns: str | None, span: str | None
) -> tuple[TranscriptView, list[tuple[int, int, Turn | None]]]:
    view = project.show(transcript)
    t = view.transcript
    if span is not None:
        start, end = parse_span(span)
        text_len = len(view.text)
        if end > text_len:
            raise QualcodeError(
                f"span {start}:{end} is outside {t.name} (its text has {text_len} characters)"
            )
        turn = next((u for u in view.turns if u.start <= start < max(u.end, u.start + 1)), None)
        return view, [(start, end, turn)]
    if turns is None:
        raise QualcodeError("say which turns to tag (e.g. 12 or 12-15) or give --span START:END")
    numbers = parse_turns(turns)
    by_number = {u.number: u for u in view.turns}
    missing = [n for n in numbers if n not in by_number]
    if missing:
        last = len(view.turns)
        raise NotFound(
            f"{t.name} has no turn {', '.join(map(str, missing))} (it has turns 1-{last}); "
            f"see `qualcode show {t.name}`"
        )
    out: list[tuple[int, int, Turn | None]] = []
    for n in numbers:
        u = by_number[n]
        if u.start == u.end:
            raise QualcodeError(f"turn {n} of {t.name} is empty; there is nothing to tag")
        out.append((u.start, u.end, u))
    return view, out


def tag(
    project: Project,
    transcript: str,
    codes: Sequence[str],
    *,
    turns: str | None = None,
    span: str | None = None,
    coder: str | None = None,
    memo: str | None = None,
) -> list[TagChange]:
    """Tag turns (e.g. '12-15') or a span ('1040:1112') of a transcript with codes."""
    if not codes:
        raise QualcodeError("name at least one code to tag with")
    resolved = [project.code(c) for c in codes]
    coder = coder or project.default_coder()
    view, passages = _passages(project, transcript, turns, span)
    text = view.text
    changes = []
    with project.store.write():
        for code in resolved:
            for start, end, turn in passages:
                tag_id = project.store.insert_tag(
                    transcript_id=view.transcript.id,
                    turn_id=turn.id if turn else None,
                    code_id=code.id,
                    start=start,
                    end=end,
                    text=text[start:end],
                    coder=coder,
                    memo=memo,
                )
                note = "" if tag_id else "already tagged"
                if turn is not None and turn.role == "interviewer":
                    note = (
                        note + "; " if note else ""
                    ) + "interviewer turn (not counted in reports)"
                changes.append(
                    TagChange(
                        view.transcript.name,
                        code.name,
                        start,
                        end,
                        turn.number if turn else None,
                        text[start:end],
                        tag_id is not None,
                        note,
                    )
                )
    return changes


def untag(
    project: Project,
    transcript: str,
    codes: Sequence[str],
    *,
    turns: str | None = None,
    span: str | None = None,
    coder: str | None = None,
    all_coders: bool = False,
) -> list[TagChange]:
    """Remove tags of codes from turns or a span (this coder's, or every coder's)."""
    resolved = [project.code(c) for c in codes]
    coder = None if all_coders else (coder or project.default_coder())
    view, passages = _passages(project, transcript, turns, span)
    changes = []
    with project.store.write():
        for code in resolved:
            for start, end, turn in passages:
                n = project.store.delete_tags(
                    transcript_id=view.transcript.id,
                    code_id=code.id,
                    start=start,
                    end=end,
                    coder=coder,
                )
                note = ""
                if n == 0:
                    others = sorted(
                        {
                            g.coder
                            for g in view.tags
                            if g.code == code.name and g.start == start and g.end == end
                        }
                    )
                    note = (
                        f"tagged by {', '.join(others)}, not {coder}; pass --coder or --all-coders"
                        if others
                        else "no such tag"
                    )
                changes.append(
                    TagChange(
                        view.transcript.name,
                        code.name,
                        start,
                        end,
                        turn.number if turn else None,
                        "",
                        n > 0,
                        note,
                    )
                )
    if not any(c.done for c in changes):
        raise NotFound("nothing to remove: " + "; ".join(sorted({c.note for c in changes})))
    return changes


def reanchor_tags(
    store: Store, old: dict[str, Any], new: ParsedTranscript
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Find each tag of the old transcript in the new text (nearest occurrence of its text)."""
    rows = store.query(
        "SELECT g.*, u.number AS turn_number FROM tags g LEFT JOIN turns u ON u.id = g.turn_id "
        "WHERE g.transcript_id = ?",
        [old["id"]],
    )
    kept, lost = [], []
    for r in rows:
        positions, i = [], new.text.find(r["text"])
        while i != -1 and r["text"]:
            positions.append(i)
            i = new.text.find(r["text"], i + 1)
        if not positions:
            lost.append(r)
            continue
        start = min(positions, key=lambda p: abs(p - r["start"]))
        kept.append({**r, "start": start, "end": start + len(r["text"])})
    return kept, lost


def restore_tags(store: Store, transcript_id: int, tags: list[dict[str, Any]]) -> None:
    """Re-insert re-anchored tags on the new transcript, linked to the turn they fall in."""
    turns = store.query(
        'SELECT id, start, "end" FROM turns WHERE transcript_id = ?', [transcript_id]
    )
    for g in tags:
        turn = next(
            (u for u in turns if u["start"] <= g["start"] < max(u["end"], u["start"] + 1)), None
        )
        store.insert_tag(
            transcript_id=transcript_id,
            turn_id=turn["id"] if turn else None,
            code_id=g["code_id"],
            start=g["start"],
            end=g["end"],
            text=g["text"],
            coder=g["coder"],
            origin=g["origin"],
            rule=g["rule"],
            memo=g["memo"],
        )


@dataclass(frozen=True)
class TagImport:
    """Result of importing tags from a CSV."""

    added: int
    already: int


def import_tags_csv(project: Project, path: Any, *, coder: str | None = None) -> TagImport:
    """Import tags from a CSV with columns transcript, turn, code (and optional coder).

    All rows are checked first; one bad row (unknown transcript, turn or code) stops the
    import with the row's line number and nothing is written.
    """
    import csv
    import io
    from pathlib import Path

    from .importers import decode_text

    text, _ = decode_text(Path(path).read_bytes())
    reader = csv.DictReader(io.StringIO(text))
    needed = {"transcript", "turn", "code"}
    if not needed <= set(reader.fieldnames or []):
        raise QualcodeError(
            f"{path}: needs columns transcript, turn, code "
            f"(found: {', '.join(reader.fieldnames or [])})"
        )
    default_coder = coder or project.default_coder()
    views: dict[str, Any] = {}
    codes: dict[str, Any] = {}
    planned = []
    for line, row in enumerate(reader, start=2):
        try:
            name = row["transcript"].strip()
            if name not in views:
                views[name] = project.show(name)
            view = views[name]
            cname = row["code"].strip()
            if cname not in codes:
                codes[cname] = project.code(cname)
            number = int(row["turn"])
            turn = next((u for u in view.turns if u.number == number), None)
            if turn is None:
                raise NotFound(f"{name} has no turn {number}")
        except (QualcodeError, ValueError) as exc:
            raise QualcodeError(f"{path}:{line}: {exc}; nothing was imported") from None
        planned.append(
            (view, turn, codes[cname], (row.get("coder") or "").strip() or default_coder)
        )
    added = 0
    with project.store.write():
        for view, turn, code, who in planned:
            if project.store.insert_tag(
                transcript_id=view.transcript.id,
                turn_id=turn.id,
                code_id=code.id,
                start=turn.start,
                end=turn.end,
                text=turn.text,
                coder=who,
            ):
                added += 1
    return TagImport(added, len(planned) - added)
