"""qualcode init, qualcode demo."""

from __future__ import annotations

from pathlib import Path

import typer

from ..demo import run_demo
from ..project import Project
from .app import app
from .common import consoles, handle_errors
from .render import frequency_table


@app.command()
@handle_errors
def init(
    folder: Path = typer.Argument(Path("."), help="Folder for the project (created if needed)."),
) -> None:
    """Create a project: FOLDER/qualcode.db.

    Example: qualcode init myproject
    """
    project = Project.init(folder)
    project.close()
    out = consoles.out
    out.print(f"Created {folder / 'qualcode.db'}")
    out.print("Next:")
    out.print(f"  cd {folder}")
    out.print("  qualcode codebook load CODEBOOK.yaml")
    out.print("  qualcode import TRANSCRIPTS/ --attributes TRANSCRIPTS/attributes.csv")
    out.print("  qualcode report")


@app.command()
@handle_errors
def demo(
    keep: Path | None = typer.Option(
        None, "--keep", help="Build the demo project in this folder and keep it."),
) -> None:
    """Run the whole path on the shipped demo project and print the report.

    Creates a project in a temporary folder (or --keep DIR), loads the demo codebook, imports
    the demo transcripts with their attributes, applies the demo coding and prints the theme
    frequencies by role.

    Example: qualcode demo --keep /tmp/qualcode-demo
    """
    out = consoles.out
    result = run_demo(keep, log=lambda msg: consoles.err.print(msg, highlight=False))
    out.print(frequency_table(result.report))
    if keep:
        out.print(f"\nThe demo project is in {keep}; try: cd {keep} && qualcode transcripts")
