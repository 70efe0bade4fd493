"""Rich rendering of the analysis reports (matrix, co-occurrence, quotes, ratings, bars)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from rich.console import Group as RichGroup
from rich.table import Table
from rich.text import Text

from qualcode.exports.tabular import group_label
from qualcode.i18n import _
from qualcode.textsafe import terminal_safe

from .common import Format, print_csv, print_json, print_md

# Only annotations: commands import this module when they render, after computing the report.
if TYPE_CHECKING:
    from rich.console import RenderableType

    from qualcode.anonymize import Pseudonym
    from qualcode.exports.tabular import Table as DataTable
    from qualcode.ratings import RatingsReport
    from qualcode.reports import CooccurReport, FrequencyReport, MatrixReport
    from qualcode.reports_quotes import QuoteReport

BAR_WIDTH = 30


def safe(text: str, style: str = "") -> Text:
    """Stored text as a renderable: no rich markup read, control characters made visible."""
    return Text(terminal_safe(text), style=style)


@functools.lru_cache(maxsize=256)
def code_style(color: str | None) -> str:
    """A codebook colour as a rich style; '' when rich does not know it."""
    if not color:
        return ""
    from rich.color import Color, ColorParseError

    try:
        Color.parse(color)
    except ColorParseError:
        return ""
    return color


def emit(fmt: Format, table: DataTable) -> bool:
    """Print a report as json, csv (numbers as numbers) or md; False for `table`.

    The caller renders `table` itself.
    """
    if fmt is Format.json:
        # The same records the JSON export writes for this table: one shape everywhere.
        from qualcode.exports.data import table_records

        print_json(table_records(table))
    elif fmt is Format.csv:
        headers, _, rows = table.flat()
        print_csv(headers, rows)
    elif fmt is Format.md:
        print_md(*table.display())
    else:
        return False
    return True


def bars(report: FrequencyReport) -> RenderableType:
    """Horizontal bars per code (and per group when split), in the report's unit."""
    unit = report.unit
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    if report.by:
        grid.add_column(no_wrap=True)
    grid.add_column(no_wrap=True)
    grid.add_column(justify="right", no_wrap=True)
    if not report.by:
        top = max((r.count(unit) for r in report.rows), default=0) or 1
        for r in report.rows:
            n = r.count(unit)
            grid.add_row(
                safe("  " * r.depth + r.code, style=code_style(r.color)),
                Text("█" * round(BAR_WIDTH * n / top) or "·", style=code_style(r.color) or "cyan"),
                str(r.respondents) if unit == "respondent" else str(n),
            )
        return RichGroup(
            Text(_("{units} per code").format(units=_(unit + "s")), style="bold"), grid
        )
    for r in report.rows:
        for i, key in enumerate(report.groups):
            cell = r.groups[key]
            if unit == "passage":
                frac, label = (
                    cell.passages / (max((c.passages for c in r.groups.values()), default=0) or 1),
                    str(cell.passages),
                )
            elif unit == "transcript":
                frac, label = (
                    cell.transcripts
                    / (max((c.transcripts for c in r.groups.values()), default=0) or 1),
                    str(cell.transcripts),
                )
            else:
                frac, label = cell.respondents.ratio, str(cell.respondents)
            grid.add_row(
                safe(r.code if i == 0 else "", style=code_style(r.color)),
                safe(group_label(key)),
                Text("█" * round(BAR_WIDTH * frac) or "·", style=code_style(r.color) or "cyan"),
                label,
            )
    by = " / ".join(report.by)
    heading = (
        _("share of each group's respondents per code and {by}").format(by=by)
        if unit == "respondent"
        else _("{units} per code and {by}").format(units=_(unit + "s"), by=by)
    )
    return RichGroup(safe(heading, style="bold"), grid)


def matrix_view(report: MatrixReport) -> Table:
    """Codes down, groups across; each cell n/N and its short quotes."""
    table = Table(
        title=safe(_("Framework matrix by {by}").format(by=" / ".join(report.by))),
        title_justify="left",
        show_lines=True,
    )
    table.add_column(_("code"), no_wrap=True)
    for key in report.groups:
        table.add_column(safe(f"{group_label(key)} (n={report.group_sizes[key]})"), overflow="fold")
    for r in report.rows:
        cells: list[Any] = [safe("  " * r.depth + r.code, style=code_style(r.color))]
        for key in report.groups:
            c = r.cells[key]
            text = Text(str(c.respondents), style="bold")
            for q in c.quotes:
                text.append(terminal_safe(f"\n«{q.text}» "), style="italic")
                text.append(terminal_safe(f"({q.respondent})"), style="dim")
            cells.append(text)
        table.add_row(*cells)
    return table


