"""Merging another copy of a project in, and making a coder's copy.

Transcripts match by content hash, codes by name, respondents and attributes by name and key,
tags by (transcript, code, start, end, coder), review decisions by passage and code,
settlements by (transcript, turn, code). What only the other copy has is added; what both
have but differently is reported, never overwritten (except a decision still pending here).
The other copy's history is kept: its commands are copied, marked with the file they came
from, and a command already here (same time, coder and command) is not copied twice, so
merging the same file again changes nothing. One write transaction: all or nothing.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import QualcodeError

if TYPE_CHECKING:
    from .store import Store
    from .store.merge import MergeStore, OtherProject

_MARK = re.compile(r" \[merged from [^\]]*\]$")
CODE_FIELDS = ("label", "description", "color", "keywords", "rules", "active")


@dataclass(frozen=True)
class AttributeConflict:
    """A respondent attribute both copies set, to different values (ours is kept)."""

    respondent: str
    key: str
    ours: str
    theirs: str


@dataclass(frozen=True)
class CodeDifference:
    """A code both copies define, differently (ours is kept)."""

    code: str
    fields: tuple[str, ...]


@dataclass
class MergePlan:
    """What a merge adds (or, with --dry-run, would add) and what it reports."""

    source: str
    transcripts_added: list[str] = field(default_factory=list)
    transcripts_conflicting: list[str] = field(default_factory=list)  # same name, other text
    respondents_added: list[str] = field(default_factory=list)
    attributes_added: int = 0
    attribute_conflicts: list[AttributeConflict] = field(default_factory=list)
    codes_added: list[str] = field(default_factory=list)
    codes_differing: list[CodeDifference] = field(default_factory=list)
    tags_added: int = 0
    tags_by_coder: dict[str, int] = field(default_factory=dict)
    tags_skipped: int = 0  # on a conflicting transcript
    decisions_added: int = 0
    decisions_updated: int = 0
    decision_conflicts: int = 0
    settlements_added: int = 0
    settlement_conflicts: int = 0
    pseudonyms_added: int = 0
    history_added: int = 0  # commands copied from the other file's history
    dry_run: bool = False

    @property
    def changes(self) -> int:
        """Rows added or updated in all."""
        return (
            len(self.transcripts_added)
            + len(self.respondents_added)
            + self.attributes_added
            + len(self.codes_added)
            + self.tags_added
            + self.decisions_added
            + self.decisions_updated
            + self.settlements_added
            + self.pseudonyms_added
            + self.history_added
        )


def merge(store: Store, path: Path, *, dry_run: bool = False) -> MergePlan:
    """Bring another copy of the project in (or, dry_run, only say what would change)."""
    from .store.merge import MergeStore, OtherProject

    path = Path(path)
    if path.resolve() == store.path.resolve():
        raise QualcodeError(f"{path} is this project itself; give the other copy's qualcode.db")
    other = OtherProject(path)
    try:
        ours = MergeStore(store)
        if dry_run:
            return _walk(ours, other, MergePlan(str(path), dry_run=True), write=False)
        # One pass that writes as it goes: a merge with nothing new commits nothing (a command
        # without changes leaves no history entry).
        with store.write():
            return _walk(ours, other, MergePlan(str(path)), write=True)
    finally:
        other.close()


class _Ids:
    """Other id -> our id; in a dry run, rows not yet added get placeholder ids (< 0)."""

    def __init__(self) -> None:
        self.map: dict[Any, Any] = {}
        self._next = -1

    def placeholder(self) -> int:
        self._next -= 1
        return self._next


def _walk(ours: MergeStore, other: OtherProject, plan: MergePlan, *, write: bool) -> MergePlan:
    """One pass over the other copy: count (write False) or add (write True)."""
    ids = _Ids()
    _respondents(ours, other, plan, write)
    code_map = _codes(ours, other, plan, write, ids)
    t_map, turn_map = _transcripts(ours, other, plan, write, ids)
    tag_map = _tags(ours, other, plan, write, t_map, turn_map, code_map)
    _suggestions(ours, other, plan, write, t_map, turn_map, code_map, tag_map)
    _settlements(ours, other, plan, write, t_map, code_map)
    _pseudonyms(ours, other, plan, write)
    _history(ours, other, plan, write)
    return plan


def _respondents(ours: MergeStore, other: OtherProject, plan: MergePlan, write: bool) -> None:
    have = {r["id"] for r in ours.rows("respondents")}
    for r in other.rows("respondents"):
        if r["id"] not in have:
            plan.respondents_added.append(r["id"])
            if write:
                ours.insert("respondents", {"id": r["id"]})
    values = {(r["respondent_id"], r["key"]): r["value"] for r in ours.rows("attributes")}
    for r in other.rows("attributes"):
        mine = values.get((r["respondent_id"], r["key"]))
        if mine is None:
            plan.attributes_added += 1
            if write:
                ours.insert("attributes", dict(r))
        elif mine != r["value"]:
            plan.attribute_conflicts.append(
                AttributeConflict(r["respondent_id"], r["key"], mine, r["value"])
            )


def _codes(
    ours: MergeStore, other: OtherProject, plan: MergePlan, write: bool, ids: _Ids
) -> dict[int, int]:
    mine = {r["name"]: r for r in ours.rows("codes")}
    mine_names = {r["id"]: r["name"] for r in mine.values()}
    theirs = other.rows("codes")
    their_names = {r["id"]: r["name"] for r in theirs}
    out: dict[int, int] = {}
    pending = list(theirs)
    while pending:  # parents before children, whatever their ids
        later = []
        for r in pending:
            parent = r["parent_id"]
            if parent is not None and parent not in out:
                later.append(r)
                continue
            if r["name"] in mine:
                m = mine[r["name"]]
                out[r["id"]] = m["id"]
                diff = [f for f in CODE_FIELDS if m[f] != r[f]]
                their_parent = their_names.get(parent) if parent is not None else None
                if mine_names.get(m["parent_id"]) != their_parent:
                    diff.append("parent")
                if diff:
                    plan.codes_differing.append(CodeDifference(r["name"], tuple(diff)))
                continue
            plan.codes_added.append(r["name"])
            row = {k: v for k, v in r.items() if k != "id"}
            row["parent_id"] = out[parent] if parent is not None else None
            out[r["id"]] = ours.insert("codes", row) if write else ids.placeholder()
        if len(later) == len(pending):
            raise QualcodeError(
                f"{other.path}: its codes' parents form a loop; run `qualcode check` there"
            )
        pending = later
    return out


def _transcripts(
    ours: MergeStore, other: OtherProject, plan: MergePlan, write: bool, ids: _Ids
) -> tuple[dict[int, int], dict[int, int]]:
    mine = ours.rows("transcripts")
    by_sha: dict[str, list[dict[str, Any]]] = {}
    for r in mine:
        by_sha.setdefault(r["sha256"], []).append(r)
    names = {r["name"] for r in mine}
    numbers = ours.turn_numbers()
    their_turns: dict[int, list[dict[str, Any]]] = {}
    for u in other.turns():
        their_turns.setdefault(u["transcript_id"], []).append(u)
    t_map: dict[int, int] = {}
    turn_map: dict[int, int] = {}
    for r in other.transcripts():
        same = by_sha.get(r["sha256"], [])
        match = next((m for m in same if m["name"] == r["name"]), same[0] if same else None)
        if match is not None:
            t_map[r["id"]] = match["id"]
            for u in their_turns.get(r["id"], []):
                got = numbers.get((match["id"], u["number"]))
                if got is not None:
                    turn_map[u["id"]] = got
            continue
        if r["name"] in names:  # edited in one copy: the tags cannot be placed safely
            plan.transcripts_conflicting.append(r["name"])
            continue
        plan.transcripts_added.append(r["name"])
        names.add(r["name"])
        row = {k: v for k, v in r.items() if k != "id"}
        tid = ours.insert("transcripts", row) if write else ids.placeholder()
        t_map[r["id"]] = tid
        for u in their_turns.get(r["id"], []):
            urow = {k: v for k, v in u.items() if k != "id"}
            urow["transcript_id"] = tid
            turn_map[u["id"]] = ours.insert("turns", urow) if write else ids.placeholder()
    return t_map, turn_map


def _tags(
    ours: MergeStore,
    other: OtherProject,
    plan: MergePlan,
    write: bool,
    t_map: dict[int, int],
    turn_map: dict[int, int],
    code_map: dict[int, int],
) -> dict[int, int]:
    """Add the other copy's tags missing here; returns their tag id -> our tag id."""
    have = ours.tag_keys()
    out: dict[int, int] = {}
    by_coder: Counter[str] = Counter()
    new_rows: list[dict[str, Any]] = []
    for r in other.rows("tags"):
        tid = t_map.get(r["transcript_id"])
        if tid is None:
            plan.tags_skipped += 1
            continue
        key = (tid, code_map[r["code_id"]], r["start"], r["end"], r["coder"])
        if key in have:
            out[r["id"]] = have[key]
            continue
        row = {k: v for k, v in r.items() if k != "id"}
        row.update(transcript_id=tid, code_id=key[1])
        row["turn_id"] = turn_map.get(r["turn_id"]) if r["turn_id"] is not None else None
        have[key] = -1
        by_coder[r["coder"]] += 1
        new_rows.append(row)
        out[r["id"]] = -1
    plan.tags_added = len(new_rows)
    plan.tags_by_coder = dict(sorted(by_coder.items()))
    if write and new_rows:
        ours.insert_many("tags", new_rows)
        have = ours.tag_keys()
        for r in other.rows("tags"):
            tid = t_map.get(r["transcript_id"])
            if tid is not None:
                out[r["id"]] = have[(tid, code_map[r["code_id"]], r["start"], r["end"], r["coder"])]
    return out


