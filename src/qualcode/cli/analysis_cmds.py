"""qualcode matrix, cooccur, quotes, ratings [load], chart, pseudonyms [add|load|remove|preview]."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..i18n import N_, _
from .app import app
from .common import FORMAT_OPTION, Format, consoles, handle_errors, open_project, print_table_as
from .team_cmds import CODER_VIEW, FINAL_VIEW, view_note

NOTHING_YET = N_(
    "Nothing to show yet: load a codebook (`qualcode codebook load FILE`) and import "
    "transcripts (`qualcode import FOLDER`)."
)
BY_OPTION = typer.Option(
    "--by", metavar="ATTR", help="Group by an attribute (town, role...); repeat to nest."
)


@app.command()
@handle_errors
def matrix(
    ctx: typer.Context,
    codes: Annotated[
        list[str] | None, typer.Argument(metavar="CODES", help="Codes (default: all).")
    ] = None,
    by: Annotated[list[str] | None, BY_OPTION] = None,
    quotes: Annotated[
        int, typer.Option("--quotes", "-n", metavar="N", min=0, help="Short quotes per cell.")
    ] = 2,
    width: Annotated[
        int, typer.Option("--width", metavar="N", min=20, help="Characters per short quote.")
    ] = 100,
    coder: Annotated[str | None, CODER_VIEW] = None,
    final: Annotated[bool, FINAL_VIEW] = False,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Framework matrix: codes x groups, each cell respondents n/N and a few short quotes.

    Without --by each respondent is a column.

    Example: qualcode matrix needs-training more-hours --by town --quotes 2
    """
    from ..exports.tabular import matrix_table
    from .render_analysis import emit, matrix_view

    with open_project(ctx) as project:
        result = project.matrix(
            codes=codes or None,
            by=by or [],
            quotes=quotes,
            width=width,
            coder=coder,
            final=final,
        )
    if emit(fmt, matrix_table(result)):
        return
    if not result.rows or not result.groups:
        consoles.out.print(_(NOTHING_YET))
        return
    consoles.out.print(matrix_view(result))
    view_note(result.view)


