"""qualcode export report|quotes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..i18n import _, ngettext
from .app import app
from .common import consoles, handle_errors, make_progress, open_project
from .team_cmds import CODER_VIEW, FINAL_VIEW

if TYPE_CHECKING:  # the exporters (and their document builders) load only on `export`
    from qualcode.exports.api import ExportResult

export_app = typer.Typer(
    help="Export the report or quotes to XLSX, DOCX, HTML, MD, CSV, JSON.", no_args_is_help=True
)
app.add_typer(export_app, name="export")

BY_HELP = (
    "A by-group section per attribute; town,role nests (default: every attribute with "
    "2-12 non-numeric values)."
)
OUTPUT_HELP = "File to write; its extension picks the format: .xlsx .docx .html .md .csv .json."
FORCE = typer.Option("--force", help="Overwrite an existing file.")
ANONYMIZE = typer.Option(
    "--anonymize",
    help="Apply the pseudonym table to every "
    "quote and attribute (the stored transcripts do not change).",
)


@contextmanager
def progress_bar(what: str) -> Iterator[Callable[[int, int, str], None]]:
    """A progress bar on stderr (only on a terminal); yields the callback exporters call."""
    from rich.progress import BarColumn, TaskProgressColumn, TextColumn

    with make_progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[step]}", style="dim"),
    ) as bar:
        task = bar.add_task(what, total=None, step="")

        def update(done: int, total: int, step: str) -> None:
            bar.update(task, completed=done, total=total, step=step)

        yield update


def _done(result: ExportResult) -> None:
    sections = ngettext("{n} section", "{n} sections", result.sections).format(n=result.sections)
    consoles.out.print(
        _("Wrote {path} ({size:,} bytes, {sections})").format(
            path=result.path, size=result.size, sections=sections
        ),
        highlight=False,
    )


@export_app.command("report")
@handle_errors
def export_report(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("--output", "-o", metavar="FILE", help=OUTPUT_HELP)],
    by: Annotated[list[str] | None, typer.Option("--by", metavar="ATTR", help=BY_HELP)] = None,
    sort: Annotated[
        str, typer.Option("--sort", metavar="KEY", help="tree, respondents, passages, name.")
    ] = "tree",
    unit: Annotated[
        str, typer.Option("--unit", "-u", metavar="UNIT", help="respondent, passage, transcript.")
    ] = "respondent",
    min_count: Annotated[
        int, typer.Option("--min", metavar="N", min=0, help="Leave out codes counted fewer times.")
    ] = 0,
    quotes: Annotated[
        int,
        typer.Option("--quotes", metavar="N", min=0, help="Quotes per code in the quotes part."),
    ] = 10,
    matrix_quotes: Annotated[
        int, typer.Option("--matrix-quotes", metavar="N", min=0, help="Quotes per matrix cell.")
    ] = 2,
    anonymize: Annotated[bool, ANONYMIZE] = False,
    force: Annotated[bool, FORCE] = False,
    coder: Annotated[str | None, CODER_VIEW] = None,
    final: Annotated[bool, FINAL_VIEW] = False,
) -> None:
    """Export the full report: frequencies, by group, matrix, co-occurrence, ratings, quotes.

    XLSX: a sheet per table and per code's quotes; CSV: the frequency table only (every other
    table: its own command's --format csv).

    Example: qualcode export report -o report.xlsx --by town --by role
    """
    with open_project(ctx) as project, progress_bar(f"export {output.name}") as update:
        result = project.export_report(
            output,
            by=by or None,
            sort=sort,
            unit=unit,
            min_count=min_count,
            quotes_limit=quotes,
            matrix_quotes=matrix_quotes,
            anonymize=anonymize,
            force=force,
            progress=update,
            coder=coder,
            final=final,
        )
    _done(result)


@export_app.command("quotes")
@handle_errors
def export_quotes(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("--output", "-o", metavar="FILE", help=OUTPUT_HELP)],
    code: Annotated[
        list[str] | None, typer.Option("--code", "-c", metavar="CODE", help="Codes (default: all).")
    ] = None,
    by: Annotated[
        list[str] | None,
        typer.Option("--by", metavar="ATTR", help="Group the quotes by an attribute."),
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", "-n", metavar="N", min=0, help="Quotes per group.")
    ] = None,
    anonymize: Annotated[bool, ANONYMIZE] = False,
    force: Annotated[bool, FORCE] = False,
) -> None:
    """Quotes of codes with respondent, turn and attributes, a section per code.

    Example: qualcode export quotes --code needs-training -o quotes.docx --anonymize
    """
    with open_project(ctx) as project, progress_bar(f"export {output.name}") as update:
        result = project.export_quotes(
            output,
            code or [],
            by=by or [],
            limit=limit,
            anonymize=anonymize,
            force=force,
            progress=update,
        )
    _done(result)
