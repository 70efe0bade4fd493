"""qualcode init, qualcode demo."""

from __future__ import annotations

from pathlib import Path

import typer

from ..i18n import _
from .app import app
from .common import consoles, handle_errors, open_project


@app.command()
@handle_errors
def init(
    folder: Path = typer.Argument(Path("."), help="Folder for the project (created if needed)."),
    from_file: Path | None = typer.Option(
        None, "--from", metavar="FILE", help="Fill it from a REFI-QDA project (.qdpx)."
    ),
    unflatten: bool = typer.Option(
        False, "--unflatten", help="With --from: read A::B or a.b code names as a hierarchy."
    ),
) -> None:
    """Create a project: FOLDER/qualcode.db (with --from, filled from a .qdpx).

    Example: qualcode init myproject   or   qualcode init study --from study.qdpx
    """
    if from_file is not None:
        from .refi_cmds import import_into

        import_into(from_file, folder, unflatten=unflatten, coder=None, verbose=False)
        return
    from ..project import Project

    project = Project.init(folder)
    project.close()
    out = consoles.out
    out.print(_("Created {path}").format(path=folder / "qualcode.db"))
    out.print(_("Next:"))
    out.print(f"  cd {folder}")
    out.print("  qualcode codebook load CODEBOOK.yaml")
    out.print("  qualcode import TRANSCRIPTS/ --attributes TRANSCRIPTS/attributes.csv")
    out.print("  qualcode report")


@app.command()
@handle_errors
def config(
    ctx: typer.Context,
    key: str | None = typer.Argument(None, help="coder, interviewers or speakers."),
    value: str | None = typer.Argument(None, help="New value (labels comma-separated)."),
) -> None:
    """Show or set project settings: the default coder, interviewer and speaker labels.

    Example: qualcode config interviewers "I,Intervētāja,Moderatore"
    """
    with open_project(ctx) as project:
        if key is not None and value is not None:
            project.set_config(key, value)
        settings = project.config()
    if key is not None and key not in settings:
        from ..errors import not_found

        raise not_found("setting", key, list(settings))
    for k, v in settings.items():
        if key is None or k == key:
            consoles.out.print(f"{k} = {v}", highlight=False)


@app.command()
@handle_errors
def demo(
    keep: Path | None = typer.Option(
        None, "--keep", help="Build the demo project in this folder and keep it."
    ),
    export: Path | None = typer.Option(
        None, "--export", help="Also export the full report in every format into this folder."
    ),
) -> None:
    """Run the whole path on the shipped demo project and print the report.

    Creates a project in a temporary folder (or --keep DIR), loads the demo codebook, imports
    the demo transcripts with their attributes, applies the demo's hand coding, runs the
    keyword suggestions (left pending for `qualcode review`) and prints the theme frequencies
    by role.

    With --export DIR, the full report is also written to DIR as report.xlsx, .docx, .html,
    .md, .csv and .json (files of an earlier demo export there are replaced).

    Example: qualcode demo --keep /tmp/qualcode-demo --export /tmp/qualcode-demo/report
    """
    # The demo pulls in importers, reports and suggestions: only `qualcode demo` pays for them.
    from ..demo import run_demo
    from .render import frequency_table

    out = consoles.out
    result = run_demo(keep, log=lambda msg: consoles.err.print(msg, highlight=False), export=export)
    out.print(frequency_table(result.report))
    if result.agreement is not None:
        from rich.table import Table as RichTable

        from ..teamwork import agreement_rows_table

        table = agreement_rows_table(result.agreement)
        headers, rows = table.display()
        shown = [
            headers.index(h)
            for h in ("code", "percent_agreement", "kappa", "alpha", "both", "only_a", "only_b")
            if h in headers
        ]
        view = RichTable(
            *[headers[i] for i in shown],
            title="Inter-coder agreement, 4 double-coded interviews (turns as units)",
            caption="demo-coder = a, second-coder = b; every code: `qualcode agreement`",
            title_justify="left",
        )
        for row in rows:
            if row[0] in ("(overall)", "needs-training", "low-pay", "more-hours", "work-tools"):
                view.add_row(*[row[i] for i in shown])
        out.print(view)
    if keep:
        out.print(f"\nThe demo project is in {keep}; try: cd {keep} && qualcode review")
