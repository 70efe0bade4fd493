"""qualcode import, transcripts, show, respondents."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from ..errors import ProjectNotFound
from ..i18n import N_, _, ngettext
from ..models import INTERVIEWER
from .app import app
from .common import (
    FORMAT_OPTION,
    Format,
    consoles,
    fail,
    handle_errors,
    make_progress,
    open_project,
    print_json,
    print_table_as,
)

if TYPE_CHECKING:
    from ..importing import ImportOutcome

# Import outcomes as printed (the status words are the core's; shown translated).
STATUSES = (N_("imported"), N_("replaced"))


def _parse_attrs(values: list[str]) -> dict[str, str]:
    attrs = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            fail(
                _("--attr {item}: write KEY=VALUE, e.g. --attr town=Talsi").format(item=repr(item)),
                2,
            )
        attrs[key.strip()] = value.strip()
    return attrs


@app.command("import")
@handle_errors
def import_(
    ctx: typer.Context,
    paths: list[Path] = typer.Argument(..., help="Transcript files or folders."),
    attributes: Path | None = typer.Option(
        None, "--attributes", "-a", help="CSV: respondent_id, file, then any attribute columns."
    ),
    attr: list[str] = typer.Option([], "--attr", help="KEY=VALUE for every imported file."),
    encoding: str | None = typer.Option(None, "--encoding", help="Force an encoding, e.g. cp1257."),
    lang: str | None = typer.Option(None, "--lang", help="Transcript language (lv, en, ...)."),
    interviewer: list[str] = typer.Option(
        [], "--interviewer", help="A speaker label that is an interviewer (repeatable)."
    ),
    speaker: list[str] = typer.Option(
        [], "--speaker", help="A speaker label to recognise even if used once (repeatable)."
    ),
    replace: bool = typer.Option(False, "--replace", help="Replace a changed transcript."),
    force: bool = typer.Option(False, "--force", help="With --replace: even if tags are lost."),
    all_or_nothing: bool = typer.Option(
        False, "--all-or-nothing", help="Import nothing if any file fails."
    ),
    preview: bool = typer.Option(
        False, "--preview", help="Show what each file would become; write nothing."
    ),
) -> None:
    """Import transcripts (.txt .md .docx .vtt .srt) with respondent attributes.

    Good files are imported together in one transaction and bad ones are listed (exit code 1);
    with --all-or-nothing one bad file means nothing is imported.

    Example: qualcode import ../transcripts/ --attributes ../transcripts/attributes.csv
    """
    # Importers and rich's progress bar load here, not on every `qualcode` start.
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn

    from ..importing import collect_files

    attrs = _parse_attrs(attr)
    if preview:
        _preview(ctx, paths, encoding, lang, interviewer, speaker)
        return
    with open_project(ctx) as project:
        if interviewer:
            project.set_interviewer_labels([*project.interviewer_labels(), *interviewer])
        if speaker:
            project.set_config("speakers", ",".join([*project.speaker_labels(), *speaker]))
        total = len(collect_files(paths)[0])
        with make_progress(
            TextColumn(_("importing")),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            enabled=total > 1,
        ) as bar:
            task = bar.add_task("", total=total)

            def step(name: str) -> None:
                bar.update(task, advance=1, description=name)

            report = project.import_paths(
                paths,
                attributes=attributes,
                attrs=attrs,
                encoding=encoding,
                language=lang,
                replace=replace,
                force=force,
                all_or_nothing=all_or_nothing,
                progress=step,
            )
    out = consoles.out
    for o in report.outcomes:
        if o.status in ("imported", "replaced"):
            out.print(
                f"{_(o.status):>9}  {o.name:<12} {Path(o.file).name}: "
                + ngettext("{n} turn", "{n} turns", o.turns).format(n=o.turns)
                + f", {o.format}, {o.encoding or '-'}, {o.language or '?'}"
                + (f"  ({o.message})" if o.message else ""),
                highlight=False,
                markup=False,
            )
            if len(paths) == 1 or o.proposed_interviewer or len(report.outcomes) <= 3:
                out.print("           " + _speakers_line(o), highlight=False, markup=False)
        elif o.status == "unchanged":
            out.print(f"{_('unchanged'):>9}  {o.name:<12} {Path(o.file).name}: {o.message}")
        elif o.status == "skipped":
            consoles.err.print(f"{_('skipped'):>9}  {o.file}: {o.message}", highlight=False)
    for o in report.failed:
        consoles.err.print(f"[red]{_('failed'):>9}[/red]  {o.file}: {o.message}", highlight=False)
    if report.failed:
        if report.all_or_nothing:
            fail(
                ngettext(
                    "{n} file failed; nothing was imported (--all-or-nothing)",
                    "{n} files failed; nothing was imported (--all-or-nothing)",
                    len(report.failed),
                ).format(n=len(report.failed))
            )
        done = len(report.imported)
        others = (
            ngettext("the other {n} was imported", "the other {n} were imported", done).format(
                n=done
            )
            if done
            else _("nothing else was imported")
        )
        fail(
            ngettext(
                "{n} file failed and was not imported; {others}. Fix it and run the import again",
                "{n} files failed and were not imported; {others}. "
                "Fix them and run the import again",
                len(report.failed),
            ).format(n=len(report.failed), others=others)
        )
    for w in report.warnings:
        consoles.err.print(f"{_('warning'):>9}  {w}", highlight=False, markup=False)
    out.print(_("{n} imported. Next: qualcode transcripts").format(n=len(report.imported)))


def _speakers_line(o: ImportOutcome) -> str:
    """'speakers: Anna (12, interviewer), Jānis (11)'."""
    parts = [
        f"{name} ({n}{', ' + _('interviewer') if role == INTERVIEWER else ''})"
        for name, n, role in o.speakers
    ]
    line = _("speakers: ") + ", ".join(parts[:8]) + (" …" if len(parts) > 8 else "")
    if o.proposed_interviewer:
        line += _(
            "; no interviewer label known, {label} asks most questions: "
            "confirm with --interviewer {label} and `transcripts resplit`"
        ).format(label=repr(o.proposed_interviewer))
    elif o.speakers and not any(s[2] == INTERVIEWER for s in o.speakers):
        line += _("; no interviewer found: name one with --interviewer LABEL")
    return line


def _preview(
    ctx: typer.Context,
    paths: list[Path],
    encoding: str | None,
    lang: str | None,
    interviewer: list[str],
    speaker: list[str],
) -> None:
    """import --preview: each file's encoding, language, speakers and first turns."""
    from ..importers.preview import render_preview
    from ..importing import preview_paths

    try:
        with open_project(ctx) as project:
            items = project.preview(
                paths,
                encoding=encoding,
                language=lang,
                interviewers=interviewer,
                speakers=speaker,
            )
    except ProjectNotFound:  # previewing needs no project
        items = preview_paths(
            paths, encoding=encoding, language=lang, interviewers=interviewer, speakers=speaker
        )
    width = consoles.out.width or 100
    for item in items:
        consoles.out.print(render_preview(item, width=width), highlight=False, markup=False)
        consoles.out.print()
    consoles.out.print(
        ngettext(
            "{n} file previewed; nothing was written.",
            "{n} files previewed; nothing was written.",
            len(items),
        ).format(n=len(items))
    )


