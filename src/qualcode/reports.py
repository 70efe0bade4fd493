"""Report computations: pure functions over the store that return row records.

The terminal view and every export render these rows, so the numbers are the same everywhere.
Only respondent turns count (a tag on an interviewer turn is ignored), a respondent counts once
per code however often they raised it, and a parent code aggregates its children.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import QualcodeError, closest
from .models import Code, TagFact
from .teamwork import TagView, prepare_view

if TYPE_CHECKING:
    from .store import Store

NONE_VALUE = "(none)"
SORTS = ("tree", "respondents", "passages", "transcripts", "name")
UNITS = ("respondent", "passage", "transcript")
Group = tuple[str, ...]


@dataclass(frozen=True)
class Share:
    """A count with its denominator, e.g. 3/7 (43%)."""

    n: int
    total: int

    @property
    def ratio(self) -> float:
        """n / total, 0 when total is 0."""
        return self.n / self.total if self.total else 0.0

    def __str__(self) -> str:
        return f"{self.n}/{self.total} ({self.ratio:.0%})" if self.total else f"{self.n}/0 (–)"


@dataclass(frozen=True)
class GroupCell:
    """One code's counts within one group (e.g. town=Talsi)."""

    respondents: Share
    passages: int
    transcripts: int = 0


@dataclass(frozen=True)
class FrequencyRow:
    """One code's counts overall and per group."""

    code: str
    label: str | None
    parent: str | None
    depth: int
    color: str | None
    respondents: Share
    passages: int
    transcripts: int
    groups: dict[Group, GroupCell] = field(default_factory=dict)
    retired: bool = False  # gone from the codebook, kept (and counted) for its tags

    def count(self, unit: str = "respondent") -> int:
        """The count in a unit: respondents, passages or transcripts."""
        return {
            "respondent": self.respondents.n,
            "passage": self.passages,
            "transcript": self.transcripts,
        }[unit]


@dataclass(frozen=True)
class FrequencyReport:
    """Theme frequencies: rows in order, the grouping attributes and each group's size."""

    rows: list[FrequencyRow]
    by: tuple[str, ...]
    groups: list[Group]
    group_sizes: dict[Group, int]
    total_respondents: int
    total_transcripts: int
    unit: str = "respondent"
    min_count: int = 0
    view: str = ""  # whose tags: '' for all, 'coder NAME', or 'final coding; ...'


_TagFact = TagFact


def respondent_tags(
    store: Store,
    *,
    code_ids: Sequence[int] | None = None,
    with_text: bool = False,
    view: TagView | None = None,
) -> list[TagFact]:
    """Every placed tag on a respondent turn (or a span outside any turn), one fact per tag.

    The view (see teamwork.TagView) picks whose tags: all, one coder's, or the final coding
    (which `teamwork.prepare_view` must have loaded first).
    """
    return store.tags.facts(code_ids=code_ids, with_text=with_text, **view_args(view))


def view_args(view: TagView | None) -> dict[str, Any]:
    """The store's filter arguments for a view (coder, final)."""
    if view is None:
        return {"coder": None, "final": False}
    return {"coder": view.coder, "final": view.final}


def respondent_groups(store: Store, by: Sequence[str]) -> dict[str, Group]:
    """Each respondent with a transcript -> its values of the `by` attributes."""
    by = resolve_attributes(store, by)
    values = store.respondents.values(by)
    return {
        r: tuple(values.get((r, k), NONE_VALUE) for k in by)
        for r in store.respondents.with_transcripts()
    }


def resolve_attributes(store: Store, by: Sequence[str]) -> list[str]:
    """The stored attribute names for `by` (case-insensitive); a clear error for unknown ones."""
    known = store.respondents.keys()
    lowered = {k.casefold(): k for k in known}
    out = []
    for key in by:
        if key in known:
            out.append(key)
        elif key.casefold() in lowered:
            out.append(lowered[key.casefold()])
        else:
            guess = closest(key, known)
            hint = f"did you mean {guess!r}? " if guess else ""
            raise QualcodeError(
                f"no attribute named {key!r}; {hint}known attributes: "
                f"{', '.join(known) or 'none (import with --attributes FILE.csv)'}"
            )
    return out


def check_attributes(store: Store, by: Sequence[str]) -> None:
    """Raise a clear error for an unknown attribute, listing the known ones."""
    resolve_attributes(store, by)


