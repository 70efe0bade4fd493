"""Coverage (how much of what respondents said has a code) and saturation (new codes per
interview, in interview order): is the coding complete, and do new interviews still bring
new themes?

Both count respondent turns only, like the frequency reports. A word counts as coded when a
placed tag covers any of its characters; a turn counts as coded when a tag lies in it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import QualcodeError
from .models import RESPONDENT
from .reports import Share

if TYPE_CHECKING:
    from .exports.tabular import Table
    from .store import Store

_WORD = re.compile(r"\w+")
ORDERS = ("auto", "date", "import")
DATE_ATTRIBUTE = "interview_date"


@dataclass(frozen=True)
class CoverageRow:
    """One transcript (or one group of transcripts): coded respondent turns and words."""

    name: str  # transcript name, or the group label
    respondent: str | None
    turns: Share
    words: Share
    group: str = ""


@dataclass(frozen=True)
class UncodedTurn:
    """A respondent turn without any code."""

    transcript: str
    turn: int
    speaker: str
    words: int
    text: str


@dataclass(frozen=True)
class CoverageReport:
    """Coverage per transcript, per group (with `by`) and overall, and the uncoded turns."""

    rows: list[CoverageRow]
    groups: list[CoverageRow]
    total: CoverageRow
    uncoded: list[UncodedTurn]  # longest first
    by: tuple[str, ...] = ()


def _merge(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(intervals):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _sum(name: str, rows: Sequence[CoverageRow], group: str = "") -> CoverageRow:
    return CoverageRow(
        name,
        None,
        Share(sum(r.turns.n for r in rows), sum(r.turns.total for r in rows)),
        Share(sum(r.words.n for r in rows), sum(r.words.total for r in rows)),
        group,
    )


def coverage(store: Store, *, by: Sequence[str] = ()) -> CoverageReport:
    """Share of respondent turns and words with at least one code, per transcript and group."""
    known = set(store.respondents.keys())
    for a in by:
        if a not in known:
            raise QualcodeError(f"no attribute {a!r}; known: {', '.join(sorted(known)) or 'none'}")
    spans: dict[int, list[tuple[int, int]]] = {}
    for f in store.tags.facts():
        if f.turn_id is not None:
            spans.setdefault(f.turn_id, []).append((f.start, f.end))
    meta = {t.id: t for t in store.transcripts.all()}
    rows, uncoded = [], []
    for r in store.transcripts.texts():
        t = meta[r["id"]]
        n_turns = coded_turns = n_words = coded_words = 0
        for u in store.transcripts.turns(r["id"], r["text"]):
            if u.role != RESPONDENT:
                continue
            words = [(m.start() + u.start, m.end() + u.start) for m in _WORD.finditer(u.text)]
            n_turns += 1
            n_words += len(words)
            covered = _merge(spans.get(u.id, []))
            if not covered:
                uncoded.append(UncodedTurn(t.name, u.number, u.speaker, len(words), u.text))
                continue
            coded_turns += 1
            i = 0
            for ws, we in words:  # both sorted: one pass
                while i < len(covered) and covered[i][1] <= ws:
                    i += 1
                if i < len(covered) and covered[i][0] < we:
                    coded_words += 1
        group = " / ".join(t.attributes.get(a, "") or "–" for a in by)
        rows.append(
            CoverageRow(
                t.name,
                t.respondent,
                Share(coded_turns, n_turns),
                Share(coded_words, n_words),
                group,
            )
        )
    rows.sort(key=lambda x: x.name)
    groups = []
    if by:
        for g in sorted({x.group for x in rows}):
            groups.append(_sum(g, [x for x in rows if x.group == g], g))
    uncoded.sort(key=lambda x: (-x.words, x.transcript, x.turn))
    return CoverageReport(rows, groups, _sum("all", rows), uncoded, tuple(by))


@dataclass(frozen=True)
class SaturationRow:
    """One interview in order: its codes, the codes new with it, the running total."""

    position: int
    transcript: str
    date: str
    codes: int
    new: int
    cumulative: int
    new_codes: tuple[str, ...]


@dataclass(frozen=True)
class SaturationReport:
    """New codes per interview in interview order."""

    rows: list[SaturationRow]
    order: str  # date | import
    total_codes: int  # codes in the codebook


def saturation(store: Store, *, order: str = "auto") -> SaturationReport:
    """New codes each transcript added, in interview_date order (when every transcript has
    one, or order='date') or import order, with the running total."""
    if order not in ORDERS:
        raise QualcodeError(f"--order is one of {', '.join(ORDERS)}, not {order!r}")
    transcripts = store.transcripts.all()
    dated = all(t.attributes.get(DATE_ATTRIBUTE) for t in transcripts)
    if order == "date" and not dated:
        missing = [t.name for t in transcripts if not t.attributes.get(DATE_ATTRIBUTE)]
        raise QualcodeError(
            f"{len(missing)} transcripts have no {DATE_ATTRIBUTE} attribute (e.g. {missing[0]}); "
            f"set it with `qualcode attributes set` or use --order import"
        )
    used = "date" if order == "date" or (order == "auto" and dated and transcripts) else "import"
    if used == "date":
        transcripts.sort(key=lambda t: (t.attributes[DATE_ATTRIBUTE], t.imported_at, t.id))
    else:
        transcripts.sort(key=lambda t: (t.imported_at, t.id))
    codes = {c.id: c.name for c in store.codes.all()}
    per: dict[int, set[int]] = {}
    for f in store.tags.facts():
        per.setdefault(f.transcript_id, set()).add(f.code_id)
    seen: set[int] = set()
    rows = []
    for i, t in enumerate(transcripts, start=1):
        mine = per.get(t.id, set())
        new = mine - seen
        seen |= new
        rows.append(
            SaturationRow(
                i,
                t.name,
                t.attributes.get(DATE_ATTRIBUTE, "") if used == "date" else t.imported_at[:10],
                len(mine),
                len(new),
                len(seen),
                tuple(sorted(codes.get(c, str(c)) for c in new)),
            )
        )
    return SaturationReport(rows, used, len(codes))


# -- rows -> tables (the shape every --format and export shares) -----------------------------


def coverage_table(report: CoverageReport) -> Table:
    """Coverage per transcript (with its group when split)."""
    from .exports.tabular import Column, Table

    cols = [Column("transcript"), Column("respondent")]
    if report.by:
        cols.append(Column(" / ".join(report.by)))
    cols += [Column("respondent turns coded", "share"), Column("words coded", "share")]
    rows = []
    for r in [*report.rows, report.total]:
        row: list[object] = [r.name, r.respondent or ""]
        if report.by:
            row.append(r.group)
        rows.append([*row, r.turns, r.words])
    return Table(
        "coverage",
        "Coverage per transcript",
        cols,
        rows,
        "respondent turns only; a word counts as coded when a tag covers it; last row: all",
    )


def coverage_group_table(report: CoverageReport) -> Table:
    """Coverage per group of the `by` attributes."""
    from .exports.tabular import Column, Table

    by = " / ".join(report.by)
    return Table(
        f"coverage-by-{by.replace(' ', '')}",
        f"Coverage by {by}",
        [Column(by), Column("respondent turns coded", "share"), Column("words coded", "share")],
        [[g.name, g.turns, g.words] for g in report.groups],
    )


def uncoded_table(report: CoverageReport, limit: int | None = 20) -> Table:
    """The longest respondent turns without a code."""
    from .exports.tabular import Column, Table

    shown = report.uncoded[:limit] if limit else report.uncoded
    return Table(
        "uncoded",
        "Uncoded respondent turns (longest first)",
        [
            Column("transcript"),
            Column("turn", "int"),
            Column("speaker"),
            Column("words", "int"),
            Column("text"),
        ],
        [[u.transcript, u.turn, u.speaker, u.words, " ".join(u.text.split())] for u in shown],
        f"{len(shown)} of {len(report.uncoded)} uncoded turns",
    )


def saturation_table(report: SaturationReport) -> Table:
    """New codes per interview, cumulative."""
    from .exports.tabular import Column, Table

    return Table(
        "saturation",
        f"New codes per interview ({report.order} order)",
        [
            Column("#", "int"),
            Column("transcript"),
            Column("date"),
            Column("codes", "int"),
            Column("new", "int"),
            Column("cumulative", "int"),
            Column("new codes"),
        ],
        [
            [r.position, r.transcript, r.date, r.codes, r.new, r.cumulative, ", ".join(r.new_codes)]
            for r in report.rows
        ],
        f"{report.total_codes} codes in the codebook; respondent turns only",
    )