def _suggestions(
    ours: MergeStore,
    other: OtherProject,
    plan: MergePlan,
    write: bool,
    t_map: dict[int, int],
    turn_map: dict[int, int],
    code_map: dict[int, int],
    tag_map: dict[int, int],
) -> None:
    mine = {
        (r["transcript_id"], r["code_id"], r["start"], r["end"]): r
        for r in ours.rows("suggestions")
    }
    for r in other.decided_suggestions():
        tid = t_map.get(r["transcript_id"])
        if tid is None:
            continue
        key = (tid, code_map[r["code_id"]], r["start"], r["end"])
        tag = tag_map.get(r["tag_id"]) if r["tag_id"] is not None else None
        decision = {
            "status": r["status"],
            "decided_by": r["decided_by"],
            "decided_at": r["decided_at"],
            "tag_id": tag if tag is not None and tag > 0 else None,
        }
        here = mine.get(key)
        if here is None:
            plan.decisions_added += 1
            if write:
                row = {k: v for k, v in r.items() if k != "id"}
                row.update(decision, transcript_id=tid, code_id=key[1], codebook_version=None)
                row["turn_id"] = turn_map.get(r["turn_id"]) if r["turn_id"] is not None else None
                ours.insert("suggestions", row)
        elif here["status"] == "pending":
            plan.decisions_updated += 1
            if write:
                ours.update_suggestion(here["id"], decision)
        elif here["status"] != r["status"]:
            plan.decision_conflicts += 1


