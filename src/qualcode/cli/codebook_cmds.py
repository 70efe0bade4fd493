"""qualcode codebook load|check|show|rename."""

from __future__ import annotations

from pathlib import Path

import typer

from ..i18n import _
from .app import app
from .common import FORMAT_OPTION, Format, consoles, handle_errors, open_project, print_table_as

codebook_app = typer.Typer(help="Load, check and show the codebook.", no_args_is_help=True)
app.add_typer(codebook_app, name="codebook")


@codebook_app.command("load")
@handle_errors
def load(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="Codebook .yaml, .json or REFI-QDA .qdc."),
    unflatten: bool = typer.Option(
        False, "--unflatten", help="For a .qdc: read A::B or a.b code names as a hierarchy."
    ),
) -> None:
    """Load or update the codebook (codes matched by name, so tags are kept).

    Example: qualcode codebook load ../codebooks/roma-mediators.yaml   (or book.qdc)
    """
    with open_project(ctx) as project:
        r = project.load_codebook(file, unflatten=unflatten)
    out = consoles.out
    for problem in r.problems:
        consoles.err.print(
            _("Note: {problem}").format(problem=problem), highlight=False, markup=False
        )
    out.print(
        _(
            "Loaded {file} (version {version}): {added} added, {updated} updated, "
            "{unchanged} unchanged"
        ).format(
            file=file,
            version=r.version,
            added=len(r.added),
            updated=len(r.updated),
            unchanged=len(r.unchanged),
        )
        + (_(", {n} removed").format(n=len(r.removed)) if r.removed else "")
    )
    if r.retired:
        out.print(
            f"Kept {len(r.retired)} codes no longer in the codebook because tags use them "
            f"(marked retired): {', '.join(r.retired)}. Rename with `qualcode codebook "
            "rename OLD NEW` before editing names to keep them linked."
        )


@codebook_app.command("check")
@handle_errors
def check(file: Path = typer.Argument(..., help="Codebook .yaml, .json or REFI-QDA .qdc.")) -> None:
    """Validate a codebook file; errors are printed as FILE:LINE: problem.

    Example: qualcode codebook check codebooks/roma-mediators.yaml
    """
    from ..codebook_ops import read_codebook

    book, problems = read_codebook(file)
    for problem in problems:
        consoles.err.print(f"Note: {problem}", highlight=False, markup=False)
    names = book.names()
    keywords = sum(len(c.keywords) for c, _, _ in book.walk())
    consoles.out.print(f"{file}: OK, {len(names)} codes, {keywords} keywords")


@codebook_app.command("show")
@handle_errors
def show(ctx: typer.Context, fmt: Format = FORMAT_OPTION) -> None:
    """Print the code tree with the number of tags on each code.

    Example: qualcode codebook show --format json
    """
    with open_project(ctx) as project:
        codes = project.codes(include_inactive=True)
        counts = project.code_counts()
        book = project.codebook()
    headers = ["name", "label", "parent", "tags", "keywords", "description", "color", "active"]
    rows = [
        [
            c.name,
            c.label or "",
            c.parent or "",
            counts.get(c.name, 0),
            ", ".join(c.keywords),
            c.description or "",
            c.color or "",
            c.active,
        ]
        for c in codes
    ]
    if print_table_as(fmt, headers, rows):
        return
    if not codes:
        consoles.out.print(_("No codebook loaded yet; run `qualcode codebook load FILE`."))
        return
    from .render import codebook_tree

    consoles.out.print(
        codebook_tree(codes, counts, (book.title if book else None) or _("Codebook"))
    )


@codebook_app.command("rename")
@handle_errors
def rename(ctx: typer.Context, old: str, new: str) -> None:
    """Rename a code; its tags follow, and the codebook file it came from is edited too.

    Example: qualcode codebook rename low-pay low-salary
    """
    with open_project(ctx) as project:
        edited = project.rename_code(old, new)
    where = f" and in {edited}" if edited else "; rename it in your codebook file too"
    consoles.out.print(f"Renamed {old} to {new} in the project{where}.")
