"""qualcode search, coverage, saturation, browse: reading and checking the coding."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ..i18n import _, ngettext
from .app import app
from .common import FORMAT_OPTION, Format, consoles, fail, handle_errors, open_project


# rich rendering loads only when a command prints (start-up stays light).
def emit(*args: Any, **kwargs: Any) -> Any:
    """See render_analysis.emit (imported on first use)."""
    from . import render_analysis

    return render_analysis.emit(*args, **kwargs)


def safe(*args: Any, **kwargs: Any) -> Any:
    """See render_analysis.safe (imported on first use)."""
    from . import render_analysis

    return render_analysis.safe(*args, **kwargs)


BY_OPTION = typer.Option("--by", metavar="ATTR", help="Group by a respondent attribute; repeat.")


def _search_table(result: object) -> object:
    """Hits as a tabular Table, so json/csv/md carry one shape."""
    from qualcode.exports.tabular import Column, Table
    from qualcode.search import SearchResult

    assert isinstance(result, SearchResult)
    attrs = sorted({k for h in result.hits for k in h.attributes})
    cols = [
        Column("transcript"),
        Column("turn", "int"),
        Column("speaker"),
        Column("role"),
        Column("respondent"),
    ]
    if result.by:
        cols.append(Column("group"))
    cols += [
        Column("start", "int", doc=False),
        Column("end", "int", doc=False),
        Column("before"),
        Column("match"),
        Column("after"),
        Column("codes"),
    ]
    cols += [Column(a, doc=False) for a in attrs]
    rows = []
    for h in result.hits:
        row: list[object] = [h.transcript, h.turn, h.speaker, h.role, h.respondent or ""]
        if result.by:
            row.append(h.group)
        row += [h.start, h.end, h.before, h.text, h.after, ", ".join(h.codes)]
        row += [h.attributes.get(a, "") for a in attrs]
        rows.append(row)
    return Table("search", _("Search: {query}").format(query=result.query), cols, rows)


@app.command()
@handle_errors
def search(
    ctx: typer.Context,
    words: Annotated[list[str], typer.Argument(help="Words (any inflection) or a --regex.")],
    code: Annotated[
        str | None, typer.Option("--code", "-c", help="Only turns tagged with this code.")
    ] = None,
    by: Annotated[list[str] | None, BY_OPTION] = None,
    regex: Annotated[bool, typer.Option("--regex", help="WORDS is a regular expression.")] = False,
    tag_code: Annotated[
        str | None,
        typer.Option("--tag", metavar="CODE", help="Tag the hits' turns with CODE (asks first)."),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Tag without asking.")] = False,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Every place words are said, as keyword-in-context lines (Latvian inflections included).

    Words are matched like codebook keywords, so `alga` finds algas, algu, algām; commas
    separate alternatives. Examples: qualcode search alga;  qualcode search "par maz" --by town;
    qualcode search "mācīb\\w*" --regex;  qualcode search kursi --tag needs-training
    """
    query = " ".join(words)
    with open_project(ctx) as project:
        result = project.search(query, regex=regex, code=code, by=by or [])
        if tag_code is not None:
            _tag_hits(project, result, tag_code, yes)
            return
    if emit(fmt, _search_table(result)):
        return
    _print_hits(result)


def _print_hits(result: object) -> None:
    from rich.text import Text

    from qualcode.search import SearchResult

    assert isinstance(result, SearchResult)
    out = consoles.out
    if not result.hits:
        out.print(
            _("No occurrences of {query} in {n} transcripts").format(
                query=repr(result.query), n=result.transcripts
            )
            + (" " + _("(turns tagged {code})").format(code=result.code) if result.code else "")
        )
        return
    group = None
    for h in result.hits:
        if result.by and h.group != group:
            group = h.group
            n = result.group_counts()[group]
            out.print(
                Text(
                    ngettext("{by} = {group}: {n} hit", "{by} = {group}: {n} hits", n).format(
                        by=" / ".join(result.by), group=group, n=n
                    ),
                    style="bold",
                )
            )
        line = Text(f"{h.transcript} {h.turn:>3} {h.speaker[:12]:<12} ", style="dim")
        line.append_text(safe(h.before.rjust(40)[-40:]))
        line.append_text(safe(h.text, style="bold reverse"))
        line.append_text(safe(h.after[:40]))
        out.print(line, soft_wrap=True)
    turns = sum(len(v) for v in result.turns().values())
    out.print(
        ngettext(
            "{hits} hit in {turns} turns of {transcripts} transcripts",
            "{hits} hits in {turns} turns of {transcripts} transcripts",
            len(result.hits),
        ).format(hits=len(result.hits), turns=turns, transcripts=len(result.turns()))
        + (" " + _("({n} tokenised now)").format(n=result.tokenised) if result.tokenised else "")
    )


