"""The one row model every output renders: tables of typed columns built from report rows.

Human documents (terminal, Markdown, HTML, DOCX) show a share as "3/7 (43%)"; data files
(CSV, XLSX, JSON) spread it over three numeric columns (n, total, share). Both views come from
the same `Table`, so every format carries the same numbers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qualcode.i18n import _
from qualcode.reports import Share

if TYPE_CHECKING:  # annotations only: `report` need not load ratings (statistics) or quotes
    from qualcode.ratings import RatingsReport
    from qualcode.reports import CooccurReport, FrequencyReport, MatrixReport
    from qualcode.reports_quotes import QuoteReport

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
KINDS = ("text", "int", "float", "percent", "share")


def safe_cell(value: Any) -> Any:
    """Neutralise text that a spreadsheet would run as a formula (CSV/XLSX injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


# Characters that start Markdown or raw HTML: backslash-escaped, so transcript text such as
# `<script>` or `<img onerror=...>` is shown as text by every CommonMark renderer.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>&|])")


def md_escape(text: str) -> str:
    """Text for a Markdown document: markup and raw HTML characters backslash-escaped."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured Markdown table; markup, pipes and newlines in cells are escaped."""

    def cell(v: Any) -> str:
        return md_escape(str("" if v is None else v)).replace("\n", "<br>")

    lines = [
        "| " + " | ".join(cell(h) for h in headers) + " |",
        "| " + " | ".join("---" for _ in headers) + " |",
    ]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def group_label(key: tuple[str, ...]) -> str:
    """town=Talsi, role=mediator -> 'Talsi / mediator'."""
    return " / ".join(key)


@dataclass(frozen=True)
class Column:
    """A column: header, kind (text, int, float, percent, share), shown in documents or not."""

    header: str
    kind: str = "text"
    doc: bool = True  # False: only in data files (CSV, XLSX, JSON)


@dataclass(frozen=True)
class Table:
    """A titled table of typed cells; `key` names its sheet, anchor or file."""

    key: str
    title: str
    columns: list[Column]
    rows: list[list[Any]]
    note: str = ""
    indent: list[int] = field(default_factory=list)  # tree depth of each row's first cell
    colors: list[str | None] = field(default_factory=list)  # code colour of each row

    def flat(self) -> tuple[list[str], list[str], list[list[Any]]]:
        """(headers, kinds, rows) for data files: each share becomes n, total, share."""
        headers: list[str] = []
        kinds: list[str] = []
        for c in self.columns:
            if c.kind == "share":
                headers += [c.header, f"{c.header}_total", f"{c.header}_share"]
                kinds += ["int", "int", "percent"]
            else:
                headers.append(c.header)
                kinds.append(c.kind)
        rows = []
        for row in self.rows:
            out: list[Any] = []
            for c, v in zip(self.columns, row, strict=True):
                if c.kind == "share":
                    out += (
                        [v.n, v.total, round(v.ratio, 4)]
                        if isinstance(v, Share)
                        else [None, None, None]
                    )
                elif c.kind == "percent" and isinstance(v, float):
                    out.append(round(v, 4))
                elif c.kind == "float" and isinstance(v, float):
                    out.append(round(v, 2))
                else:
                    out.append(v)
            rows.append(out)
        return headers, kinds, rows

    def display(self) -> tuple[list[str], list[list[str]]]:
        """(headers, rows) of text for documents: shares as 3/7 (43%), hidden columns out."""
        keep = [i for i, c in enumerate(self.columns) if c.doc]
        headers = [self.columns[i].header for i in keep]
        rows = []
        for r, row in enumerate(self.rows):
            cells = [format_cell(row[i], self.columns[i].kind) for i in keep]
            if self.indent and keep and keep[0] == 0:
                cells[0] = "\u00a0\u00a0" * self.indent[r] + cells[0]
            rows.append(cells)
        return headers, rows


def format_cell(value: Any, kind: str) -> str:
    """A cell as text for documents."""
    if value is None:
        return "–"
    if kind == "percent" and isinstance(value, (int, float)):
        return f"{value:.1%}"
    if kind == "float" and isinstance(value, (int, float)):
        return f"{value:.2f}"
    return str(value)


# -- report rows -> tables -------------------------------------------------------------

_UNIT_COLUMN = {"respondent": "respondents", "passage": "passages", "transcript": "transcripts"}


def frequencies_table(report: FrequencyReport) -> Table:
    """Theme frequencies overall (with the group columns when the report is split)."""
    cols = [
        Column("code"),
        Column("label"),
        Column("parent", doc=False),
        Column("depth", "int", doc=False),
        Column("respondents", "share"),
        Column("passages", "int"),
        Column("transcripts", "share"),
    ]
    for key in report.groups:
        g = group_label(key)
        cols += [Column(f"{g}: respondents", "share"), Column(f"{g}: passages", "int")]
    rows = []
    for r in report.rows:
        row: list[Any] = [
            r.code,
            r.label or "",
            r.parent or "",
            r.depth,
            r.respondents,
            r.passages,
            Share(r.transcripts, report.total_transcripts),
        ]
        for key in report.groups:
            row += [r.groups[key].respondents, r.groups[key].passages]
        rows.append(row)
    by = f" by {' / '.join(report.by)}" if report.by else ""
    note = _(
        "{respondents} respondents, {transcripts} transcripts; respondent turns only; a "
        "respondent counts once per code; parent codes include their children"
    ).format(respondents=report.total_respondents, transcripts=report.total_transcripts)
    if report.min_count:
        note += _("; codes with fewer than {n} {units} left out").format(
            n=report.min_count, units=_(_UNIT_COLUMN[report.unit])
        )
    if getattr(report, "view", ""):
        note += f"; {report.view}"
    return Table(
        "frequencies" + by.replace(" ", "-"),
        _("Theme frequencies")
        + (_(" by {by}").format(by=" / ".join(report.by)) if report.by else ""),
        cols,
        rows,
        note,
        [r.depth for r in report.rows],
        [r.color for r in report.rows],
    )


def frequency_table(report: FrequencyReport) -> tuple[list[str], list[list[Any]]]:
    """The frequency report as flat headers and rows (numbers stay numbers)."""
    headers, _kinds, rows = frequencies_table(report).flat()
    return headers, rows


def group_table(report: FrequencyReport) -> Table:
    """Codes x groups only: respondents n/N and passages per group (a by-group sheet)."""
    by = " / ".join(report.by)
    cols = [Column("code")]
    for key in report.groups:
        g = f"{group_label(key)} (N={report.group_sizes[key]})"
        cols += [Column(g, "share"), Column(f"{group_label(key)}: passages", "int")]
    rows = [
        [
            r.code,
            *[
                v
                for key in report.groups
                for v in (r.groups[key].respondents, r.groups[key].passages)
            ],
        ]
        for r in report.rows
    ]
    return Table(
        f"by {by}",
        _("Themes by {by}").format(by=by),
        cols,
        rows,
        "each group: respondents who raised the code / respondents in the group",
        [r.depth for r in report.rows],
        [r.color for r in report.rows],
    )


def matrix_table(report: MatrixReport) -> Table:
    """Framework matrix: per group, respondents n/N and the short quotes."""
    cols = [Column("code")]
    for key in report.groups:
        g = group_label(key)
        cols += [Column(g, "share"), Column(f"{g}: quotes")]
    rows = []
    for r in report.rows:
        row: list[Any] = [r.code]
        for key in report.groups:
            cell = r.cells[key]
            quotes = "\n".join(f"«{q.text}» ({q.respondent})" for q in cell.quotes)
            row += [cell.respondents, quotes]
        rows.append(row)
    by = " / ".join(report.by)
    return Table(
        "matrix",
        _("Framework matrix: codes by {by}").format(by=by),
        cols,
        rows,
        f"each cell: respondents n/N and up to {report.quotes_per_cell} short quotes",
        [r.depth for r in report.rows],
        [r.color for r in report.rows],
    )


def cooccur_table(report: CooccurReport, unit: str = "turn") -> Table:
    """Code x code counts on the same turn or for the same respondent."""
    what = "same turn" if unit == "turn" else "same respondent"
    cols = [Column("code"), *[Column(c, "int") for c in report.codes]]
    rows = [[a, *[report.count(a, b, unit) for b in report.codes]] for a in report.codes]
    return Table(
        f"co-occurrence {unit}",
        _("Co-occurrence ({what})").format(what=_(what)),
        cols,
        rows,
        f"{'turns' if unit == 'turn' else 'respondents'} carrying both codes; the "
        "diagonal is each code's own count; parents include their children",
    )


def ratings_table(report: RatingsReport) -> Table:
    """One row per statement: answered, missing, mean, median, bands, count of each value."""
    bands = list(report.rows[0].overall.bands) if report.rows else []
    cols = [
        Column("statement"),
        Column("column", doc=False),
        Column("answered", "int"),
        Column("missing", "int"),
        Column("mean", "float"),
        Column("median", "float"),
        *[Column(b, "share") for b in bands],
        *[Column(str(v), "int") for v in report.values],
    ]
    rows = []
    for r in report.rows:
        s = r.overall
        rows.append(
            [
                r.statement,
                r.column,
                s.answered,
                s.missing,
                s.mean,
                s.median,
                *s.bands.values(),
                *[s.counts[v] for v in report.values],
            ]
        )
    return Table(
        "ratings",
        _("Ratings ({low}-{high})").format(low=report.scale[0], high=report.scale[1]),
        cols,
        rows,
        f"{report.respondents} respondents answered; shares are of those who "
        "answered each statement; missing answers are counted apart",
    )


def ratings_group_table(report: RatingsReport) -> Table:
    """One row per statement and group (when the ratings are split by an attribute)."""
    bands = list(report.rows[0].overall.bands) if report.rows else []
    cols = [
        Column("statement"),
        Column(" / ".join(report.by)),
        Column("answered", "int"),
        Column("missing", "int"),
        Column("mean", "float"),
        Column("median", "float"),
        *[Column(b, "share") for b in bands],
    ]
    rows = [
        [r.statement, group_label(key), s.answered, s.missing, s.mean, s.median, *s.bands.values()]
        for r in report.rows
        for key, s in r.groups.items()
    ]
    return Table(
        f"ratings by {' '.join(report.by)}",
        _("Ratings by {by}").format(by=" / ".join(report.by)),
        cols,
        rows,
    )


def quotes_table(report: QuoteReport) -> Table:
    """The quotes of one code: group, respondent, transcript, turn, attributes, text."""
    cols = [
        Column(" / ".join(report.by) or "group", doc=bool(report.by)),
        Column("respondent"),
        Column("transcript"),
        Column("turn", "int"),
        Column("code"),
        Column("attributes"),
        Column("quote"),
    ]
    rows = [
        [
            group_label(g.key),
            q.respondent,
            q.transcript,
            q.turn,
            q.code,
            ", ".join(f"{k}={v}" for k, v in q.attributes.items()),
            q.text,
        ]
        for g in report.groups
        for q in g.quotes
    ]
    title = _("Quotes: {code}").format(code=report.label or report.code)
    return Table(f"q {report.code}", title, cols, rows)
