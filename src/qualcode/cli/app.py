"""The typer application and its global options."""

from __future__ import annotations

from pathlib import Path

import typer

from .. import __version__
from .common import State

app = typer.Typer(
    name="qualcode",
    help=(
        "Qualitative interview coding: import transcripts, tag passages with codebook themes, "
        "get keyword suggestions, report theme frequencies.\n\n"
        "Start with `qualcode demo`, or `qualcode init myproject`."
    ),
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"qualcode {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    project: Path | None = typer.Option(
        None,
        "--project",
        "-p",
        envvar="QUALCODE_PROJECT",
        help="Project folder or qualcode.db (default: found from the current folder upwards).",
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Qualitative interview coding from the command line."""
    ctx.obj = State(project=project)