def value_key(value: str) -> tuple[bool, str, str]:
    """Sort key for attribute values: letters before their diacritic forms, (none) last."""
    base = unicodedata.normalize("NFD", value.casefold())
    plain = "".join(ch for ch in base if not unicodedata.combining(ch))
    return (value == NONE_VALUE, plain, value)


def group_key(key: Group) -> tuple[tuple[bool, str, str], ...]:
    """Sort key for a group tuple."""
    return tuple(value_key(v) for v in key)


def all_groups(groups_of: dict[str, Group], by: Sequence[str]) -> dict[Group, int]:
    """Every combination of the observed values (empty ones too, size 0) -> respondents in it."""
    if not by:
        return {(): len(groups_of)}
    values = [sorted({g[i] for g in groups_of.values()}, key=value_key) for i in range(len(by))]
    sizes = dict.fromkeys(itertools.product(*values), 0)
    for key in groups_of.values():
        sizes[key] += 1
    return dict(sorted(sizes.items(), key=lambda kv: group_key(kv[0])))


def code_closure(codes: Sequence[Code]) -> dict[int, list[int]]:
    """Each code id -> its own id and every descendant's id."""
    children: dict[str | None, list[Code]] = defaultdict(list)
    for c in codes:
        children[c.parent].append(c)
    out: dict[int, list[int]] = {}

    def rec(code: Code) -> list[int]:
        ids = [code.id]
        for child in children.get(code.name, []):
            ids.extend(rec(child))
        out[code.id] = ids
        return ids

    for c in codes:
        if c.id not in out:
            rec(c)
    return out


def _depths(codes: Sequence[Code]) -> dict[str, int]:
    parent = {c.name: c.parent for c in codes}
    depth: dict[str, int] = {}
    for c in codes:
        d, p = 0, c.parent
        while p is not None and d < 50:
            d, p = d + 1, parent.get(p)
        depth[c.name] = d
    return depth


def _select(store: Store, codes: Sequence[str] | None) -> tuple[list[Code], list[Code]]:
    """(every code, the selected ones in tree order).

    Retired codes (gone from the codebook, kept for their tags) still count toward their
    parents; they are listed themselves only while they have tags.
    """
    all_codes = store.codes.all(include_inactive=True)
    if not codes:
        used = store.codes.tag_counts()
        return all_codes, [c for c in all_codes if c.active or used.get(c.name)]
    wanted = {store.codes.get(c).name for c in codes}
    return all_codes, [c for c in all_codes if c.name in wanted]


def _facts_by_code(
    store: Store,
    all_codes: Sequence[Code],
    selected: Sequence[Code] | None = None,
    *,
    with_text: bool = False,
    view: TagView | None = None,
) -> dict[int, list[_TagFact]]:
    """Code id -> the facts of that code and every code below it (for the selected codes).

    With text (for quotes) the facts are in transcript order; counts need no order.
    """
    closure = code_closure(all_codes)
    wanted = {c.id: closure[c.id] for c in (selected if selected is not None else all_codes)}
    needed = sorted({sub for ids in wanted.values() for sub in ids})
    direct: dict[int, list[_TagFact]] = defaultdict(list)
    # Filtering by code only pays when few codes are wanted; for all of them a plain scan of
    # the tags is faster than the code index.
    subset = needed if len(needed) < len(closure) / 2 else None
    for f in respondent_tags(store, code_ids=subset, with_text=with_text, view=view):
        direct[f.code_id].append(f)
    out: dict[int, list[_TagFact]] = {}
    for cid, ids in wanted.items():
        facts = (
            direct.get(ids[0], [])
            if len(ids) == 1
            else [f for sub in ids for f in direct.get(sub, [])]
        )
        if with_text:
            facts = sorted(facts, key=lambda f: (f.transcript, f.start, f.end))
        out[cid] = facts
    return out


def _passage(f: TagFact) -> tuple[int, ...]:
    """A passage, whoever tagged it: the turn a tag lies in, else its span."""
    return (
        (f.transcript_id, f.turn_id) if f.turn_id is not None else (f.transcript_id, f.start, f.end)
    )


