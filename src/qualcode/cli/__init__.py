"""Command-line interface: parse, call the library, print. No SQL and no spaCy here."""

from __future__ import annotations

from .app import app

# Each module registers its commands on `app` when imported.
from . import analysis_cmds, codebook_cmds, export_cmds, project_cmds, report_cmds, suggest_cmds, tag_cmds, transcript_cmds  # noqa: E402,F401,I001,E501


def main() -> None:
    """Entry point of the `qualcode` command."""
    app()


__all__ = ["app", "main"]
