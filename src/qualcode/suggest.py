"""Keyword suggestions: run the codebook's rules over transcripts, store them, review them.

A suggestion is a proposed tag (code + passage of one turn) with its score, the matched
terms and the rule. Re-running `suggest` updates pending suggestions in place, drops the
ones the rules no longer produce, never brings back a rejected one and never touches tags.
Accepting creates a tag with origin 'suggested' in the same transaction as the status change.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from .errors import NotFound, QualcodeError
from .models import RESPONDENT, Code
from .storage import now

if TYPE_CHECKING:
    from .nlp.cache import TranscriptText
    from .project import Project

# (phase description, steps just done, total steps of the phase)
Progress = Callable[[str, int, int], None]
ACTIONS = ("accept", "reject", "skip")


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

    @property
    def why(self) -> str:
        """The matched terms, each with the first form found: 'mācības (mācību), kursi'."""
        first: dict[str, str] = {}
        for m in self.matched:
            first.setdefault(m.term, m.text)
        return ", ".join(t if t.lower() == w.lower() else f"{t} ({w})" for t, w in first.items())


@dataclass(frozen=True)
class SuggestRun:
    """What one `suggest` run did."""

    transcripts: int
    tokenised: int
    from_cache: int
    codes: int
    new: int
    updated: int
    unchanged: int
    removed: int
    kept_rejected: int
    already_tagged: int
    pending: int
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Decision:
    """The outcome of one review decision."""

    suggestion: int
    status: str
    tag_id: int | None = None
    code: str | None = None


@dataclass
class _Counts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    kept_rejected: int = 0
    already_tagged: int = 0
    seen: set[int] = field(default_factory=set)


def _stamp() -> str:
    # Microseconds, so the latest decision (for undo) sorts last even within one second.
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def _select_codes(project: Project, names: Sequence[str] | None) -> list[Code]:
    if not names:
        return project.codes()
    picked: dict[str, Code] = {}
    for name in names:
        for c in project.descendants(project.code(name)):
            if c.active:
                picked.setdefault(c.name, c)
    return list(picked.values())


def _select_transcripts(project: Project, names: Sequence[str] | None) -> list[TranscriptText]:
    from .nlp.cache import transcript_texts

    resolved = [project.transcript(n).name for n in names] if names else None
    book = project.codebook()
    return transcript_texts(
        project.store, names=resolved, default_language=book.language if book else None
    )


def _rule_text(hits: Sequence[Any]) -> str:
    kinds: dict[str, list[str]] = {}
    for h in hits:
        kinds.setdefault(h.kind, [])
        if h.term not in kinds[h.kind]:
            kinds[h.kind].append(h.term)
    return "; ".join(f"{kind}: {', '.join(terms)}" for kind, terms in kinds.items())


def suggest(
    project: Project,
    *,
    codes: Sequence[str] | None = None,
    transcripts: Sequence[str] | None = None,
    include_interviewer: bool = False,
    progress: Progress | None = None,
) -> SuggestRun:
    """Run the rules of codes (default all) over transcripts (default all); store suggestions."""
    from .nlp.cache import load_tables
    from .nlp.matching import compile_rules, match_transcript

    if project.store.codebook_version() is None:
        raise QualcodeError("no codebook loaded; load one with `qualcode codebook load FILE`")
    selected = _select_codes(project, codes)
    with_rules = [c for c in selected if c.keywords or c.rules.get("patterns")]
    if not with_rules:
        raise QualcodeError(
            "none of the selected codes has keywords or patterns; add some to "
            "the codebook (or find candidates with `qualcode keywords CODE`)"
        )
    items = _select_transcripts(project, transcripts)
    if not items:
        raise QualcodeError("no transcripts to run on; import some with `qualcode import`")

    def tick(done: int) -> None:
        if progress:
            progress("tokenising", done, len(items))

    tables, tokenised = load_tables(project.store, items, tick)
    warnings = []
    rules_by_lang: dict[str, Any] = {}
    for lang in sorted({i.language for i in items}):
        from .nlp.pipeline import pipeline

        warning = pipeline(lang).warning
        if warning:
            names = ", ".join(i.name for i in items if i.language == lang)
            warnings.append(f"{names}: {warning}")
        rules_by_lang[lang] = compile_rules(with_rules, lang)
    found = []
    for item in items:
        spans = [(t.start, t.end) for t in item.turns]
        only = (
            None
            if include_interviewer
            else {i for i, t in enumerate(item.turns) if t.role == RESPONDENT}
        )
        for p in match_transcript(
            tables[item.id], item.text, spans, rules_by_lang[item.language], only_turns=only
        ):
            found.append((item, p))
        if progress:
            progress("matching", 1, len(items))
    counts = _store_passages(project, items, with_rules, found)
    pending = project.store.conn.execute(
        "SELECT count(*) FROM suggestions WHERE status = 'pending'"
    ).fetchone()[0]
    totals = {k: v for k, v in vars(counts).items() if k != "seen"}
    return SuggestRun(
        transcripts=len(items),
        tokenised=tokenised,
        codes=len(with_rules),
        from_cache=len(items) - tokenised,
        pending=pending,
        warnings=tuple(warnings),
        **totals,
    )


def _store_passages(
    project: Project,
    items: Sequence[TranscriptText],
    codes: Sequence[Code],
    found: Sequence[tuple[TranscriptText, Any]],
) -> _Counts:
    store = project.store
    version = (store.codebook_version() or {}).get("id")
    tids = [i.id for i in items]
    cids = [c.id for c in codes]
    counts = _Counts()
    with store.write():
        t_marks, c_marks = ",".join("?" * len(tids)), ",".join("?" * len(cids))
        existing = {
            (r[1], r[2]): r
            for r in store.conn.execute(
                f'SELECT id, turn_id, code_id, status, start, "end", score, matched, rule '
                f"FROM suggestions WHERE transcript_id IN ({t_marks}) AND code_id IN ({c_marks})",
                [*tids, *cids],
            )
        }
        tagged = set(
            store.conn.execute(
                f"SELECT DISTINCT turn_id, code_id FROM tags WHERE transcript_id IN ({t_marks}) "
                "AND turn_id IS NOT NULL",
                tids,
            ).fetchall()
        )
        stamp = now()
        for item, p in found:
            turn = item.turns[p.turn_index]
            key = (turn.id, p.code_id)
            old = existing.get(key)
            if old is not None:
                counts.seen.add(old[0])
            if key in tagged:
                counts.already_tagged += 1
                continue
            terms = [
                MatchedTerm(h.term, item.text[h.start : h.end], h.start, h.end, h.kind)
                for h in p.hits
            ]
            matched = json.dumps([vars(m) for m in terms], ensure_ascii=False)
            rule = _rule_text(p.hits)
            if old is None:
                store.conn.execute(
                    'INSERT INTO suggestions(transcript_id, turn_id, code_id, start, "end", '
                    "score, matched, rule, codebook_version, status, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
                    (
                        item.id,
                        turn.id,
                        p.code_id,
                        p.start,
                        p.end,
                        p.score,
                        matched,
                        rule,
                        version,
                        stamp,
                    ),
                )
                counts.new += 1
            elif old[3] in ("rejected", "accepted"):
                counts.kept_rejected += old[3] == "rejected"
            elif tuple(old[4:9]) == (p.start, p.end, p.score, matched, rule):
                store.conn.execute(
                    "UPDATE suggestions SET codebook_version = ? WHERE id = ?", [version, old[0]]
                )
                counts.unchanged += 1
            else:
                store.conn.execute(
                    'UPDATE suggestions SET start = ?, "end" = ?, score = ?, matched = ?, '
                    "rule = ?, codebook_version = ? WHERE id = ?",
                    [p.start, p.end, p.score, matched, rule, version, old[0]],
                )
                counts.updated += 1
        # Pending or skipped suggestions the rules no longer produce (or whose turn has been
        # tagged since) go; rejected and accepted ones stay as the record of a decision.
        stale = [
            r[0]
            for key, r in existing.items()
            if r[3] in ("pending", "skipped") and (r[0] not in counts.seen or key in tagged)
        ]
        store.conn.executemany("DELETE FROM suggestions WHERE id = ?", [(i,) for i in stale])
        counts.removed = len(stale)
    return counts


# -- listing ------------------------------------------------------------------------------

_SELECT = """
    SELECT s.id, t.name AS transcript, u.number AS turn, c.name AS code, s.start, s."end",
           s.score, s.matched, s.rule, s.status, s.codebook_version, s.decided_by,
           substr(t.text, s.start + 1, s."end" - s.start) AS text,
           u.start AS turn_start, substr(t.text, u.start + 1, u."end" - u.start) AS turn_text,
           u.speaker, ac.name AS accepted_as
    FROM suggestions s JOIN transcripts t ON t.id = s.transcript_id
    JOIN codes c ON c.id = s.code_id LEFT JOIN turns u ON u.id = s.turn_id
    LEFT JOIN tags g ON g.id = s.tag_id LEFT JOIN codes ac ON ac.id = g.code_id
