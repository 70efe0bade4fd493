"""Tagging turns and character spans with codes, and keeping tags when a transcript is replaced."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import NotFound, QualcodeError
from .models import TranscriptView, Turn

if TYPE_CHECKING:
    from .store import Store

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


QUOTE_CANDIDATES = 8  # matches listed in the error of an ambiguous quote


def _quote_pattern(quote: str) -> re.Pattern[str]:
    """The quote's words in order, any whitespace between them, any case."""
    words = quote.split()
    if not words:
        raise QualcodeError("--text is empty; quote a few words of the passage to tag")
    return re.compile(r"\s+".join(re.escape(w) for w in words), re.IGNORECASE)


def _snippet(turn: Turn, start: int, end: int, width: int = 30) -> str:
    """The match in [brackets] with a little of its turn either side, on one line."""
    s, e = start - turn.start, end - turn.start
    text = turn.text
    before = ("…" if s > width else "") + text[max(0, s - width) : s]
    after = text[e : e + width] + ("…" if e + width < len(text) else "")
    return " ".join(f"{before}[{text[s:e]}]{after}".split())


def find_quote(
    view: TranscriptView, quote: str, turns: Sequence[int] | None = None
) -> list[tuple[int, int, Turn]]:
    """Every place (start, end, turn) where a quote occurs inside one turn.

    Whitespace- and case-tolerant; a match never runs across turns. `turns` restricts
    the search to those turn numbers.
    """
    pattern = _quote_pattern(quote)
    keep = set(turns) if turns is not None else None
    out = []
    for u in view.turns:
        if keep is not None and u.number not in keep:
            continue
        for m in pattern.finditer(u.text):
            out.append((u.start + m.start(), u.start + m.end(), u))
    return out


def _quoted_passage(view: TranscriptView, quote: str, turns: str | None) -> tuple[int, int, Turn]:
    """The one place a quote occurs; an error listing candidates when none or several."""
    name = view.transcript.name
    numbers = parse_turns(turns) if turns is not None else None
    where = f" turn {turns}" if turns is not None else ""
    found = find_quote(view, quote, numbers)
    if len(found) == 1:
        return found[0]
    if found:
        listed = "; ".join(
            f"turn {u.number}: {_snippet(u, s, e)}" for s, e, u in found[:QUOTE_CANDIDATES]
        )
        more = (
            f" (and {len(found) - QUOTE_CANDIDATES} more)" if len(found) > QUOTE_CANDIDATES else ""
        )
        raise QualcodeError(
            f"{quote!r} occurs {len(found)} times in {name}{where}: {listed}{more}; "
            f"give the turn too, e.g. `qualcode tag {name} {found[0][2].number} --text ...`, "
            "or quote more words"
        )
    # Nothing matched: offer the turns holding the quote's rarest-looking (longest) word.
    words = sorted(quote.split(), key=len, reverse=True)
    candidates: list[str] = []
    if words:
        probe = re.compile(re.escape(words[0]), re.IGNORECASE)
        for u in view.turns:
            if numbers is not None and u.number not in numbers:
                continue
            m = probe.search(u.text)
            if m:
                candidates.append(
                    f"turn {u.number}: {_snippet(u, u.start + m.start(), u.start + m.end())}"
                )
    hint = (
        f"; {words[0]!r} occurs in " + "; ".join(candidates[:QUOTE_CANDIDATES])
        if candidates
        else f"; see `qualcode show {name}` or `qualcode search WORDS`"
    )
    raise NotFound(f"{quote!r} is not in {name}{where} (within one turn){hint}")


