"""History, undo, checks and backups: nothing a coder decided is lost."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import QualcodeError
from .models import Change, DecisionSet, LogEntry

if TYPE_CHECKING:
    from .store import Store


def log(
    store: Store,
    *,
    transcript: str | None = None,
    code: str | None = None,
    limit: int | None = 50,
) -> list[LogEntry]:
    """Recorded commands, newest first (those touching a transcript or code when given)."""
    if transcript is not None:
        transcript = store.transcripts.get(transcript).name
    if code is not None:
        code = store.codes.get(code).name
    return store.history.log(transcript=transcript, code=code, limit=limit)


def describe(change: Change) -> str:
    """One line for a change: '+ tag needs-training LV-01 [457:656] (anna)'."""
    row = change.after if change.action != "delete" else change.before
    row = row or {}
    sign = {"insert": "+", "delete": "-", "update": "~"}[change.action]
    table = change.table
    where = change.transcript or ""
    if table == "tags":
        what = (
            f"tag {change.code} {where} [{row.get('start')}:{row.get('end')}] ({row.get('coder')})"
        )
        if change.action == "update" and change.before and change.after:
            diff = {k for k in change.after if change.before.get(k) != change.after.get(k)}
            if diff <= {"turn_id"}:
                what += " re-linked"
            elif "status" in diff:
                what += f" {change.after.get('status')}"
            else:
                what += f" moved from [{change.before.get('start')}:{change.before.get('end')}]"
        return f"{sign} {what}"
    if table == "suggestions":
        status = (
            (change.after or {}).get("status") if change.action == "update" else row.get("status")
        )
        return f"{sign} suggestion {row.get('id')} {change.code} {where}: {status}"
    if table == "codes":
        return f"{sign} code {row.get('name')}"
    if table == "transcripts":
        if change.action == "update" and change.before and change.after:
            changed = sorted(k for k in change.after if change.before.get(k) != change.after.get(k))
            return f"~ transcript {where}: " + ", ".join(
                f"{k} {change.before.get(k)!r} -> {change.after.get(k)!r}"
                if k != "sha256"
                else "text replaced"
                for k in changed
                if k not in ("imported_at", "header_end")
            )
        return f"{sign} transcript {row.get('name')}"
    if table == "turns":
        return f"{sign} turn {row.get('number')} of {where}"
    if table == "attributes":
        if change.action == "update" and change.before and change.after:
            return f"~ {change.before.get('respondent_id')}: {row.get('key')} " + _diff(change)
        return f"{sign} {row.get('respondent_id')}: {row.get('key')}={row.get('value')!r}"
    if table == "respondents":
        return f"{sign} respondent {row.get('id')}"
    if table == "pseudonyms":
        return f"{sign} pseudonym {row.get('name')} -> {row.get('pseudonym')}"
    if change.action == "update":
        return f"~ {table[:-1]} {', '.join(map(str, change.key))}: {_diff(change)}"
    return f"{sign} {table} {', '.join(map(str, change.key))}"


def _diff(change: Change) -> str:
    """'value 'Talsi' -> 'Liepāja'' for each field an update changed."""
    before, after = change.before or {}, change.after or {}
    return ", ".join(
        f"{k} {before.get(k)!r} -> {after.get(k)!r}" for k in after if before.get(k) != after.get(k)
    )


def describe_sets(sets: Sequence[DecisionSet]) -> str:
    """One line for bulk decision sets of one kind and status: '~ 23 suggestions
    needs-training LV-04: accepted (23 tags made)', or their totals when there are several."""
    d = sets[0]
    n, tags = sum(x.suggestions for x in sets), sum(x.tags for x in sets)
    if len(sets) == 1:
        where = f"{d.code} {d.transcript}"
    else:
        transcripts = len({x.transcript for x in sets})
        codes = len({x.code for x in sets})
        where = (
            f"in {transcripts} transcript{'s' if transcripts != 1 else ''}, "
            f"{codes} code{'s' if codes != 1 else ''}"
        )
    what = f"{n} suggestion{'s' if n != 1 else ''} {where}"
    tagged = f"{tags} tag{'s' if tags != 1 else ''}"
    if d.kind == "decide":
        return f"~ {what}: {d.status}" + (f" ({tagged} made)" if tags else "")
    return f"~ {what}: back from {d.status}" + (f" ({tagged} removed)" if tags else "")