transcripts_app = typer.Typer()
app.add_typer(transcripts_app, name="transcripts")
respondents_app = typer.Typer()


@transcripts_app.callback(invoke_without_command=True)
@handle_errors
def transcripts(ctx: typer.Context, fmt: Format = FORMAT_OPTION) -> None:
    """List transcripts with respondent, attributes, turn and tag counts; rm, rename, relink.

    Example: qualcode transcripts --format json
    """
    if ctx.invoked_subcommand is not None:
        return
    with open_project(ctx) as project:
        items = project.transcripts()
        keys = project.attribute_keys()
    # The table shows a few descriptive attributes (town and role first), not survey answers.
    descriptive = [
        k
        for k in keys
        if not all(t.attributes.get(k, "").isdigit() or k not in t.attributes for t in items)
    ]
    shown = sorted(descriptive, key=lambda k: (k not in ("town", "role"), keys.index(k)))[:3]
    headers = [
        "name",
        "file",
        "format",
        "encoding",
        "language",
        "respondent",
        "turns",
        "tags",
        *keys,
    ]
    rows = [
        [
            t.name,
            t.file_name,
            t.format,
            t.encoding or "",
            t.language or "",
            t.respondent or "",
            t.turn_count,
            t.tag_count,
            *(t.attributes.get(k, "") for k in keys),
        ]
        for t in items
    ]
    if print_table_as(fmt, headers, rows):
        return
    if not items:
        consoles.out.print(_("No transcripts yet; run `qualcode import FILES`."))
        return
    from .render import transcripts_table

    consoles.out.print(transcripts_table(items, shown))