def frequencies(
    store: Store,
    *,
    by: Sequence[str] = (),
    sort: str = "tree",
    codes: Sequence[str] | None = None,
    unit: str = "respondent",
    min_count: int = 0,
    view: TagView | None = None,
) -> FrequencyReport:
    """Per code: respondents who raised it (n/N), passages and transcripts, overall and by group.

    Groups are keyed by the tuple of `by` values; empty groups are kept (as 0). Codes whose
    count in `unit` is below `min_count` are left out.
    """
    if sort not in SORTS:
        raise QualcodeError(f"cannot sort by {sort!r}; choose one of {', '.join(SORTS)}")
    if unit not in UNITS:
        raise QualcodeError(f"unknown unit {unit!r}; choose one of {', '.join(UNITS)}")
    by = resolve_attributes(store, by)
    all_codes, selected = _select(store, codes)
    depth = _depths(all_codes)
    groups_of = respondent_groups(store, by)
    group_sizes = all_groups(groups_of, by)
    total = len(groups_of)
    note = prepare_view(store, view)
    # Counted in SQL (one GROUP BY over the tags), not by loading every tag into Python.
    overall = {r[0]: r[1:] for r in store.tags.code_counts((), NONE_VALUE, **view_args(view))}
    split: dict[int, dict[Group, tuple[int, ...]]] = defaultdict(dict)
    if by:
        for r in store.tags.code_counts(by, NONE_VALUE, **view_args(view)):
            split[r[0]][tuple(r[1 : 1 + len(by)])] = r[1 + len(by) :]
    rows: list[FrequencyRow] = []
    for code in selected:
        n_resp, n_pass, n_tr = overall.get(code.id, (0, 0, 0))
        cells: dict[Group, GroupCell] = {}
        for key, size in group_sizes.items() if by else ():
            gr, gp, gt = split[code.id].get(key, (0, 0, 0))
            cells[key] = GroupCell(Share(gr, size), gp, gt)
        row = FrequencyRow(
            code=code.name,
            label=code.label,
            parent=code.parent,
            depth=depth[code.name],
            color=code.color,
            respondents=Share(n_resp, total),
            passages=n_pass,
            transcripts=n_tr,
            groups=cells,
            retired=not code.active,
        )
        if row.count(unit) >= min_count:
            rows.append(row)
    return FrequencyReport(
        rows=_sorted(rows, sort),
        by=tuple(by),
        groups=list(group_sizes) if by else [],
        group_sizes=group_sizes if by else {},
        total_respondents=total,
        total_transcripts=store.transcripts.count(),
        unit=unit,
        min_count=min_count,
        view=note,
    )


def _sorted(rows: list[FrequencyRow], sort: str) -> list[FrequencyRow]:
    """Sort siblings by the key while keeping each parent above its children."""
    if sort == "tree":
        return rows
    keys: dict[str, Callable[[FrequencyRow], tuple[object, ...]]] = {
        "respondents": lambda r: (-r.respondents.n, -r.passages, r.code),
        "passages": lambda r: (-r.passages, -r.respondents.n, r.code),
        "transcripts": lambda r: (-r.transcripts, -r.respondents.n, r.code),
        "name": lambda r: (r.code.lower(),),
    }
    key = keys[sort]
    children: dict[str | None, list[FrequencyRow]] = defaultdict(list)
    names = {r.code for r in rows}
    for r in rows:
        children[r.parent if r.parent in names else None].append(r)
    out: list[FrequencyRow] = []

    def rec(parent: str | None) -> None:
        for r in sorted(children.get(parent, []), key=key):
            out.append(r)
            rec(r.code)

    rec(None)
    return out


# -- framework matrix ------------------------------------------------------------------


@dataclass(frozen=True)
class Snippet:
    """A short quote in a matrix cell: the passage shortened, with who said it."""

    respondent: str
    transcript: str
    turn: int | None
    text: str


@dataclass(frozen=True)
class MatrixCell:
    """One code within one group: respondents n/N, passages and a few short quotes."""

    respondents: Share
    passages: int
    quotes: tuple[Snippet, ...] = ()


@dataclass(frozen=True)
class MatrixRow:
    """One code across the groups."""

    code: str
    label: str | None
    color: str | None
    depth: int
    cells: dict[Group, MatrixCell]


@dataclass(frozen=True)
class MatrixReport:
    """Framework matrix: codes x groups (each respondent a group when `by` is empty)."""

    rows: list[MatrixRow]
    by: tuple[str, ...]
    groups: list[Group]
    group_sizes: dict[Group, int]
    quotes_per_cell: int
    view: str = ""  # whose tags: '' for all, 'coder NAME', or 'final coding; ...'