def _passages(
    store: Store,
    transcript: str,
    turns: str | None,
    span: str | None,
    *,
    across_turns: bool = False,
    quote: str | None = None,
) -> tuple[TranscriptView, list[tuple[int, int, Turn | None]]]:
    view = store.transcripts.view(transcript)
    t = view.transcript
    if quote is not None:
        if span is not None:
            raise QualcodeError("give either --text or --span, not both")
        return view, [_quoted_passage(view, quote, turns)]
    if span is not None:
        start, end = parse_span(span)
        text_len = len(view.text)
        if end > text_len:
            raise QualcodeError(
                f"span {start}:{end} is outside {t.name} (its text has {text_len} characters)"
            )
        turn = next((u for u in view.turns if u.start <= start < max(u.end, u.start + 1)), None)
        if not across_turns:
            touched = [u for u in view.turns if u.start < end and start < u.end]
            if len(touched) > 1 or (turn is not None and end > turn.end):
                crossed = ", ".join(str(u.number) for u in touched)
                raise QualcodeError(
                    f"span {start}:{end} crosses turns {crossed} of {t.name}; tag each turn's "
                    "part separately, or pass --across-turns to tag across them"
                )
        return view, [(start, end, turn)]
    if turns is None:  # noqa: SIM102
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
    store: Store,
    transcript: str,
    codes: Sequence[str],
    *,
    turns: str | None = None,
    span: str | None = None,
    coder: str | None = None,
    memo: str | None = None,
    across_turns: bool = False,
    quote: str | None = None,
) -> list[TagChange]:
    """Tag turns ('12-15'), a span ('1040:1112') or a quoted stretch of text with codes.

    With `quote`, the one place the words occur (within a turn; `turns` narrows the search)
    is tagged; no match or several is an error listing the candidates.
    """
    if not codes:
        raise QualcodeError("name at least one code to tag with")
    resolved = [store.codes.get(c) for c in codes]
    coder = coder or store.default_coder()
    view, passages = _passages(
        store, transcript, turns, span, across_turns=across_turns, quote=quote
    )
    text = view.text
    changes = []
    with store.write(coder=coder):
        for code in resolved:
            for start, end, turn in passages:
                tag_id = store.tags.insert(
                    transcript_id=view.transcript.id,
                    turn_id=turn.id if turn else None,
                    code_id=code.id,
                    start=start,
                    end=end,
                    text=text[start:end],
                    coder=coder,
                    memo=memo,
                    full_text=text,
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
    store: Store,
    transcript: str,
    codes: Sequence[str],
    *,
    turns: str | None = None,
    span: str | None = None,
    coder: str | None = None,
    all_coders: bool = False,
    inside: bool = False,
) -> list[TagChange]:
    """Remove tags of codes from turns or a span (this coder's, or every coder's).

    By turn, a turn's span tags are offered (listed in the error) and removed with inside=True.
    """
    resolved = [store.codes.get(c) for c in codes]
    who = coder or store.default_coder()
    coder = None if all_coders else who
    view, passages = _passages(store, transcript, turns, span, across_turns=True)
    changes = []
    with store.write(coder=who):
        for code in resolved:
            for start, end, turn in passages:
                ids = store.tags.find(
                    transcript_id=view.transcript.id,
                    code_id=code.id,
                    start=start,
                    end=end,
                    coder=coder,
                )
                spans = (
                    store.tags.within(
                        transcript_id=view.transcript.id,
                        code_id=code.id,
                        start=start,
                        end=end,
                        coder=coder,
                    )
                    if turn is not None and turns is not None
                    else []
                )
                spans = [g for g in spans if g.id not in ids]
                if inside:
                    ids = [*ids, *(g.id for g in spans)]
                n = store.tags.delete(ids)
                note = ""
                if n == 0 and spans:
                    listed = ", ".join(f"{g.start}:{g.end} ({g.coder})" for g in spans)
                    note = (
                        f"turn {turn.number if turn else '?'} has span tags of {code.name} "
                        f"inside it ({listed}); remove them with --inside or --span START:END"
                    )
                elif n == 0:
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


@dataclass(frozen=True)
class TagImport:
    """Result of importing tags from a CSV."""

    added: int
    already: int


def import_tags_csv(store: Store, path: Any, *, coder: str | None = None) -> TagImport:
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
    default_coder = coder or store.default_coder()
    views: dict[str, Any] = {}
    codes: dict[str, Any] = {}
    planned = []
    for line, row in enumerate(reader, start=2):
        try:
            name = row["transcript"].strip()
            if name not in views:
                views[name] = store.transcripts.view(name)
            view = views[name]
            cname = row["code"].strip()
            if cname not in codes:
                codes[cname] = store.codes.get(cname)
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
    with store.write(coder=default_coder):
        for view, turn, code, who in planned:
            if store.tags.insert(
                transcript_id=view.transcript.id,
                turn_id=turn.id,
                code_id=code.id,
                start=turn.start,
                end=turn.end,
                text=turn.text,
                coder=who,
                full_text=view.text,
            ):
                added += 1
    return TagImport(added, len(planned) - added)