"""
_ORDER = " ORDER BY t.name, s.start, c.position, c.name"


def _row(r: dict[str, Any]) -> Suggestion:
    matched = tuple(
        MatchedTerm(m["term"], m["text"], m["start"], m["end"], m["kind"])
        for m in json.loads(r["matched"] or "[]")
    )
    return Suggestion(
        id=r["id"],
        transcript=r["transcript"],
        turn=r["turn"],
        code=r["code"],
        start=r["start"],
        end=r["end"],
        score=r["score"],
        matched=matched,
        rule=r["rule"],
        status=r["status"],
        codebook_version=r["codebook_version"],
        text=r["text"] or "",
        turn_start=r["turn_start"] if r["turn_start"] is not None else r["start"],
        turn_text=r["turn_text"] or r["text"] or "",
        speaker=r["speaker"] or "",
        decided_by=r["decided_by"],
        accepted_as=r["accepted_as"],
    )


def list_suggestions(
    project: Project,
    *,
    status: str | Sequence[str] | None = "pending",
    code: str | None = None,
    transcript: str | None = None,
    min_score: float | None = None,
) -> list[Suggestion]:
    """Suggestions filtered by status (None: all), code (with children), transcript, score."""
    where: list[str] = []
    params: list[Any] = []
    if status is not None:
        statuses = [status] if isinstance(status, str) else list(status)
        where.append(f"s.status IN ({','.join('?' * len(statuses))})")
        params.extend(statuses)
    if code is not None:
        ids = [c.id for c in project.descendants(project.code(code))]
        where.append(f"s.code_id IN ({','.join('?' * len(ids))})")
        params.extend(ids)
    if transcript is not None:
        where.append("s.transcript_id = ?")
        params.append(project.transcript(transcript).id)
    if min_score is not None:
        where.append("s.score >= ?")
        params.append(min_score)
    sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "") + _ORDER
    return [_row(r) for r in project.store.query(sql, params)]


def get_suggestion(project: Project, suggestion_id: int) -> Suggestion:
    """One suggestion by id."""
    rows = project.store.query(_SELECT + " WHERE s.id = ?", [suggestion_id])
    if not rows:
        raise NotFound(f"no suggestion {suggestion_id}; list them with `qualcode suggestions`")
    return _row(rows[0])


def review_queue(
    project: Project,
    *,
    code: str | None = None,
    transcript: str | None = None,
    min_score: float | None = None,
) -> list[Suggestion]:
    """What `review` goes through: pending suggestions, then the skipped ones."""
    opts: dict[str, Any] = {"code": code, "transcript": transcript, "min_score": min_score}
    return list_suggestions(project, status="pending", **opts) + list_suggestions(
        project, status="skipped", **opts
    )


# -- decisions ----------------------------------------------------------------------------


def decide(
    project: Project,
    suggestion_id: int,
    action: str,
    *,
    coder: str | None = None,
    as_code: str | None = None,
) -> Decision:
    """Accept (optionally as another code), reject or skip a suggestion; saved at once."""
    if action not in ACTIONS:
        raise QualcodeError(f"unknown decision {action!r}; use one of {', '.join(ACTIONS)}")
    store = project.store
    coder = coder or project.default_coder()
    target = project.code(as_code) if as_code else None
    with store.write():
        row = store.query(
            "SELECT s.*, c.name AS code FROM suggestions s JOIN codes c ON c.id = s.code_id "
            "WHERE s.id = ?",
            [suggestion_id],
        )
        if not row:
            raise NotFound(f"no suggestion {suggestion_id}")
        s = row[0]
        if s["status"] in ("accepted", "rejected"):
            raise QualcodeError(
                f"suggestion {suggestion_id} is {s['status']} already; "
                "undo it first to decide again"
            )
        if action != "accept":
            store.conn.execute(
                "UPDATE suggestions SET status = ?, decided_by = ?, decided_at = ? WHERE id = ?",
                ["rejected" if action == "reject" else "skipped", coder, _stamp(), s["id"]],
            )
            return Decision(s["id"], "rejected" if action == "reject" else "skipped")
        code_id = target.id if target else s["code_id"]
        rule = s["rule"] or ""
        if target is not None and target.id != s["code_id"]:
            rule = f"{rule} (suggested for {s['code']})".strip()
        text = store.conn.execute(
            "SELECT substr(text, ? + 1, ? - ?) FROM transcripts WHERE id = ?",
            [s["start"], s["end"], s["start"], s["transcript_id"]],
        ).fetchone()[0]
        tag_id = store.insert_tag(
            transcript_id=s["transcript_id"],
            turn_id=s["turn_id"],
            code_id=code_id,
            start=s["start"],
            end=s["end"],
            text=text,
            coder=coder,
            origin="suggested",
            rule=rule or None,
        )
        # tag_id stays NULL when the same tag existed: undo must not delete someone's tag.
        store.conn.execute(
            "UPDATE suggestions SET status = 'accepted', decided_by = ?, decided_at = ?, "
            "tag_id = ? WHERE id = ?",
            [coder, _stamp(), tag_id, s["id"]],
        )
        return Decision(s["id"], "accepted", tag_id, target.name if target else s["code"])


def undo(
    project: Project, suggestion_id: int | None = None, *, coder: str | None = None
) -> Suggestion | None:
    """Put a decided suggestion back to pending (default: the coder's latest decision).

    A tag made by accepting it is deleted. Returns the suggestion, None if nothing to undo.
    """
    store = project.store
    with store.write():
        if suggestion_id is None:
            row = store.conn.execute(
                "SELECT id FROM suggestions WHERE decided_at IS NOT NULL AND decided_by = ? "
                "ORDER BY decided_at DESC, id DESC LIMIT 1",
                [coder or project.default_coder()],
            ).fetchone()
            if row is None:
                return None
            suggestion_id = int(row[0])
        found = store.conn.execute(
            "SELECT tag_id, status FROM suggestions WHERE id = ?", [suggestion_id]
        ).fetchone()
        if found is None:
            raise NotFound(f"no suggestion {suggestion_id}")
        if found[0] is not None:
            store.conn.execute("DELETE FROM tags WHERE id = ? AND origin = 'suggested'", [found[0]])
        store.conn.execute(
            "UPDATE suggestions SET status = 'pending', decided_by = NULL, decided_at = NULL, "
            "tag_id = NULL WHERE id = ?",
            [suggestion_id],
        )
    return get_suggestion(project, suggestion_id)


def decide_all(
    project: Project,
    action: str,
    *,
    code: str | None = None,
    transcript: str | None = None,
    min_score: float | None = None,
    coder: str | None = None,
) -> list[Decision]:
    """Accept or reject every pending suggestion that passes the filters, in one transaction."""
    if action not in ("accept", "reject"):
        raise QualcodeError("bulk decisions are accept or reject")
    chosen = list_suggestions(
        project,
        status=("pending", "skipped"),
        code=code,
        transcript=transcript,
        min_score=min_score,
    )
    with project.store.write():
        return [decide(project, s.id, action, coder=coder) for s in chosen]
