"""The exported report as one document: sections of tables, charts and quotes.

Every exporter (XLSX, DOCX, HTML, Markdown, CSV, JSON) renders a `ReportDoc`; the document is
built once from the report functions, and anonymised once when asked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from qualcode.codebook_ops import stored_codebook
from qualcode.i18n import _
from qualcode.ratings import RatingsReport, band_label, ratings
from qualcode.reports import FrequencyReport, cooccurrence, frequencies, matrix
from qualcode.reports_quotes import QuoteReport, grouping_attributes, quotes

from .tabular import (
    Table,
    cooccur_table,
    frequencies_table,
    group_label,
    group_table,
    matrix_table,
    quotes_table,
    ratings_group_table,
    ratings_table,
)

if TYPE_CHECKING:
    from qualcode.store import Store
    from qualcode.teamwork import TagView

Progress = Callable[[int, int, str], None]  # (steps done, steps in all, what now)
MAX_CHART_CODES = 10  # codes in a by-group chart


@dataclass(frozen=True)
class Series:
    """One set of bars."""

    name: str
    values: list[float]
    color: str | None = None


@dataclass(frozen=True)
class Chart:
    """A bar chart: one bar per label and series."""

    key: str
    title: str
    labels: list[str]
    series: list[Series]
    xlabel: str = ""
    percent: bool = False
    colors: list[str | None] = field(default_factory=list)  # per label, for a single series


@dataclass(frozen=True)
class Section:
    """A heading with an introduction, a chart, tables and quotes."""

    key: str
    title: str
    intro: str = ""
    tables: list[Table] = field(default_factory=list)
    quotes: QuoteReport | None = None
    chart: Chart | None = None


@dataclass(frozen=True)
class ReportDoc:
    """A whole report: title, facts about it, sections in order."""

    title: str
    meta: list[tuple[str, str]]
    sections: list[Section]

    def tables(self) -> list[Table]:
        """Every table in order, the quotes of each code as a table too."""
        out = []
        for s in self.sections:
            out += s.tables
            if s.quotes is not None:
                out.append(quotes_table(s.quotes))
        return out

    @property
    def steps(self) -> int:
        """How many units of work an exporter reports progress for."""
        return len(self.sections)


def _inherited_colors(report: FrequencyReport) -> list[str | None]:
    """Each row's colour, or its nearest ancestor's, so a theme's codes share a colour."""
    own = {r.code: r.color for r in report.rows}
    parent = {r.code: r.parent for r in report.rows}
    out = []
    for r in report.rows:
        code: str | None = r.code
        while code is not None and not own.get(code):
            code = parent.get(code)
        out.append(own.get(code) if code else None)
    return out


def frequency_chart(report: FrequencyReport, key: str = "frequencies") -> Chart:
    """A bar chart of a frequency report in its unit.

    With groups: the share of each group's respondents (or the passages) per theme, or one
    bar per group when there is a single code.
    """
    unit = report.unit
    labels = ["  " * r.depth + r.code for r in report.rows]
    what = {"respondent": "respondents", "passage": "passages", "transcript": "transcripts"}[unit]
    if not report.by:
        return Chart(
            key,
            _("Codes by {what}").format(what=_(what)),
            labels,
            [Series(what, [float(r.count(unit)) for r in report.rows])],
            xlabel=what,
            colors=_inherited_colors(report),
        )

    def value(r: object, g: tuple[str, ...]) -> float:
        cell = r.groups[g]  # type: ignore[attr-defined]
        return cell.passages if unit == "passage" else cell.respondents.ratio  # type: ignore[no-any-return]

    percent = unit != "passage"
    xlabel = "passages" if not percent else "share of the group's respondents"
    by = " / ".join(report.by)
    if len(report.rows) == 1:
        r = report.rows[0]
        return Chart(
            key,
            f"{r.code} by {by}",
            [group_label(g) for g in report.groups],
            [Series(r.code, [float(value(r, g)) for g in report.groups], r.color)],
            xlabel=xlabel,
            percent=percent,
        )
    # The most frequent codes without children: parents are often near 100% in every group.
    parents = {r.parent for r in report.rows}
    leaves = [r for r in report.rows if r.code not in parents] or report.rows
    top = sorted(leaves, key=lambda r: (-r.respondents.n, -r.passages))[:MAX_CHART_CODES]
    rows = [r for r in leaves if r in top]
    series = [Series(group_label(g), [float(value(r, g)) for r in rows]) for g in report.groups]
    return Chart(
        key,
        _("Most frequent codes by {by}").format(by=by),
        [r.code for r in rows],
        series,
        xlabel=xlabel,
        percent=percent,
    )


def ratings_chart(report: RatingsReport) -> Chart:
    """Share of answers in the first band (8-9 by default) per statement."""
    band = band_label(report.bands[0])
    return Chart(
        "ratings",
        _("Share answering {band}").format(band=band),
        [r.statement for r in report.rows],
        [Series(band, [r.overall.bands[band].ratio for r in report.rows])],
        xlabel=f"share answering {band}",
        percent=True,
    )


