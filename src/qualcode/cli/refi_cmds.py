"""qualcode export codebook|project and qualcode import-project: REFI-QDA exchange."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..i18n import N_, _, ngettext
from .app import app
from .common import consoles, handle_errors, open_project
from .export_cmds import FORCE, export_app

if TYPE_CHECKING:
    from ..interop import RefiExport, RefiImport

UNFLATTEN_HELP = "Read flat code names like A::B or a.b as a hierarchy (parents made as needed)."
CODER_HELP = "Coder for selections whose tool named no user (default: your coder name)."
SHOWN = 20  # problems and warnings listed one by one; the rest are counted


def _exported(result: RefiExport) -> None:
    out = consoles.out
    parts = [_("{n} codes").format(n=result.codes)]
    if result.sources:
        parts += [
            _("{n} transcripts").format(n=result.sources),
            _("{tags} tags on {passages} passages").format(
                tags=result.codings, passages=result.selections
            ),
            _("{n} respondents").format(n=result.cases),
        ]
    if result.notes:
        parts.append(_("{n} memos").format(n=result.notes))
    out.print(
        _("Wrote {path} ({size:,} bytes): {parts}").format(
            path=result.path, size=result.size, parts=", ".join(parts)
        ),
        highlight=False,
    )
    for item in result.left_out:
        consoles.err.print(_("Left out: {item}").format(item=item), highlight=False)


@export_app.command("codebook")
@handle_errors
def export_codebook(
    ctx: typer.Context,
    output: Annotated[
        Path, typer.Option("--output", "-o", metavar="FILE", help="The .qdc file to write.")
    ],
    force: Annotated[bool, FORCE] = False,
) -> None:
    """Export the codebook as a REFI-QDA .qdc (NVivo, ATLAS.ti, MAXQDA, QualCoder read it).

    Hierarchy, descriptions and colours travel as codes; labels and keywords as lines at the
    end of each description. Example: qualcode export codebook -o book.qdc
    """
    with open_project(ctx) as project:
        result = project.export_refi_codebook(output, force=force)
    _exported(result)


@export_app.command("project")
@handle_errors
def export_project(
    ctx: typer.Context,
    output: Annotated[
        Path, typer.Option("--output", "-o", metavar="FILE", help="The .qdpx file to write.")
    ],
    force: Annotated[bool, FORCE] = False,
) -> None:
    """Export the whole project as a REFI-QDA .qdpx: codes, transcripts, tags, respondents.

    Transcripts become UTF-8 text sources, respondents cases with their attributes as
    variables, tags codings (by coder) on selections, tag memos notes. Exporting an unchanged
    project again gives the same file. Example: qualcode export project -o study.qdpx
    """
    with open_project(ctx) as project:
        result = project.export_refi_project(output, force=force)
    _exported(result)


def _listed(title: str, items: tuple[str, ...], verbose: bool) -> None:
    if not items:
        return
    err = consoles.err
    err.print(f"{_(title)} ({len(items)}):", highlight=False)
    shown = items if verbose else items[:SHOWN]
    for item in shown:
        err.print(f"  {item}", highlight=False, markup=False)
    if len(shown) < len(items):
        err.print(
            "  "
            + ngettext(
                "... and {n} more (--verbose lists all)",
                "... and {n} more (--verbose lists all)",
                len(items) - len(shown),
            ).format(n=len(items) - len(shown))
        )


def report_import(result: RefiImport, path: Path, db: Path, verbose: bool = False) -> None:
    """Print what an import stored and everything it could not take as given."""
    consoles.out.print(
        _(
            "Imported {path} ({origin}) into {db}: {codes} codes, {transcripts} transcripts, "
            "{tags} tags (of {codings} codings on {selections} selections), "
            "{respondents} respondents, {attributes} attribute values, {memos} tag memos"
        ).format(
            path=path,
            origin=result.origin or _("unknown tool"),
            db=db,
            codes=result.codes,
            transcripts=result.transcripts,
            tags=result.tags,
            codings=result.codings_read,
            selections=result.selections_read,
            respondents=result.respondents,
            attributes=result.attributes,
            memos=result.memos,
        ),
        highlight=False,
    )
    if result.position_unit != "codepoint":
        consoles.out.print(
            _("Positions were counted as {unit} and converted.").format(unit=result.position_unit)
        )
    _listed(N_("Problems (a selection listed here was not imported)"), result.problems, verbose)
    _listed(N_("Skipped"), result.skipped, verbose)
    _listed(N_("Warnings (imported)"), result.warnings, verbose)


def import_into(
    file: Path,
    folder: Path,
    *,
    unflatten: bool,
    coder: str | None,
    verbose: bool,
    interviewers: list[str] | None = None,
) -> None:
    """Create a project in folder from a .qdpx and print the result (init --from uses it)."""
    from ..project import Project

    project, result = Project.init_from_refi(
        folder, file, unflatten=unflatten, coder=coder, interviewers=interviewers or ()
    )
    db = project.store.path
    project.close()
    report_import(result, file, db, verbose)


@app.command("import-project")
@handle_errors
def import_project(
    file: Annotated[Path, typer.Argument(help="A REFI-QDA project (.qdpx).")],
    into: Annotated[
        Path | None,
        typer.Option(
            "--into", metavar="FOLDER", help="Folder of the new project (default: the file's name)."
        ),
    ] = None,
    unflatten: Annotated[bool, typer.Option("--unflatten", help=UNFLATTEN_HELP)] = False,
    coder: Annotated[str | None, typer.Option("--coder", help=CODER_HELP)] = None,
    interviewer: Annotated[
        list[str] | None,
        typer.Option(
            "--interviewer", "-i", metavar="LABEL", help="A speaker label of the interviewer."
        ),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="List every problem and warning.")
    ] = False,
) -> None:
    """Create a project from a REFI-QDA .qdpx (NVivo, ATLAS.ti, MAXQDA, QualCoder, qc).

    Text sources become transcripts (split into turns), cases respondents, codings tags.
    A selection that cannot be placed on its text is reported, never moved.
    Example: qualcode import-project study.qdpx --into study
    """
    import_into(
        file,
        into or Path(file.stem),
        unflatten=unflatten,
        coder=coder,
        verbose=verbose,
        interviewers=interviewer,
    )
