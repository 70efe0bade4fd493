"""Rich rendering of library results for the terminal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text

from ..i18n import _, ngettext
from ..textsafe import terminal_safe
from .render_analysis import code_style, safe

# Only annotations: this module is imported inside the commands that render, and each of
# those has already loaded what it shows.
if TYPE_CHECKING:
    from rich.console import Console
    from rich.tree import Tree

    from ..models import Code, Transcript, TranscriptView
    from ..reports import FrequencyReport


def transcripts_table(items: Sequence[Transcript], attribute_keys: Sequence[str]) -> Table:
    """Transcripts with respondent, attributes, turns and tags."""
    title = ngettext("{n} transcript", "{n} transcripts", len(items)).format(n=len(items))
    table = Table(title=title, title_justify="left")
    for col, label in (
        ("name", _("name")),
        ("file", _("file")),
        ("respondent", _("respondent")),
        *((k, k) for k in attribute_keys),
        ("lang", _("lang")),
        ("turns", _("turns")),
        ("tags", _("tags")),
    ):
        table.add_column(safe(label), justify="right" if col in ("turns", "tags") else "left")
    for t in items:
        table.add_row(
            safe(t.name),
            safe(t.file_name),
            safe(t.respondent or ""),
            *(safe(t.attributes.get(k, "")) for k in attribute_keys),
            safe(t.language or ""),
            str(t.turn_count),
            str(t.tag_count),
        )
    return table


def transcript_view(console: Console, view: TranscriptView, colors: dict[str, str | None]) -> None:
    """Numbered turns with speaker and the codes on each turn."""
    t = view.transcript
    attrs = ", ".join(f"{k}={v}" for k, v in t.attributes.items())
    console.print(
        safe(
            f"{t.name}  ({t.file_name}, {t.format}, {t.encoding or '-'}, {t.language or '?'})",
            style="bold",
        )
    )
    if attrs:
        console.print(safe(attrs, style="dim"))
    if view.header:
        console.print(safe(view.header, style="dim italic"))
    console.print()
    by_turn: dict[int | None, list[Any]] = {}
    for g in view.tags:
        by_turn.setdefault(g.turn_number, []).append(g)
    # A grid keeps wrapped utterances indented under their own column.
    grid = Table.grid(padding=(0, 1))
    grid.add_column(justify="right", style="bold cyan", no_wrap=True)
    grid.add_column(no_wrap=True)
    grid.add_column(ratio=1)
    for u in view.turns:
        body = safe(u.text, style="" if u.role == "respondent" else "dim")
        tags = by_turn.get(u.number, [])
        if tags:
            body.append("\n")
            for g in tags:
                span = "" if (g.start, g.end) == (u.start, u.end) else f" {g.start}:{g.end}"
                body.append(
                    terminal_safe(f"[{g.code}{span}]"), style=colors.get(g.code) or "magenta"
                )
                body.append(" ")
        speaker = safe(f"{u.speaker}:", style="bold" if u.role == "respondent" else "dim bold")
        if u.start_time is not None:  # subtitles: when the turn starts in the recording
            minutes, seconds = divmod(int(u.start_time), 60)
            speaker = Text(f"[{minutes // 60:02d}:{minutes % 60:02d}:{seconds:02d}] ", style="dim")
            speaker.append(
                terminal_safe(f"{u.speaker}:"),
                style="bold" if u.role == "respondent" else "dim bold",
            )
        grid.add_row(str(u.number), speaker, body)
    console.print(grid)
    loose = by_turn.get(None, [])
    if loose:
        note = ngettext(
            "{n} span tag outside any turn", "{n} span tags outside any turn", len(loose)
        )
        console.print(Text(note.format(n=len(loose)), style="dim"))


def codebook_tree(codes: Sequence[Code], counts: dict[str, int], title: str) -> Tree:
    """The code tree with tag counts."""
    from rich.tree import Tree  # ~0.02 s: only `codebook show` draws a tree

    tree = Tree(safe(title, style="bold"))
    nodes: dict[str, Tree] = {}
    for c in codes:
        label = safe(c.name, style=code_style(c.color))
        if c.label:
            label.append(terminal_safe(f"  {c.label}"), style="dim")
        label.append(f"  ({counts.get(c.name, 0)})", style="cyan")
        if not c.active:
            label.append("  " + _("retired"), style="red")
        parent = nodes.get(c.parent) if c.parent else None
        nodes[c.name] = (parent or tree).add(label)
    return tree


def frequency_table(report: FrequencyReport, *, bars: bool = True) -> Table:
    """Theme frequencies: respondents n/N (share), passages, transcripts; per group columns.

    Bars and the group cells follow the report's unit (respondents, passages, transcripts)."""

    unit = report.unit
    title = _(
        "Theme frequencies: {respondents} respondents, {transcripts} transcripts "
        "(respondent turns only)"
    ).format(respondents=report.total_respondents, transcripts=report.total_transcripts)
    if report.min_count:
        title += _("; at least {n} {units}").format(n=report.min_count, units=_(unit + "s"))
    table = Table(title=safe(title), title_justify="left")
    table.add_column(_("code"), no_wrap=True)
    table.add_column(_("respondents"), justify="right", no_wrap=True)
    if bars and not report.by:
        table.add_column("", no_wrap=True)
    table.add_column(_("passages"), justify="right", min_width=8)
    if not report.by:
        table.add_column(_("transcripts"), justify="right")
    for key in report.groups:  # one line per nested value keeps the columns narrow
        table.add_column(safe("\n".join(key) + f"\n(n={report.group_sizes[key]})"), justify="right")
    top = max((r.count(unit) for r in report.rows), default=0) or 1
    for r in report.rows:
        name = safe(
            "  " * r.depth + r.code, style=("bold " if r.depth == 0 else "") + code_style(r.color)
        )
        cells: list[Any] = [name, str(r.respondents)]
        if bars and not report.by:
            cells.append(
                Text("█" * round(10 * r.count(unit) / top), style=code_style(r.color) or "cyan")
            )
        cells.append(str(r.passages))
        if not report.by:
            cells.append(f"{r.transcripts}/{report.total_transcripts}")
        for key in report.groups:
            c = r.groups[key]
            if unit == "transcript":
                cells.append(f"{c.transcripts}t {c.passages}p")
            else:
                cells.append(f"{c.respondents.n}/{c.respondents.total} {c.passages}p")
        table.add_row(*cells)
    if report.by:
        table.caption = (
            _("each group cell: transcripts (t), passages (p)")
            if unit == "transcript"
            else _("each group cell: respondents/group size, passages (p)")
        )
    return table