def cooccur_view(report: CooccurReport, unit: str) -> Table:
    """Code x code counts; the diagonal (each code's own count) dimmed."""
    what = _("same turn") if unit == "turn" else _("same respondent")
    table = Table(title=_("Co-occurrence ({what})").format(what=what), title_justify="left")
    table.add_column(_("code"), no_wrap=True)
    for i in range(1, len(report.codes) + 1):
        table.add_column(str(i), justify="right")
    for i, a in enumerate(report.codes, start=1):
        table.add_row(
            safe(f"{i} {a}"),
            *[
                Text(str(report.count(a, b, unit)), style="dim" if a == b else "")
                for b in report.codes
            ],
        )
    table.caption = _("columns are numbered like the rows; the diagonal is each code's own count")
    return table


def quotes_view(reports: list[QuoteReport]) -> RenderableType:
    """Each code's quotes, grouped, with respondent, turn and attributes."""
    parts: list[RenderableType] = []
    for rep in reports:
        parts.append(
            safe(
                _("{code}  ({n} quotes)").format(code=rep.label or rep.code, n=rep.count),
                style="bold " + code_style(rep.color),
            )
        )
        for g in rep.groups:
            if rep.by:
                parts.append(
                    safe(
                        _("  {group}: {n} of {total}").format(
                            group=group_label(g.key), n=len(g.quotes), total=g.total
                        ),
                        style="bold",
                    )
                )
            for q in g.quotes:
                attrs = ", ".join(f"{k}={v}" for k, v in q.attributes.items())
                line = Text("    “", style="dim")
                line.append(terminal_safe(q.text), style="italic")
                line.append("”\n      — ", style="dim")
                line.append(terminal_safe(q.source), style="cyan")
                if attrs:
                    line.append(terminal_safe(f"  ({attrs})"), style="dim")
                parts.append(line)
        parts.append(Text(""))
    return RichGroup(*parts)


def ratings_view(report: RatingsReport) -> RenderableType:
    """Per statement: answered, missing, mean, median, bands and each value's count."""
    table = Table(
        title=_("Ratings {low}-{high}: {n} respondents answered").format(
            low=report.scale[0], high=report.scale[1], n=report.respondents
        ),
        title_justify="left",
    )
    # Two tables, so that neither squeezes the statement column on an ordinary terminal:
    # the summary (mean, median, bands) and the distribution of every value.
    table.add_column(_("statement"), overflow="fold", min_width=20, max_width=48)
    for h in ("n", _("missing"), _("mean"), _("median")):
        table.add_column(h, justify="right")
    bands = list(report.rows[0].overall.bands) if report.rows else []
    for b in bands:
        table.add_column(b, justify="right", min_width=6)
    values = Table(title=_("Answers per value"), title_justify="left")
    values.add_column(_("statement"), overflow="fold", min_width=24, max_width=48)
    for v in report.values:
        values.add_column(str(v), justify="right")
    for r in report.rows:
        s = r.overall
        table.add_row(
            safe(r.statement),
            str(s.answered),
            str(s.missing),
            "–" if s.mean is None else f"{s.mean:.2f}",
            "–" if s.median is None else f"{s.median:g}",
            *[f"{s.bands[b].n} ({s.bands[b].ratio:.1%})" for b in bands],
        )
        values.add_row(safe(r.statement), *[str(s.counts[v]) for v in report.values])
    parts: list[RenderableType] = [table, values]
    if report.by:
        split = Table(
            title=safe(_("by {by}").format(by=" / ".join(report.by))), title_justify="left"
        )
        split.add_column(_("statement"), overflow="fold", min_width=16, max_width=40)
        split.add_column(safe(" / ".join(report.by)), no_wrap=True)
        for h in ("n", _("missing"), _("mean")):
            split.add_column(h, justify="right")
        for b in bands:
            split.add_column(b, justify="right", min_width=6)
        for r in report.rows:
            for key, s in r.groups.items():
                split.add_row(
                    safe(r.statement),
                    safe(group_label(key)),
                    str(s.answered),
                    str(s.missing),
                    "–" if s.mean is None else f"{s.mean:.2f}",
                    *[str(s.bands[b]) for b in bands],
                )
        parts.append(split)
    for note in report.skipped:
        parts.append(safe(note, style="yellow"))
    return RichGroup(*parts)


def pseudonyms_view(items: list[Pseudonym]) -> Table:
    """The pseudonym table."""
    table = Table(title=_("{n} pseudonyms").format(n=len(items)), title_justify="left")
    table.add_column(_("name"))
    table.add_column(_("pseudonym"))
    for p in items:
        table.add_row(safe(p.name), safe(p.pseudonym))
    return table