def _tag_hits(project: object, result: object, code: str, yes: bool) -> None:
    from qualcode.project import Project
    from qualcode.search import SearchResult

    assert isinstance(project, Project) and isinstance(result, SearchResult)
    turns = result.turns()
    if not turns:
        fail(_("no occurrences of {query}; nothing to tag").format(query=repr(result.query)))
    project.code(code)  # an unknown code fails before asking
    out = consoles.out
    out.print(_("Tag {n} turns with {code}:").format(n=sum(map(len, turns.values())), code=code))
    for name, numbers in turns.items():
        out.print(
            "  "
            + _("{name}: turns {numbers}").format(name=name, numbers=", ".join(map(str, numbers)))
        )
    if not yes and not typer.confirm(_("Tag them?"), default=False):
        fail(_("nothing tagged"))
    changes = project.tag_search_hits(result, code)
    done = sum(c.done for c in changes)
    out.print(
        _("tagged {n} turns with {code} ({already} already tagged)").format(
            n=done, code=code, already=len(changes) - done
        )
    )


@app.command()
@handle_errors
def coverage(
    ctx: typer.Context,
    by: Annotated[list[str] | None, BY_OPTION] = None,
    uncoded: Annotated[
        int,
        typer.Option("--uncoded", metavar="N", help="List the N longest uncoded turns (0: none)."),
    ] = 10,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """How much of what respondents said has a code: turns and words, per transcript and group.

    Example: qualcode coverage --by town --uncoded 20
    """
    from qualcode.coverage import coverage_group_table, coverage_table, uncoded_table

    with open_project(ctx) as project:
        report = project.coverage(by=by or [])
    table = coverage_group_table(report) if by and fmt is not Format.table else None
    if emit(fmt, table or coverage_table(report)):
        return
    tables = [coverage_table(report)]
    if by:
        tables.append(coverage_group_table(report))
    if uncoded:
        tables.append(uncoded_table(report, uncoded))
    for t in tables:
        _print_table(t)


def _print_table(table: object) -> None:
    from rich.table import Table as RichTable

    from qualcode.exports.tabular import Table

    assert isinstance(table, Table)
    headers, rows = table.display()
    out = RichTable(title=table.title, title_justify="left", caption=table.note or None)
    for h in headers:
        out.add_column(h, overflow="fold")
    for row in rows:
        out.add_row(*(safe(c) for c in row))
    consoles.out.print(out)


@app.command()
@handle_errors
def saturation(
    ctx: typer.Context,
    order: Annotated[
        str,
        typer.Option(
            "--order", help="date (interview_date attribute), import, or auto (date if all have)."
        ),
    ] = "auto",
    fmt: Format = FORMAT_OPTION,
) -> None:
    """New codes each interview brought, in interview order: do new interviews add themes?

    Example: qualcode saturation --order date
    """
    from qualcode.coverage import saturation_table

    with open_project(ctx) as project:
        report = project.saturation(order=order)
    table = saturation_table(report)
    if emit(fmt, table):
        return
    _print_table(table)
    top = max((r.cumulative for r in report.rows), default=0) or 1
    for r in report.rows:  # a terminal chart of the running total, new codes highlighted
        old = round(30 * (r.cumulative - r.new) / top)
        new = round(30 * r.cumulative / top) - old
        consoles.out.print(
            f"{r.transcript[:14]:<14} " + "█" * old + "[green]" + "▓" * new + "[/green]"
            f" {r.cumulative} (+{r.new})",
            highlight=False,
        )


@app.command()
@handle_errors
def browse(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="Open this transcript at once.")] = None,
) -> None:
    """A full-screen reader: transcripts, turns with codes and suggestions; tag with keys.

    Keys: t tag, u untag, a/r accept/reject a suggestion, m memo, n next uncoded turn,
    s next suggestion, f filter by code, ? help, q quit. Example: qualcode browse LV-03
    """
    import sys

    if not sys.stdout.isatty():
        fail(_("browse needs a terminal; use `qualcode show` or `qualcode search` in scripts"))
    from qualcode.tui import run_browser  # Textual is imported only here

    with open_project(ctx) as project:
        if name:
            project.transcript(name)  # an unknown name fails before the screen opens
        run_browser(project, name)
