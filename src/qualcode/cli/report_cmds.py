"""qualcode report."""

from __future__ import annotations

from typing import Annotated

import typer

from ..i18n import _
from .app import app
from .common import FORMAT_OPTION, Format, consoles, handle_errors, open_project
from .team_cmds import CODER_VIEW, FINAL_VIEW, view_note

UNIT_HELP = "Count respondents (default), passages or transcripts: bars, --min and --chart use it."


@app.command()
@handle_errors
def report(
    ctx: typer.Context,
    by: Annotated[
        list[str] | None,
        typer.Option("--by", metavar="ATTR", help="Split by an attribute; repeat to nest."),
    ] = None,
    sort: Annotated[
        str,
        typer.Option(
            "--sort", metavar="KEY", help="tree, respondents, passages, transcripts, name."
        ),
    ] = "tree",
    code: Annotated[
        list[str] | None, typer.Option("--code", "-c", metavar="CODE", help="Only these codes.")
    ] = None,
    unit: Annotated[
        str, typer.Option("--unit", "-u", metavar="UNIT", help=UNIT_HELP)
    ] = "respondent",
    min_count: Annotated[
        int, typer.Option("--min", metavar="N", min=0, help="Leave out codes counted fewer times.")
    ] = 0,
    chart: Annotated[bool, typer.Option("--chart", help="Draw bars in the terminal too.")] = False,
    coder: Annotated[str | None, CODER_VIEW] = None,
    final: Annotated[bool, FINAL_VIEW] = False,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Theme frequencies: respondents who raised each code (n/N), passages, transcripts.

    Counts respondent turns only; a respondent counts once per code; parent codes include
    their children; with --by, groups with nobody in them still show (as 0).

    Example: qualcode report --by town --by role --unit respondent --min 2 --sort respondents
    """
    from ..exports.tabular import frequencies_table
    from .render import frequency_table
    from .render_analysis import bars, emit

    with open_project(ctx) as project:
        result = project.report(
            by=by or [],
            sort=sort,
            codes=code or None,
            unit=unit,
            min_count=min_count,
            coder=coder,
            final=final,
        )
    if emit(fmt, frequencies_table(result)):
        return
    if not result.rows:
        consoles.out.print(
            _("No codes to show; load a codebook with `qualcode codebook load FILE`.")
            if not min_count
            else _(
                "No codes to show; load a codebook with `qualcode codebook load FILE` "
                "or lower --min {n}."
            ).format(n=min_count)
        )
        return
    consoles.out.print(frequency_table(result))
    view_note(result.view)
    if chart:
        consoles.out.print()
        consoles.out.print(bars(result))
