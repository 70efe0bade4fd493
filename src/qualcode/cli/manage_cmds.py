"""qualcode transcripts rm|rename|relink, respondents set|unset|rename, log, undo, check, backup."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..i18n import _, ngettext
from ..models import Respondent
from .app import app
from .common import FORMAT_OPTION, Format, consoles, fail, handle_errors, open_project, print_json
from .transcript_cmds import respondents_app, transcripts_app


def plain(text: str) -> str:
    """Text safe to print: control characters made visible, rich markup escaped."""
    from rich.markup import escape

    from ..textsafe import terminal_safe

    return escape(terminal_safe(text))


@transcripts_app.command("rm")
@handle_errors
def transcripts_rm(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Transcript name or file name.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
) -> None:
    """Remove a transcript with its turns and tags (recorded: `qualcode undo` brings it back).

    Example: qualcode transcripts rm LV-09 --yes
    """
    with open_project(ctx) as project:
        t = project.transcript(name)
        if not yes:
            question = ngettext(
                "Remove {name} and its {n} tag?", "Remove {name} and its {n} tags?", t.tag_count
            ).format(name=t.name, n=t.tag_count)
            if not typer.confirm(question, default=False):
                fail(_("nothing removed"), 1)
        removed = project.remove_transcript(t.name)
    consoles.out.print(
        ngettext(
            "removed {name} and {n} tag (undo with `qualcode undo`)",
            "removed {name} and {n} tags (undo with `qualcode undo`)",
            removed.tags,
        ).format(name=removed.name, n=removed.tags)
    )


@transcripts_app.command("rename")
@handle_errors
def transcripts_rename(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Transcript name.")],
    new: Annotated[str, typer.Argument(help="The new name.")],
) -> None:
    """Rename a transcript (its tags, respondent and history stay).

    Example: qualcode transcripts rename R06_Cesis R06
    """
    with open_project(ctx) as project:
        t = project.rename_transcript(name, new)
    consoles.out.print(_("renamed {old} -> {new}").format(old=name, new=t.name))


@transcripts_app.command("relink")
@handle_errors
def transcripts_relink(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Transcript name.")],
    respondent: Annotated[str, typer.Argument(help="The respondent it belongs to.")],
) -> None:
    """Link a transcript to another respondent (made if new).

    Example: qualcode transcripts relink R06_Cesis R06
    """
    with open_project(ctx) as project:
        t = project.relink_transcript(name, respondent)
    consoles.out.print(
        _("{transcript} -> respondent {respondent}").format(
            transcript=t.name, respondent=t.respondent
        )
    )


def _respondent_line(r: Respondent) -> str:
    """'LV-04: role=mediator, town=Liepāja', safe to print (stored text, no markup read)."""
    pairs = ", ".join(f"{k}={v}" for k, v in r.attributes.items())
    return plain(f"{r.id}: " + (pairs or _("no attributes")))


@respondents_app.command("set")
@handle_errors
def respondents_set(
    ctx: typer.Context,
    respondent: Annotated[str, typer.Argument(help="Respondent id.")],
    values: Annotated[list[str], typer.Argument(help="KEY=VALUE pairs.")],
) -> None:
    """Set attributes of a respondent.

    Example: qualcode respondents set LV-04 town=Liepāja role=mediator
    """
    from ..managing import parse_assignments

    with open_project(ctx) as project:
        r = project.set_attributes(respondent, parse_assignments(values))
    consoles.out.print(_respondent_line(r), highlight=False)


@respondents_app.command("unset")
@handle_errors
def respondents_unset(
    ctx: typer.Context,
    respondent: Annotated[str, typer.Argument(help="Respondent id.")],
    keys: Annotated[list[str], typer.Argument(help="Attribute names.")],
) -> None:
    """Remove attributes of a respondent.

    Example: qualcode respondents unset LV-04 gender
    """
    with open_project(ctx) as project:
        r = project.unset_attributes(respondent, keys)
    consoles.out.print(_respondent_line(r), highlight=False)


@respondents_app.command("rename")
@handle_errors
def respondents_rename(
    ctx: typer.Context,
    old: Annotated[str, typer.Argument(help="Respondent id.")],
    new: Annotated[str, typer.Argument(help="The new id.")],
) -> None:
    """Give a respondent a new id; attributes and transcripts follow.

    Example: qualcode respondents rename R6 R06
    """
    with open_project(ctx) as project:
        r = project.rename_respondent(old, new)
    listed = ", ".join(r.transcripts) or _("no transcripts")
    consoles.out.print(
        _("renamed {old} -> {new} ({transcripts})").format(old=old, new=r.id, transcripts=listed)
    )


@app.command()
@handle_errors
def log(
    ctx: typer.Context,
    transcript: Annotated[
        str | None, typer.Option("--transcript", "-t", help="Only changes to this transcript.")
    ] = None,
    code: Annotated[
        str | None, typer.Option("--code", "-c", help="Only changes to this code.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many commands.")] = 20,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """The history: every command that changed tags, decisions, codes, transcripts or respondents.

    Example: qualcode log --transcript LV-03
    """
    from ..history import summarize

    with open_project(ctx) as project:
        entries = project.log(transcript=transcript, code=code, limit=limit)
    if fmt is Format.json:
        print_json(entries)
        return
    if fmt is not Format.table:
        from .common import print_table_as

        rows = [[e.id, e.at, e.coder, e.command, e.size, e.undone_by or ""] for e in entries]
        print_table_as(fmt, ["id", "at", "coder", "command", "changes", "undone_by"], rows)
        return
    if not entries:
        consoles.out.print(_("No recorded changes yet."))
        return
    out = consoles.out
    for e in entries:
        state = "  " + _("[undone by {id}]").format(id=e.undone_by) if e.undone_by else ""
        state += "  " + _("[undo of {id}]").format(id=e.undo_of) if e.undo_of else ""
        out.print(
            f"{e.id:>5}  {e.at}  {plain(e.coder)}  {plain(e.command)}{plain(state)}",
            highlight=False,
        )
        for line in summarize(e):
            out.print(f"       {plain(line)}", highlight=False)


@app.command()
@handle_errors
def undo(
    ctx: typer.Context,
    n: Annotated[int, typer.Argument(help="How many of your last commands.")] = 1,
    coder: Annotated[str | None, typer.Option("--coder", help="Whose commands.")] = None,
) -> None:
    """Revert your last N commands (tags, decisions, codebook loads, imports, edits).

    The undo is recorded too; `qualcode log` shows both. Example: qualcode undo 2
    """
    with open_project(ctx) as project:
        result = project.undo(n, coder=coder)
    for e, n in zip(result.undone, result.sizes, strict=True):
        consoles.out.print(
            ngettext(
                "undone {id}: {command} ({n} change)",
                "undone {id}: {command} ({n} changes)",
                n,
            ).format(id=e.id, command=e.command, n=n),
            highlight=False,
        )


@app.command()
@handle_errors
def check(ctx: typer.Context, fmt: Format = FORMAT_OPTION) -> None:
    """Check the project: integrity, links, tags whose text moved, detached tags, duplicates.

    Exits 1 when a problem is found. Example: qualcode check
    """
    with open_project(ctx) as project:
        report = project.check()
    if fmt is not Format.table:
        print_json(report)
    else:
        for note in report.notes:
            consoles.out.print(note, highlight=False)
        for p in report.problems:
            consoles.out.print(_("problem: {problem}").format(problem=plain(p)), highlight=False)
        if report.ok:
            consoles.out.print(_("OK: no problems found"))
    if not report.ok:
        raise typer.Exit(1)


@app.command()
@handle_errors
def backup(
    ctx: typer.Context,
    target: Annotated[Path | None, typer.Argument(help="File or folder for the copy.")] = None,
) -> None:
    """Copy the project safely while others may be writing (SQLite's backup API).

    Example: qualcode backup ~/backups/
    """
    with open_project(ctx) as project:
        path = project.backup(target)
    consoles.out.print(_("backed up to {path}").format(path=path))


@transcripts_app.command("resplit")
@handle_errors
def transcripts_resplit(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Transcript name.")],
    interviewer: Annotated[
        list[str], typer.Option("--interviewer", help="A speaker label that is an interviewer.")
    ] = [],  # noqa: B006 - typer reads the default
    speaker: Annotated[
        list[str], typer.Option("--speaker", help="A speaker label to recognise.")
    ] = [],  # noqa: B006
) -> None:
    """Split a stored transcript into turns again with other speaker settings (tags move).

    Example: qualcode transcripts resplit LV-03 --interviewer Moderatore
    """
    with open_project(ctx) as project:
        result = project.resplit(name, interviewers=interviewer, speakers=speaker)
        view = project.show(name)
    roles: dict[str, str] = {u.speaker: u.role for u in view.turns}
    consoles.out.print(
        ngettext("{name}: {n} turn; ", "{name}: {n} turns; ", len(view.turns)).format(
            name=view.transcript.name, n=len(view.turns)
        )
        + ", ".join(f"{s} ({r})" for s, r in roles.items())
        + f"; {result.summary()}",
        highlight=False,
        markup=False,
    )