def shorten(text: str, width: int) -> str:
    """One line of at most `width` characters, cut at a word boundary with an ellipsis."""
    flat = " ".join(text.split())
    if len(flat) <= width:
        return flat
    cut = flat[: width - 1].rsplit(" ", 1)[0] if " " in flat[: width - 1] else flat[: width - 1]
    return cut.rstrip(",.;:") + "…"


def _pick(facts: Sequence[_TagFact], n: int) -> list[_TagFact]:
    """Up to n distinct passages, one per respondent first so a cell shows several voices."""
    seen: set[tuple[int, ...]] = set()
    unique = []
    for f in facts:
        if _passage(f) not in seen:
            seen.add(_passage(f))
            unique.append(f)
    first: dict[str, _TagFact] = {}
    for f in unique:
        first.setdefault(f.respondent, f)
    ordered = list(first.values()) + [f for f in unique if first[f.respondent] is not f]
    return ordered[:n]


def matrix(
    store: Store,
    *,
    codes: Sequence[str] | None = None,
    by: Sequence[str] = (),
    quotes: int = 2,
    width: int = 100,
    view: TagView | None = None,
) -> MatrixReport:
    """Framework matrix: per code and group, respondents n/N, passages and a few short quotes.

    Up to `quotes` quotes per cell, one per respondent first. Without `by`, each respondent
    is a column.
    """
    by = resolve_attributes(store, by)
    all_codes, selected = _select(store, codes)
    depth = _depths(all_codes)
    groups_of = respondent_groups(store, by)
    if by:
        sizes = all_groups(groups_of, by)
        by_t = tuple(by)
    else:
        groups_of = {r: (r,) for r in groups_of}
        sizes = {(r,): 1 for r in sorted(groups_of, key=value_key)}
        by_t = ("respondent",)
    note = prepare_view(store, view)
    facts = _facts_by_code(store, all_codes, selected, with_text=True, view=view)
    rows = []
    for code in selected:
        split: dict[Group, list[_TagFact]] = defaultdict(list)
        for f in facts[code.id]:
            split[groups_of.get(f.respondent, (NONE_VALUE,) * len(by_t))].append(f)
        cells = {}
        for key, size in sizes.items():
            part = split.get(key, [])
            snippets = tuple(
                Snippet(f.respondent, f.transcript, f.turn, shorten(f.text, width))
                for f in _pick(part, quotes)
            )
            cells[key] = MatrixCell(
                Share(len({f.respondent for f in part}), size),
                len({_passage(f) for f in part}),
                snippets,
            )
        rows.append(MatrixRow(code.name, code.label, code.color, depth[code.name], cells))
    return MatrixReport(rows, by_t, list(sizes), sizes, quotes, note)


# -- co-occurrence ---------------------------------------------------------------------


@dataclass(frozen=True)
class CooccurReport:
    """Code x code: how many turns, and how many respondents, carry both codes.

    The diagonal holds each code's own count. A parent includes its children, so a parent
    and its child co-occur wherever the child is.
    """

    codes: list[str]
    labels: dict[str, str | None]
    turns: dict[tuple[str, str], int]
    respondents: dict[tuple[str, str], int]
    total_respondents: int

    def count(self, a: str, b: str, unit: str = "turn") -> int:
        """Co-occurrences of a and b in a unit: turn or respondent."""
        return (self.turns if unit == "turn" else self.respondents)[(a, b)]


def cooccurrence(store: Store, *, codes: Sequence[str] | None = None) -> CooccurReport:
    """Code x code co-occurrence on the same respondent turn and for the same respondent."""
    all_codes, selected = _select(store, codes)
    facts = _facts_by_code(store, all_codes, selected)
    where: dict[str, set[object]] = {}
    who: dict[str, set[str]] = {}
    for c in selected:
        # A span outside any turn is its own place.
        where[c.name] = {f.turn_id if f.turn_id is not None else _passage(f) for f in facts[c.id]}
        who[c.name] = {f.respondent for f in facts[c.id]}
    names = [c.name for c in selected]
    turns = {(a, b): len(where[a] & where[b]) for a in names for b in names}
    resp = {(a, b): len(who[a] & who[b]) for a in names for b in names}
    return CooccurReport(
        names, {c.name: c.label for c in selected}, turns, resp, len(respondent_groups(store, ()))
    )
