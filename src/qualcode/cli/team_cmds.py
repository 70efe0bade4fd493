"""qualcode coders, merge, export-copy, agreement, disagreements, settle."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ..i18n import N_, _, ngettext
from .app import app
from .common import FORMAT_OPTION, Format, consoles, handle_errors, open_project, print_json


# rich rendering loads only when a command prints (start-up stays light).
def emit(*args: Any, **kwargs: Any) -> Any:
    """See render_analysis.emit (imported on first use)."""
    from . import render_analysis

    return render_analysis.emit(*args, **kwargs)


# Shared by report, matrix, quotes and export report: whose tags they count.
CODER_VIEW = typer.Option(
    "--coder", metavar="NAME", help="Count only this coder's tags (see `qualcode coders`)."
)
FINAL_VIEW = typer.Option(
    "--final", help="Count the final coding: agreed tags and settled disagreements."
)


def view_note(note: str) -> None:
    """Say under a table whose tags it counts (nothing for the default, all tags)."""
    if note:
        consoles.out.print(f"[dim]{_('tags:')} {note}[/dim]")


@app.command()
@handle_errors
def coders(ctx: typer.Context, fmt: Format = FORMAT_OPTION) -> None:
    """List the coders with their number of tags and transcripts tagged.

    Example: qualcode coders --format json
    """
    from ..exports.tabular import Column, Table

    with open_project(ctx) as project:
        rows = project.coders()
    table = Table(
        "coders",
        "Coders",
        [Column("coder"), Column("tags", "int"), Column("transcripts", "int")],
        [[r.coder, r.tags, r.transcripts] for r in rows],
    )
    if emit(fmt, table):
        return
    if not rows:
        consoles.out.print(_("No tags yet."))
        return
    for r in rows:
        consoles.out.print(
            _("{coder:<20} {tags:>6} tags  {transcripts:>4} transcripts").format(
                coder=r.coder, tags=r.tags, transcripts=r.transcripts
            )
        )


@app.command()
@handle_errors
def merge(
    ctx: typer.Context,
    other: Annotated[Path, typer.Argument(help="The other copy's qualcode.db (read only).")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only say what would change.")] = False,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Merge another copy of the project in: transcripts, codes, attributes, tags, decisions.

    Transcripts match by content, codes by name, tags by passage, code and coder; what
    differs is reported, never overwritten. Merging the same copy again changes nothing;
    `qualcode undo` takes a merge back.

    Example: qualcode merge ../anna/qualcode.db --dry-run
    """
    with open_project(ctx) as project:
        plan = project.merge(other, dry_run=dry_run)
    if fmt is Format.json:
        print_json({**_plan_json(plan), "changes": plan.changes})
        return
    out = consoles.out
    verb = _("would add") if plan.dry_run else _("added")
    if not plan.changes and not _reported(plan):
        out.print(_("{source}: nothing new; the projects already agree").format(source=plan.source))
        return
    out.print(f"{plan.source}: {verb}")
    by = ", ".join(f"{c} {n}" for c, n in plan.tags_by_coder.items())
    for label, n, names in (
        (N_("transcripts"), len(plan.transcripts_added), plan.transcripts_added),
        (N_("respondents"), len(plan.respondents_added), plan.respondents_added),
        (N_("attribute values"), plan.attributes_added, []),
        (N_("codes"), len(plan.codes_added), plan.codes_added),
        (N_("tags"), plan.tags_added, [by] if by else []),
        (N_("review decisions"), plan.decisions_added + plan.decisions_updated, []),
        (N_("settlements"), plan.settlements_added, []),
        (N_("pseudonyms"), plan.pseudonyms_added, []),
        (N_("history entries"), plan.history_added, []),
    ):
        if n:
            shown = f" ({', '.join(names[:8])}{', ...' if len(names) > 8 else ''})" if names else ""
            out.print(f"  {n:>6} {_(label)}{shown}")
    for t in plan.transcripts_conflicting:
        out.print(
            "  "
            + _(
                "conflict: transcript {transcript} has different text there; skipped with its tags"
            ).format(transcript=t)
        )
    for a in plan.attribute_conflicts:
        out.print(
            "  "
            + _("conflict: {respondent} {key} is {ours} here, {theirs} there; kept ours").format(
                respondent=a.respondent, key=a.key, ours=repr(a.ours), theirs=repr(a.theirs)
            )
        )
    for c in plan.codes_differing:
        out.print(
            "  "
            + _("conflict: code {code} differs ({fields}); kept ours").format(
                code=c.code, fields=", ".join(c.fields)
            )
        )
    if plan.decision_conflicts:
        out.print(
            "  "
            + _("conflict: {n} review decisions differ; kept ours").format(
                n=plan.decision_conflicts
            )
        )
    if plan.settlement_conflicts:
        out.print(
            "  "
            + _("conflict: {n} settlements differ; kept ours").format(n=plan.settlement_conflicts)
        )
    if plan.dry_run:
        out.print(_("Nothing written (dry run)."))