def _meta(store: Store, extra: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    book = stored_codebook(store)
    n_tags = store.tags.count()
    return [
        ("project", store.path.parent.name),
        ("date", date.today().isoformat()),
        ("codebook", (book.title or "") if book else "none"),
        ("transcripts", str(len(store.transcripts.names()))),
        ("tags", str(n_tags)),
        *extra,
    ]


def build_report(
    store: Store,
    *,
    by: Sequence[str] | None = None,
    sort: str = "tree",
    unit: str = "respondent",
    min_count: int = 0,
    matrix_quotes: int = 2,
    quotes_limit: int | None = 10,
    anonymize: bool = False,
    view: TagView | None = None,
) -> ReportDoc:
    """The full report: frequencies, by-group tables, matrix, co-occurrence, ratings, quotes.

    One by-group section per grouping (`town`, or nested `town,role`); without `by`, every
    grouping attribute (see reports_quotes.grouping_attributes).
    """
    # The matrix, co-occurrence and quotes each ask for the tags: read them once.
    with store.tags.read_once():
        doc = _report_doc(
            store, by, sort, unit, min_count, matrix_quotes, quotes_limit, anonymize, view
        )
    return _anonymised(store, doc) if anonymize else doc


def _report_doc(
    store: Store,
    by: Sequence[str] | None,
    sort: str,
    unit: str,
    min_count: int,
    matrix_quotes: int,
    quotes_limit: int | None,
    anonymize: bool,
    view: TagView | None,
) -> ReportDoc:
    groupings = [
        [p.strip() for p in g.replace("/", ",").split(",") if p.strip()]
        for g in (by if by is not None else grouping_attributes(store))
    ]
    options = {"sort": sort, "unit": unit, "min_count": min_count}
    overall = frequencies(store, view=view, **options)  # type: ignore[arg-type]
    codes = [r.code for r in overall.rows]
    sections = [
        Section(
            "frequencies",
            _("Theme frequencies"),
            tables=[frequencies_table(overall)],
            chart=frequency_chart(overall),
        )
    ]
    for attrs in groupings:
        split = frequencies(store, by=attrs, codes=codes, view=view, **options)  # type: ignore[arg-type]
        name = " / ".join(attrs)
        sections.append(
            Section(
                f"by {name}",
                _("Themes by {name}").format(name=name),
                tables=[group_table(split)],
                chart=frequency_chart(split, key=f"by {name}"),
            )
        )
    if codes:
        first = groupings[0] if groupings else []
        sections.append(
            Section(
                "matrix",
                _("Framework matrix"),
                tables=[
                    matrix_table(
                        matrix(store, codes=codes, by=first, quotes=matrix_quotes, view=view)
                    )
                ],
            )
        )
        co = cooccurrence(store, codes=codes)
        sections.append(
            Section(
                "co-occurrence",
                _("Co-occurrence"),
                tables=[cooccur_table(co, "turn"), cooccur_table(co, "respondent")],
            )
        )
    rated = ratings(store)
    if rated.rows:
        tables = [ratings_table(rated)]
        if groupings:
            tables.append(ratings_group_table(ratings(store, by=groupings[0])))
        sections.append(
            Section(
                "ratings",
                _("Ratings"),
                "; ".join(rated.skipped),
                tables,
                chart=ratings_chart(rated),
            )
        )
    shown = list(dict.fromkeys([a for g in groupings for a in g]))
    team = agreement_section(store)
    if team is not None:
        sections.append(team)
    for q in quotes(store, codes, limit=quotes_limit, skip_empty=True, attributes=shown, view=view):
        title = _("Quotes: {code}").format(code=q.label or q.code)
        sections.append(Section(f"q {q.code}", title, quotes=q))
    memos = memos_section(store)
    if memos is not None:
        sections.append(memos)
    meta = [("anonymised", "yes" if anonymize else "no")]
    if overall.view:
        meta.append(("tags", overall.view))
    return ReportDoc(_("Theme report"), _meta(store, meta), sections)


def agreement_section(store: Store) -> Section | None:
    """Inter-coder agreement per code (turns as units), when two or more coders tagged."""
    if len(store.tags.coders()) < 2:
        return None
    from ..errors import QualcodeError
    from ..teamwork import agreement_rows_table, agreement_table

    try:
        table = agreement_rows_table(agreement_table(store))
    except QualcodeError as exc:  # e.g. the coders split the transcripts: nothing to compare
        return Section("agreement", _("Inter-coder agreement"), str(exc), [])
    return Section("agreement", _("Inter-coder agreement"), table.note, [table])


def memos_section(store: Store) -> Section | None:
    """An appendix with every memo (what it is about, who wrote it, when), or None."""
    from .tabular import Column

    memos = store.memos.all()
    if not memos:
        return None
    table = Table(
        "memos",
        _("Memos"),
        [
            Column("id", "int"),
            Column("kind", doc=False),
            Column("target", doc=False),
            Column("about"),
            Column("coder"),
            Column("date"),
            Column("memo"),
        ],
        [[m.id, m.kind, m.name or "", m.about, m.coder, m.created_at[:10], m.text] for m in memos],
    )
    return Section(
        "memos",
        _("Appendix: memos"),
        _("The analysts' notes, oldest first."),
        tables=[table],
    )


def build_quotes(
    store: Store,
    codes: Sequence[str],
    *,
    by: Sequence[str] = (),
    limit: int | None = None,
    anonymize: bool = False,
) -> ReportDoc:
    """Quotes of the codes, one section each, grouped by the `by` attributes."""
    sections = [
        Section(f"q {q.code}", _("Quotes: {code}").format(code=q.label or q.code), quotes=q)
        for q in quotes(store, codes or None, by=by, limit=limit)
    ]
    doc = ReportDoc(
        _("Quotes"), _meta(store, [("anonymised", "yes" if anonymize else "no")]), sections
    )
    return _anonymised(store, doc) if anonymize else doc


def _anonymised(store: Store, doc: ReportDoc) -> ReportDoc:
    from qualcode.anonymize import anonymizer

    return anonymizer(store).apply(doc)
