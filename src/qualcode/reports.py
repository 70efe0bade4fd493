"""Report computations: pure functions over the store that return row records.

The terminal view and every export render these rows, so the numbers are the same everywhere.
Only respondent turns count (a tag on an interviewer turn is ignored), a respondent counts once
per code however often they raised it, and a parent code aggregates its children.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .errors import QualcodeError, closest
from .models import Code

if TYPE_CHECKING:
    from .project import Project

NONE_VALUE = "(none)"
SORTS = ("tree", "respondents", "passages", "transcripts", "name")


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
        return f"{self.n}/{self.total} ({self.ratio:.0%})"


@dataclass(frozen=True)
class GroupCell:
    """One code's counts within one group (e.g. town=Talsi)."""

    respondents: Share
    passages: int


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
    groups: dict[tuple[str, ...], GroupCell] = field(default_factory=dict)


@dataclass(frozen=True)
class FrequencyReport:
    """Theme frequencies: rows in order, the grouping attributes and each group's size."""

    rows: list[FrequencyRow]
    by: tuple[str, ...]
    groups: list[tuple[str, ...]]
    group_sizes: dict[tuple[str, ...], int]
    total_respondents: int
    total_transcripts: int


@dataclass(frozen=True)
class _TagFact:
    code_id: int
    respondent: str
    transcript_id: int
    start: int
    end: int


def respondent_tags(project: Project) -> list[_TagFact]:
    """Every tag on a respondent turn (or a span outside any turn), one fact per tag."""
    rows = project.store.conn.execute(
        """
        SELECT g.code_id, coalesce(t.respondent_id, t.name), g.transcript_id, g.start, g."end"
        FROM tags g JOIN transcripts t ON t.id = g.transcript_id
        LEFT JOIN turns u ON u.id = g.turn_id
        WHERE u.role IS NULL OR u.role = 'respondent'
        """
    ).fetchall()
    return [_TagFact(*r) for r in rows]


def respondent_groups(project: Project, by: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Each respondent with a transcript -> its values of the `by` attributes."""
    check_attributes(project, by)
    respondents = [
        r[0] for r in project.store.conn.execute(
            "SELECT DISTINCT coalesce(respondent_id, name) FROM transcripts ORDER BY 1"
        )
    ]
    values: dict[tuple[str, str], str] = {}
    if by:
        marks = ",".join("?" * len(by))
        for rid, key, value in project.store.conn.execute(
            f"SELECT respondent_id, key, value FROM attributes WHERE key IN ({marks})", list(by)
        ):
            values[(rid, key)] = value
    return {r: tuple(values.get((r, k), NONE_VALUE) for k in by) for r in respondents}


def check_attributes(project: Project, by: Sequence[str]) -> None:
    """Raise a clear error for an unknown attribute, listing the known ones."""
    known = project.store.attribute_keys()
    for key in by:
        if key not in known:
            guess = closest(key, known)
            hint = f"did you mean {guess!r}? " if guess else ""
            raise QualcodeError(
                f"no attribute named {key!r}; {hint}known attributes: "
                f"{', '.join(known) or 'none (import with --attributes FILE.csv)'}"
            )


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


def frequencies(
    project: Project,
    *,
    by: Sequence[str] = (),
    sort: str = "tree",
    codes: Sequence[str] | None = None,
) -> FrequencyReport:
    """Per code: respondents who raised it (with the denominator), passages, transcripts;
    split by the `by` attributes (group key = tuple of values)."""
    if sort not in SORTS:
        raise QualcodeError(f"cannot sort by {sort!r}; choose one of {', '.join(SORTS)}")
    all_codes = project.codes()
    selected = all_codes
    if codes:
        wanted = {project.code(c).name for c in codes}
        selected = [c for c in all_codes if c.name in wanted]
    closure = code_closure(all_codes)
    depth = _depths(all_codes)
    groups_of = respondent_groups(project, by)
    group_sizes: dict[tuple[str, ...], int] = defaultdict(int)
    for key in groups_of.values():
        group_sizes[key] += 1
    facts = respondent_tags(project)
    by_code: dict[int, list[_TagFact]] = defaultdict(list)
    for f in facts:
        by_code[f.code_id].append(f)

    total = len(groups_of)
    rows: list[FrequencyRow] = []
    for code in selected:
        fs = [f for cid in closure[code.id] for f in by_code.get(cid, [])]
        respondents = {f.respondent for f in fs}
        passages = {(f.transcript_id, f.start, f.end) for f in fs}
        cells: dict[tuple[str, ...], GroupCell] = {}
        if by:
            g_resp: dict[tuple[str, ...], set[str]] = defaultdict(set)
            g_pass: dict[tuple[str, ...], set[tuple[int, int, int]]] = defaultdict(set)
            for f in fs:
                key = groups_of.get(f.respondent, tuple(NONE_VALUE for _ in by))
                g_resp[key].add(f.respondent)
                g_pass[key].add((f.transcript_id, f.start, f.end))
            for key, size in group_sizes.items():
                cells[key] = GroupCell(Share(len(g_resp.get(key, ())), size),
                                       len(g_pass.get(key, ())))
        rows.append(FrequencyRow(
            code=code.name, label=code.label, parent=code.parent, depth=depth[code.name],
            color=code.color, respondents=Share(len(respondents), total),
            passages=len(passages), transcripts=len({f.transcript_id for f in fs}),
            groups=cells,
        ))
    rows = _sorted(rows, sort)
    return FrequencyReport(
        rows=rows, by=tuple(by), groups=sorted(group_sizes), group_sizes=dict(group_sizes),
        total_respondents=total,
        total_transcripts=int(project.store.conn.execute(
            "SELECT count(*) FROM transcripts").fetchone()[0]),
    )


def _sorted(rows: list[FrequencyRow], sort: str) -> list[FrequencyRow]:
    """Sort siblings by the key while keeping each parent above its children."""
    if sort == "tree":
        return rows
    keys = {
        "respondents": lambda r: (-r.respondents.n, -r.passages, r.code),
        "passages": lambda r: (-r.passages, -r.respondents.n, r.code),
        "transcripts": lambda r: (-r.transcripts, -r.respondents.n, r.code),
        "name": lambda r: (r.code.lower(),),
    }[sort]
    children: dict[str | None, list[FrequencyRow]] = defaultdict(list)
    names = {r.code for r in rows}
    for r in rows:
        children[r.parent if r.parent in names else None].append(r)
    out: list[FrequencyRow] = []

    def rec(parent: str | None) -> None:
        for r in sorted(children.get(parent, []), key=keys):
            out.append(r)
            rec(r.code)

    rec(None)
    return out