def _plan_json(plan: object) -> dict[str, object]:
    from .common import to_jsonable

    data = to_jsonable(plan)
    assert isinstance(data, dict)
    return data


def _reported(plan: object) -> bool:
    from ..merging import MergePlan

    assert isinstance(plan, MergePlan)
    return bool(
        plan.transcripts_conflicting
        or plan.attribute_conflicts
        or plan.codes_differing
        or plan.decision_conflicts
        or plan.settlement_conflicts
    )


@app.command("export-copy")
@handle_errors
def export_copy(
    ctx: typer.Context,
    output: Annotated[
        Path, typer.Option("--output", "-o", metavar="FILE", help="The copy (a .db file).")
    ],
    coder: Annotated[
        str | None,
        typer.Option("--coder", metavar="NAME", help="Keep only this coder's tags; they code it."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the file.")] = False,
) -> None:
    """Copy the project for a coder to work on (merge it back with `qualcode merge`).

    With --coder the copy keeps only that coder's tags and tags as them by default. The
    REFI-QDA exchange file is `qualcode export project -o FILE.qdpx`.

    Example: qualcode export-copy -o anna.db --coder anna
    """
    with open_project(ctx) as project:
        copy = project.export_project_db(output, coder=coder, force=force)
    if copy.coder:
        message = _("wrote {path} for {coder} ({n} tags)")
    else:
        message = _("wrote {path} ({n} tags)")
    consoles.out.print(message.format(path=copy.path, coder=copy.coder, n=copy.tags))


@app.command()
@handle_errors
def agreement(
    ctx: typer.Context,
    coder: Annotated[
        list[str] | None,
        typer.Option("--coders", metavar="NAME", help="Coders to compare (repeat; default all)."),
    ] = None,
    code: Annotated[
        str | None, typer.Option("--code", "-c", metavar="CODE", help="One code (and children).")
    ] = None,
    unit: Annotated[
        str, typer.Option("--unit", "-u", metavar="UNIT", help="turn, respondent or character.")
    ] = "turn",
    exclude_uncoded: Annotated[
        bool,
        typer.Option("--exclude-uncoded", help="Leave out units nobody coded (they inflate it)."),
    ] = False,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Inter-coder agreement per code and overall: percent agreement, kappa, alpha.

    Compares the transcripts two or more of the coders tagged. Cohen's kappa with two
    coders; Krippendorff's alpha (nominal) with any number; undefined (-) when nobody varied.

    Example: qualcode agreement --coders anna --coders ben --unit turn --exclude-uncoded
    """
    from ..teamwork import agreement_rows_table

    with open_project(ctx) as project:
        result = project.agreement(
            coders=coder or None,
            code=code,
            unit=unit,  # type: ignore[arg-type]
            exclude_uncoded=exclude_uncoded,
        )
    table = agreement_rows_table(result)
    if emit(fmt, table):
        return
    from rich.table import Table as RichTable

    headers, rows = table.display()
    # The terminal shows the figures; --format json|csv carry every column (coded, note...).
    wanted = (
        "code",
        "units",
        "percent_agreement",
        "kappa",
        "alpha",
        "both",
        "only_a",
        "only_b",
        "overlap",
    )
    shown = [i for i, h in enumerate(headers) if h in wanted]
    view = RichTable(*[headers[i] for i in shown], title=table.title, caption=table.note)
    for row in rows:
        view.add_row(*[row[i] for i in shown])
    consoles.out.print(view)


@app.command()
@handle_errors
def disagreements(
    ctx: typer.Context,
    code: Annotated[
        str | None, typer.Option("--code", "-c", metavar="CODE", help="One code (and children).")
    ] = None,
    coder: Annotated[
        list[str] | None,
        typer.Option("--coders", metavar="NAME", help="Coders to compare (repeat; default all)."),
    ] = None,
    width: Annotated[
        int, typer.Option("--width", metavar="N", min=20, help="Characters of text shown.")
    ] = 200,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Each turn where coders differ: the question, the text, who applied which code.

    Settle each with `qualcode settle TRANSCRIPT TURN CODE --keep NAME|both|none`.

    Example: qualcode disagreements --code needs-training
    """
    from ..exports.tabular import Column, Table

    with open_project(ctx) as project:
        rows = project.disagreements(code=code, coders=coder or None, width=width)
    table = Table(
        "disagreements",
        "Disagreements",
        [
            Column("transcript"),
            Column("turn", "int"),
            Column("code"),
            Column("applied_by"),
            Column("not_applied_by"),
            Column("settled"),
            Column("question"),
            Column("text"),
        ],
        [
            [
                r.transcript,
                r.turn,
                r.code,
                ", ".join(r.applied_by),
                ", ".join(r.not_applied_by),
                r.settled,
                r.question,
                r.text,
            ]
            for r in rows
        ],
    )
    if emit(fmt, table):
        return
    out = consoles.out
    if not rows:
        out.print(_("No disagreements: the coders agree on every turn they both coded."))
        return
    from rich.markup import escape

    for r in rows:
        settled = "  " + _("[settled: {who}]").format(who=r.settled) if r.settled else ""
        where = _("{transcript} turn {turn}").format(transcript=r.transcript, turn=r.turn)
        out.print(
            f"[bold]{escape(where)}[/bold]  {escape(r.code)}: "
            + escape(
                _("{yes} yes, {no} no").format(
                    yes=", ".join(r.applied_by), no=", ".join(r.not_applied_by)
                )
            )
            + escape(settled)
        )
        if r.question:
            out.print("  " + escape(_("Q: {question}").format(question=r.question)), style="dim")
        out.print(f"  {escape(r.text)}")
    open_ = sum(1 for r in rows if not r.settled)
    out.print(
        ngettext(
            "{n} disagreement, {open} unsettled", "{n} disagreements, {open} unsettled", len(rows)
        ).format(n=len(rows), open=open_)
    )


@app.command()
@handle_errors
def settle(
    ctx: typer.Context,
    transcript: Annotated[str, typer.Argument(help="Transcript name.")],
    turn: Annotated[int, typer.Argument(help="Turn number (as `qualcode show` prints it).")],
    code: Annotated[str, typer.Argument(help="The code the coders differ on.")],
    keep: Annotated[
        list[str],
        typer.Option("--keep", metavar="NAME|both|none", help="Whose tags stand (repeatable)."),
    ],
) -> None:
    """Settle a disagreement: whose tags of a code stand in a turn (recorded; undoable).

    `report --final` and the other --final views count the settled coding.

    Example: qualcode settle R01 4 needs-training --keep anna
    """
    with open_project(ctx) as project:
        s = project.settle(transcript, turn, code, keep)
    if s.keep:
        message = _("{transcript} turn {turn} {code}: keeps {kept}'s tags")
    else:
        message = _("{transcript} turn {turn} {code}: keeps nobody's tags")
    consoles.out.print(
        message.format(transcript=s.transcript, turn=s.turn, code=s.code, kept=", ".join(s.keep))
    )