@app.command()
@handle_errors
def cooccur(
    ctx: typer.Context,
    codes: Annotated[
        list[str] | None, typer.Argument(metavar="CODES", help="Codes (default: all).")
    ] = None,
    unit: Annotated[
        str, typer.Option("--unit", "-u", metavar="UNIT", help="turn or respondent.")
    ] = "turn",
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Code x code co-occurrence: turns (or respondents) that carry both codes.

    Example: qualcode cooccur --unit respondent
    """
    from ..exports.tabular import cooccur_table
    from .render_analysis import cooccur_view, emit

    if unit not in ("turn", "respondent"):
        raise typer.BadParameter("use turn or respondent", param_hint="--unit")
    with open_project(ctx) as project:
        result = project.cooccurrence(codes=codes or None)
    if emit(fmt, cooccur_table(result, unit)):
        return
    if not result.codes:
        consoles.out.print(_(NOTHING_YET))
        return
    consoles.out.print(cooccur_view(result, unit))


@app.command()
@handle_errors
def quotes(
    ctx: typer.Context,
    codes: Annotated[
        list[str] | None,
        typer.Argument(metavar="CODES", help="Codes (default: all that have quotes)."),
    ] = None,
    by: Annotated[list[str] | None, BY_OPTION] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", "-n", metavar="N", min=0, help="Quotes per group.")
    ] = None,
    anonymize: Annotated[
        bool, typer.Option("--anonymize", help="Apply the pseudonym table.")
    ] = False,
    coder: Annotated[str | None, CODER_VIEW] = None,
    final: Annotated[bool, FINAL_VIEW] = False,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Quotes of codes (children included) with respondent, turn and attributes.

    Example: qualcode quotes needs-training --by town --limit 5
    """
    from ..exports.tabular import quotes_table
    from .render_analysis import emit, quotes_view

    with open_project(ctx) as project:
        result = project.quotes(
            codes or None,
            by=by or [],
            limit=limit,
            skip_empty=not codes,
            coder=coder,
            final=final,
        )
        if anonymize:
            result = project.anonymize(result)
    if fmt is not Format.table and len(result) == 1:
        emit(fmt, quotes_table(result[0]))
    elif fmt is not Format.table:
        tables = [quotes_table(r) for r in result]
        headers, _kinds, _rows = tables[0].flat() if tables else ([], [], [])
        rows = [row for t in tables for row in t.flat()[2]]
        print_table_as(fmt, headers, rows)
    elif not result:
        consoles.out.print(_("No quotes yet: tag passages with `qualcode tag`."))
    else:
        consoles.out.print(quotes_view(result))
        view_note(result[0].view)


# No help= here: the callback's docstring (with its example) is the group's help.
ratings_app = typer.Typer()
app.add_typer(ratings_app, name="ratings")


def _scale(text: str | None) -> tuple[int, int] | None:
    from ..ratings import parse_range

    return parse_range(text, "scale") if text else None


@ratings_app.callback(invoke_without_command=True)
@handle_errors
def ratings(
    ctx: typer.Context,
    column: Annotated[
        list[str] | None,
        typer.Option("--column", "-c", metavar="COLUMN", help="Only these columns."),
    ] = None,
    by: Annotated[list[str] | None, BY_OPTION] = None,
    scale: Annotated[
        str | None,
        typer.Option("--scale", metavar="LOW-HIGH", help="LOW-HIGH (default: codebook, 1-10)."),
    ] = None,
    band: Annotated[
        list[str] | None,
        typer.Option("--band", metavar="LOW-HIGH", help="Another band beside 8-9 and 8-10."),
    ] = None,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Rating statements: count and share of each value, mean, median, bands 8-9 and 8-10.

    Without --column: the codebook's statements and every attribute whose values are all
    whole numbers within the scale. Missing answers are counted apart.

    Example: qualcode ratings --by town --band 1-3
    """
    from ..exports.tabular import ratings_table
    from ..ratings import parse_range
    from .render_analysis import emit, ratings_view

    if ctx.invoked_subcommand is not None:
        return
    bands = [parse_range(b) for b in band or []]
    with open_project(ctx) as project:
        result = project.ratings(column or [], by=by or [], scale=_scale(scale), bands=bands)
    if emit(fmt, ratings_table(result)):
        return
    if not result.rows:
        consoles.out.print(
            "No rating columns: load answers with `qualcode ratings load "
            "survey.csv` or add 1-10 columns to the attributes CSV."
        )
        for note in result.skipped:
            consoles.out.print(note)
        return
    consoles.out.print(ratings_view(result))


@ratings_app.command("load")
@handle_errors
def ratings_load(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="CSV: respondent_id, then one column per statement.")
    ],
    scale: Annotated[
        str | None,
        typer.Option("--scale", metavar="LOW-HIGH", help="LOW-HIGH (default: codebook, 1-10)."),
    ] = None,
) -> None:
    """Load survey answers (stored as respondent attributes); bad values name their rows.

    Example: qualcode ratings load survey.csv --scale 1-10
    """
    with open_project(ctx) as project:
        result = project.load_ratings(file, scale=_scale(scale))
    consoles.out.print(
        f"Loaded {result.answers} answers of {result.respondents} respondents "
        f"to {len(result.columns)} statements: {', '.join(result.columns)}"
    )


@app.command()
@handle_errors
def chart(
    ctx: typer.Context,
    output: Annotated[
        Path, typer.Option("--output", "-o", metavar="FILE", help="chart.png or chart.svg.")
    ],
    codes: Annotated[
        list[str] | None, typer.Argument(metavar="CODES", help="Codes (default: all).")
    ] = None,
    by: Annotated[list[str] | None, BY_OPTION] = None,
    unit: Annotated[
        str, typer.Option("--unit", "-u", metavar="UNIT", help="respondent, passage, transcript.")
    ] = "respondent",
    sort: Annotated[
        str, typer.Option("--sort", metavar="KEY", help="tree, respondents, passages, name.")
    ] = "tree",
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Bar chart (PNG or SVG) of code frequencies, coloured as in the codebook.

    Example: qualcode chart needs-training --by town -o chart.png
    """
    with open_project(ctx) as project:
        path = project.chart(
            output, codes=codes or None, by=by or [], unit=unit, sort=sort, force=force
        )
    consoles.out.print(
        _("Wrote {path} ({size:,} bytes)").format(path=path, size=path.stat().st_size)
    )


pseudonyms_app = typer.Typer()
app.add_typer(pseudonyms_app, name="pseudonyms")


@pseudonyms_app.callback(invoke_without_command=True)
@handle_errors
def pseudonyms(ctx: typer.Context, fmt: Format = FORMAT_OPTION) -> None:
    """List the pseudonym table (name -> pseudonym).

    Example: qualcode pseudonyms --format csv
    """
    from .render_analysis import pseudonyms_view

    if ctx.invoked_subcommand is not None:
        return
    with open_project(ctx) as project:
        items = project.pseudonyms()
    if print_table_as(fmt, ["name", "pseudonym"], [[p.name, p.pseudonym] for p in items]):
        return
    if not items:
        consoles.out.print('No pseudonyms yet: qualcode pseudonyms add "Jānis Bērziņš" R-07')
        return
    consoles.out.print(pseudonyms_view(items))


@pseudonyms_app.command("add")
@handle_errors
def pseudonyms_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The real name as written (nominative).")],
    pseudonym: Annotated[str, typer.Argument(help="What replaces it, e.g. R-07.")],
) -> None:
    """Add or change a pseudonym; inflected forms (Jāņa, Jānim) are replaced too.

    Example: qualcode pseudonyms add "Jānis Bērziņš" R-07
    """
    with open_project(ctx) as project:
        p = project.add_pseudonym(name, pseudonym)
    consoles.out.print(f"{p.name} -> {p.pseudonym}")


@pseudonyms_app.command("load")
@handle_errors
def pseudonyms_load(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV with name,pseudonym rows.")],
) -> None:
    """Load name,pseudonym pairs from a CSV (a header row is skipped).

    Example: qualcode pseudonyms load names.csv
    """
    with open_project(ctx) as project:
        items = project.load_pseudonyms(file)
    consoles.out.print(f"Loaded {len(items)} pseudonyms from {file}")


@pseudonyms_app.command("remove")
@handle_errors
def pseudonyms_remove(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="The real name.")]
) -> None:
    """Remove a name from the pseudonym table.

    Example: qualcode pseudonyms remove "Jānis Bērziņš"
    """
    with open_project(ctx) as project:
        removed = project.remove_pseudonym(name)
    if not removed:
        from qualcode.errors import NotFound

        raise NotFound(
            f"{name!r} is not in the pseudonym table; list it with `qualcode pseudonyms`"
        )
    consoles.out.print(f"Removed {name}")


@pseudonyms_app.command("preview")
@handle_errors
def pseudonyms_preview(
    ctx: typer.Context, text: Annotated[str, typer.Argument(help="Any text.")]
) -> None:
    """Show a text as --anonymize would export it.

    Example: qualcode pseudonyms preview "Jāņa mamma runāja ar Bērziņu"
    """
    with open_project(ctx) as project:
        out = project.anonymize_text(text)
    consoles.out.print(out, markup=False, highlight=False)