@app.command()
@handle_errors
def show(
    ctx: typer.Context,
    transcript: str = typer.Argument(..., help="Transcript name (respondent id) or file name."),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Print a transcript's numbered turns with speakers and the codes on each turn.

    Example: qualcode show LV-03 --format json
    """
    with open_project(ctx) as project:
        view = project.show(transcript)
        colors = {c.name: c.color for c in project.codes(include_inactive=True)}
    tags_by_turn: dict[int | None, list[dict[str, object]]] = {}
    for g in view.tags:
        tags_by_turn.setdefault(g.turn_number, []).append(
            {
                "code": g.code,
                "start": g.start,
                "end": g.end,
                "coder": g.coder,
                "origin": g.origin,
                "text": g.text,
            }
        )
    turns = [
        {
            "turn": u.number,
            "speaker": u.speaker,
            "role": u.role,
            "start": u.start,
            "end": u.end,
            "start_time": u.start_time,
            "end_time": u.end_time,
            "text": u.text,
            "tags": tags_by_turn.get(u.number, []),
        }
        for u in view.turns
    ]
    headers = ["turn", "speaker", "role", "start", "end", "text", "codes"]
    rows = [
        [
            u["turn"],
            u["speaker"],
            u["role"],
            u["start"],
            u["end"],
            u["text"],
            ";".join(str(g["code"]) for g in tags_by_turn.get(int(str(u["turn"])), [])),
        ]
        for u in turns
    ]
    data = {"transcript": view.transcript, "header": view.header, "turns": turns}
    if fmt is Format.json:
        print_json(data)
    elif print_table_as(fmt, headers, rows):
        return
    else:
        from .render import transcript_view

        transcript_view(consoles.out, view, colors)
        n_int = sum(u.role == INTERVIEWER for u in view.turns)
        consoles.out.print(
            "\n"
            + _("{turns} turns ({interviewer} interviewer), {tags} tags").format(
                turns=len(view.turns), interviewer=n_int, tags=len(view.tags)
            ),
            style="dim",
        )


app.add_typer(respondents_app, name="respondents")


@respondents_app.callback(invoke_without_command=True)
@handle_errors
def respondents(ctx: typer.Context, fmt: Format = FORMAT_OPTION) -> None:
    """List respondents and their attributes; set, unset, rename.

    Example: qualcode respondents --format csv
    """
    if ctx.invoked_subcommand is not None:
        return
    with open_project(ctx) as project:
        people = project.respondents()
        keys = project.attribute_keys()
        ids = [r.id for r in people]
        attrs = {r.id: r.attributes for r in people}
    headers = ["respondent", *keys]
    rows = [[r, *(attrs[r].get(k, "") for k in keys)] for r in ids]
    if print_table_as(fmt, headers, rows):
        return
    from rich.table import Table

    table = Table(
        title=ngettext("{n} respondent", "{n} respondents", len(ids)).format(n=len(ids)),
        title_justify="left",
    )
    for h in [_("respondent"), *keys]:
        table.add_column(h)
    for row in rows:
        table.add_row(*map(str, row))
    consoles.out.print(table)