def summarize(entry: LogEntry, limit: int = 8) -> list[str]:
    """Lines describing a command's changes (turn rows counted, not listed)."""
    turns = [c for c in entry.changes if c.table == "turns"]
    lines = [describe(c) for c in entry.changes if c.table != "turns"]
    kinds: dict[tuple[str, str], list[DecisionSet]] = {}
    for d in entry.decisions:
        kinds.setdefault((d.kind, d.status), []).append(d)
    if len(entry.decisions) > limit:  # a bulk decision over many transcripts: its totals
        lines += [describe_sets(sets) for sets in kinds.values()]
    else:
        lines += [describe_sets([d]) for d in entry.decisions]
    if turns:
        lines.append(f"  ({len(turns)} turn rows changed)")
    if len(lines) > limit:
        lines = [*lines[:limit], f"  … and {len(lines) - limit} more"]
    return lines


@dataclass(frozen=True)
class UndoResult:
    """Which commands were undone (as logged, without their changes: `log` shows those) and
    how many changes each had."""

    undone: list[LogEntry]
    changes: int
    sizes: list[int] = field(default_factory=list)  # changes reverted, per undone command


def undo(store: Store, n: int = 1, *, coder: str | None = None) -> UndoResult:
    """Revert the coder's last n commands, newest first, in one transaction (itself recorded)."""
    if n < 1:
        raise QualcodeError("undo needs a count of at least 1")
    who = coder or store.default_coder()
    ids = store.history.undoable_ids(who, n)
    if not ids:
        raise QualcodeError(f"nothing to undo for coder {who!r}; see `qualcode log`")
    saved = store.command
    if "undo" not in saved:  # called from Python: say what the command was
        store.command = "undo " + ", ".join(str(i) for i in ids)
    try:
        with store.write(coder=who):
            # The changes are read once, inside the write: a big command's take seconds.
            done = store.history.undo_ids(ids)
    finally:
        store.command = saved
    sizes = [n for _, n in done]
    return UndoResult([e for e, _ in done], sum(sizes), sizes)


@dataclass(frozen=True)
class CheckReport:
    """What `qualcode check` found; problems make it exit non-zero."""

    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No problem found."""
        return not self.problems


def check(store: Store) -> CheckReport:
    """Integrity, links, tags whose text no longer matches, detached tags, duplicates."""
    problems = [f"database: {p}" for p in store.integrity_problems()]
    for g in store.tags.mismatched():
        problems.append(
            f"tag {g.id} ({g.code}, {g.transcript} [{g.start}:{g.end}]) no longer matches its "
            f"text {g.text[:40]!r}; re-import the transcript with --replace to re-place it"
        )
    for g in store.tags.detached():
        problems.append(
            f"detached tag {g.id} ({g.code}, {g.transcript}, by {g.coder}): its text "
            f"{g.text[:60]!r} is gone from the transcript; tag the passage again and "
            f"`qualcode untag` it, or keep it as a record"
        )
    unlinked = store.respondents.without_transcripts()
    notes: list[str] = []
    if unlinked:
        notes.append(
            f"{len(unlinked)} respondents have no transcript (survey-only, or a transcript to "
            f"link with `qualcode transcripts relink NAME ID`): {', '.join(unlinked[:10])}"
            + (" …" if len(unlinked) > 10 else "")
        )
    for t in store.transcripts.all():
        if t.respondent is None:
            problems.append(f"transcript {t.name} has no respondent; link it with relink")
    for a, b in store.tags.nested_duplicates():
        problems.append(
            f"duplicate passage: {b.code} by {b.coder} on {b.transcript} [{b.start}:{b.end}] "
            f"lies inside [{a.start}:{a.end}] (counted once); untag one of them"
        )
    notes[:0] = [
        f"{store.transcripts.count()} transcripts, {store.tags.count()} tags, "
        f"{len(store.respondents.ids())} respondents"
    ]
    return CheckReport(problems, notes)


def backup(store: Store, target: Path | None = None) -> Path:
    """Copy the project with SQLite's online backup API, safe while others write."""
    if target is None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        target = store.path.with_name(f"{store.path.stem}-backup-{stamp}.db")
    target = Path(target)
    if target.is_dir():
        target = target / f"{store.path.stem}-backup-{datetime.now():%Y%m%d-%H%M%S}.db"
    if target.exists():
        raise QualcodeError(f"{target} exists; choose another name or remove it first")
    if target.resolve() == store.path.resolve():
        raise QualcodeError("the backup cannot overwrite the project itself")
    store.backup(target)
    return target
