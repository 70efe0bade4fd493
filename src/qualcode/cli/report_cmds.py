"""qualcode report."""

from __future__ import annotations

import typer

from ..exports.tabular import frequency_table as flat_table
from .app import app
from .common import FORMAT_OPTION, Format, consoles, handle_errors, open_project, print_table_as
from .render import frequency_table


@app.command()
@handle_errors
def report(
    ctx: typer.Context,
    by: list[str] = typer.Option([], "--by", help="Split by an attribute (town, role, ...)."),
    sort: str = typer.Option("tree", "--sort", help="tree, respondents, passages, transcripts, name."),
    code: list[str] = typer.Option([], "--code", "-c", help="Only these codes."),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Theme frequencies: respondents who raised each code (n/N), passages, transcripts.

    Counts respondent turns only; a respondent counts once per code; parent codes include
    their children.

    Example: qualcode report --by town --sort respondents --format csv
    """
    with open_project(ctx) as project:
        result = project.report(by=by, sort=sort, codes=code or None)
    headers, rows = flat_table(result)
    if print_table_as(fmt, headers, rows, result):
        return
    if not result.rows:
        consoles.out.print("No codes yet; run `qualcode codebook load FILE`.")
        return
    consoles.out.print(frequency_table(result))
