"""qualcode tag, untag, tags."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from ..i18n import N_, _, ngettext
from .app import app
from .common import (
    FORMAT_OPTION,
    Format,
    consoles,
    fail,
    handle_errors,
    open_project,
    print_table_as,
)

_TURNS = re.compile(r"^[\d\s,\-–]+$")

if TYPE_CHECKING:
    from ..tagging import TagChange


def _split(
    args: list[str], span: str | None, text: str | None = None
) -> tuple[str | None, list[str]]:
    """[TURNS] CODES...: with --span every argument is a code; with --text TURNS is optional."""
    if span is not None:
        return None, args
    if text is not None:
        if len(args) >= 2 and _TURNS.match(args[0]):
            return args[0], args[1:]
        if not args:
            fail(_('name at least one code, e.g. `qualcode tag LV-03 --text "par maz" low-pay`'), 2)
        return None, args
    if len(args) < 2:
        fail(
            _("give the turns and at least one code, e.g. `qualcode tag LV-03 12 needs-training`"),
            2,
        )
    return args[0], args[1:]


QUOTE_WIDTH = 100  # characters of the tagged text echoed
# The fixed notes tagging.py attaches to a change (joined by "; "), translated when shown.
NOTES = (
    N_("already tagged"),
    N_("interviewer turn (not counted in reports)"),
    N_("no such tag"),
)


def _print_changes(changes: list[TagChange], verb: str) -> None:
    from ..textsafe import terminal_safe

    out = consoles.out
    for c in changes:
        where = _("turn {n}").format(n=c.turn) if c.turn is not None else _("span")
        mark = verb if c.done else _("skipped")
        note = f"  ({'; '.join(_(part) for part in c.note.split('; '))})" if c.note else ""
        out.print(
            _("{mark} {transcript} {where} [{start}:{end}] {code}{note}").format(
                mark=mark,
                transcript=c.transcript,
                where=where,
                start=c.start,
                end=c.end,
                code=c.code,
                note=note,
            ),
            highlight=False,
            markup=False,
        )
        if c.text:  # echo what was tagged, so a wrong span shows at once
            quote = " ".join(c.text.split())
            if len(quote) > QUOTE_WIDTH:
                quote = quote[: QUOTE_WIDTH - 1] + "…"
            out.print(f"  “{terminal_safe(quote)}”", highlight=False, markup=False)


@app.command()
@handle_errors
def tag(
    ctx: typer.Context,
    transcript: str = typer.Argument("", help="Transcript name or file name."),
    args: list[str] = typer.Argument(None, help="TURNS (12, 12-15, 3,5-7) then CODES."),
    span: str | None = typer.Option(None, "--span", help="Tag characters START:END instead."),
    text: str | None = typer.Option(
        None,
        "--text",
        help="Tag the passage quoted here (case and spacing need not match; TURNS optional).",
    ),
    coder: str | None = typer.Option(None, "--coder", help="Coder name (default: $USER)."),
    memo: str | None = typer.Option(None, "--memo", help="A note kept with the tag."),
    across_turns: bool = typer.Option(
        False, "--across-turns", help="Let a --span run across turns."
    ),
    from_csv: Path | None = typer.Option(
        None, "--from-csv", help="Import tags from a CSV with transcript, turn, code[, coder]."
    ),
) -> None:
    """Tag turns or a character span of a transcript with one or more codes.

    Examples: qualcode tag LV-03 12 needs-training;  qualcode tag LV-03 12-15 low-pay more-hours;
    qualcode tag LV-03 --span 1040:1112 low-pay;  qualcode tag --from-csv coding.csv;
    qualcode tag LV-03 --text "par maz maksā" low-pay  (the one place those words occur)
    """
    with open_project(ctx) as project:
        if from_csv is not None:
            result = project.import_tags(from_csv, coder=coder)
            consoles.out.print(
                ngettext(
                    "{added} tag added, {already} already there",
                    "{added} tags added, {already} already there",
                    result.added,
                ).format(added=result.added, already=result.already)
            )
            return
        if not transcript:
            fail(_("name a transcript, e.g. `qualcode tag LV-03 12 needs-training`"), 2)
        turns, codes = _split(args or [], span, text)
        changes = project.tag(
            transcript,
            codes,
            turns=turns,
            span=span,
            coder=coder,
            memo=memo,
            across_turns=across_turns,
            text=text,
        )
    _print_changes(changes, _("tagged"))


@app.command()
@handle_errors
def untag(
    ctx: typer.Context,
    transcript: str = typer.Argument(..., help="Transcript name or file name."),
    args: list[str] = typer.Argument(None, help="TURNS then CODES."),
    span: str | None = typer.Option(None, "--span", help="Untag exactly START:END."),
    coder: str | None = typer.Option(None, "--coder", help="Whose tags (default: yours)."),
    all_coders: bool = typer.Option(False, "--all-coders", help="Remove every coder's tags."),
    inside: bool = typer.Option(
        False, "--inside", help="By turn: also remove span tags inside the turns."
    ),
) -> None:
    """Remove tags of codes from turns or a span (your own tags unless --coder/--all-coders).

    Example: qualcode untag LV-03 12 needs-training
    """
    turns, codes = _split(args or [], span)
    with open_project(ctx) as project:
        changes = project.untag(
            transcript,
            codes,
            turns=turns,
            span=span,
            coder=coder,
            all_coders=all_coders,
            inside=inside,
        )
    _print_changes(changes, _("removed"))


@app.command()
@handle_errors
def tags(
    ctx: typer.Context,
    transcript: str | None = typer.Option(None, "--transcript", "-t", help="Only this transcript."),
    code: str | None = typer.Option(None, "--code", "-c", help="Only this code (and children)."),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """List tags with their passage text, coder and origin.

    Example: qualcode tags --code needs-training --format csv
    """
    with open_project(ctx) as project:
        items = project.tags(transcript=transcript, code=code)
    headers = [
        "transcript",
        "turn",
        "code",
        "start",
        "end",
        "coder",
        "origin",
        "created_at",
        "text",
    ]
    rows = [
        [
            g.transcript,
            g.turn_number,
            g.code,
            g.start,
            g.end,
            g.coder,
            g.origin,
            g.created_at,
            g.text,
        ]
        for g in items
    ]
    if print_table_as(fmt, headers, rows):
        return
    from rich.table import Table
    from rich.text import Text

    from ..textsafe import terminal_safe

    def safe(text: str) -> Text:  # stored text: no markup read, controls made visible
        return Text(terminal_safe(text))

    table = Table(
        title=ngettext("{n} tag", "{n} tags", len(items)).format(n=len(items)),
        title_justify="left",
    )
    for h in (_("transcript"), _("turn"), _("code"), _("coder"), _("origin"), _("text")):
        table.add_column(h, overflow="fold")
    for g in items:
        short = g.text if len(g.text) <= 120 else g.text[:117] + "..."
        origin = (
            g.origin if g.status == "placed" else _("{origin}, detached").format(origin=g.origin)
        )
        table.add_row(
            safe(g.transcript),
            str(g.turn_number or ""),
            safe(g.code),
            safe(g.coder),
            origin,
            safe(short),
        )
    consoles.out.print(table)