def _settlements(
    ours: MergeStore,
    other: OtherProject,
    plan: MergePlan,
    write: bool,
    t_map: dict[int, int],
    code_map: dict[int, int],
) -> None:
    mine = {
        (r["transcript_id"], r["turn"], r["code_id"]): r["keep"] for r in ours.rows("settlements")
    }
    for r in other.rows("settlements"):
        tid = t_map.get(r["transcript_id"])
        if tid is None:
            continue
        key = (tid, r["turn"], code_map[r["code_id"]])
        if key not in mine:
            plan.settlements_added += 1
            if write:
                row = {k: v for k, v in r.items() if k != "id"}
                row.update(transcript_id=tid, code_id=key[2])
                ours.insert("settlements", row)
        elif mine[key] != r["keep"]:
            plan.settlement_conflicts += 1


def _pseudonyms(ours: MergeStore, other: OtherProject, plan: MergePlan, write: bool) -> None:
    have = {r["name"] for r in ours.rows("pseudonyms")}
    for r in other.rows("pseudonyms"):
        if r["name"] not in have:
            plan.pseudonyms_added += 1
            if write:
                ours.insert("pseudonyms", dict(r))


def _history(ours: MergeStore, other: OtherProject, plan: MergePlan, write: bool) -> None:
    """Copy the other copy's commands (and their row changes) that are not here yet."""

    def key(r: dict[str, Any], digest: dict[int, str]) -> tuple[str, str, str, str]:
        return (r["at"], r["coder"], _MARK.sub("", r["command"]), digest.get(r["id"], ""))

    mine = ours.fingerprints()
    theirs = other.fingerprints()
    have = {key(r, mine): r["id"] for r in ours.rows("commands")}
    mapped: dict[int, int] = {}
    copied: list[dict[str, Any]] = []
    for r in other.rows("commands"):
        k = key(r, theirs)
        if k in have:
            mapped[r["id"]] = have[k]
            continue
        plan.history_added += 1
        have[k] = -1
        if write:
            new = ours.insert(
                "commands",
                {
                    "at": r["at"],
                    "coder": r["coder"],
                    "command": f"{r['command']} [merged from {plan.source}]",
                },
            )
            mapped[r["id"]] = new
            copied.append(r)
            changes = other.rows("changes", f" WHERE command_id = {int(r['id'])}")
            ours.insert_many(
                "changes",
                [
                    {**{c: v for c, v in ch.items() if c != "id"}, "command_id": new}
                    for ch in changes
                ],
            )
            sets = other.rows("decision_sets", f" WHERE command_id = {int(r['id'])}")
            ours.insert_many(
                "decision_sets",
                [{**{c: v for c, v in d.items() if c != "id"}, "command_id": new} for d in sets],
            )
    for r in copied:  # undo links between copied commands, now that all have new ids
        if r["undo_of"] is not None or r["undone_by"] is not None:
            ours.set_command_links(
                mapped[r["id"]], mapped.get(r["undo_of"]), mapped.get(r["undone_by"])
            )


# -- a coder's copy ------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectCopy:
    """A copy of the project written for one coder (or whole)."""

    path: Path
    coder: str | None
    tags: int  # tags in the copy


def export_project_db(
    store: Store, target: Path, *, coder: str | None = None, force: bool = False
) -> ProjectCopy:
    """Copy the project to a .db file; with coder, keep only their tags and make them its coder."""
    from .store import Store as _Store

    target = Path(target)
    if target.suffix.lower() != ".db":
        raise QualcodeError(
            f"{target.name}: a project copy is a .db file (use .qdpx for the REFI-QDA export)"
        )
    if target.exists() and not force:
        raise QualcodeError(f"{target} exists; choose another name or pass --force")
    if target.resolve() == store.path.resolve():
        raise QualcodeError(f"{target} is this project itself; choose another file name")
    store.backup(target)
    copy = _Store(target)
    try:
        if coder is not None:
            # Not recorded: the copy starts as this coder's view, with no history of the cut.
            with copy.write(record=False):
                copy.tags.delete_other_coders(coder)
                copy.set_setting("coder", coder)
        return ProjectCopy(target, coder, copy.tags.count())
    finally:
        copy.close()
