"""Command-line interface: parse, call the library, print. No SQL and no spaCy here."""

from __future__ import annotations

from .app import app

# Each module registers its commands on `app` when imported; the order here is the order of
# `qualcode --help`, which follows a project's life: set up, import, code, suggest, report.
# isort: off
from . import project_cmds  # noqa: E402,F401
from . import codebook_cmds  # noqa: E402,F401
from . import transcript_cmds  # noqa: E402,F401
from . import tag_cmds  # noqa: E402,F401
from . import browse_cmds  # noqa: E402,F401
from . import memo_cmds  # noqa: E402,F401
from . import manage_cmds  # noqa: E402,F401
from . import suggest_cmds  # noqa: E402,F401
from . import rules_cmds  # noqa: E402,F401
from . import report_cmds  # noqa: E402,F401
from . import analysis_cmds  # noqa: E402,F401
from . import export_cmds  # noqa: E402,F401
from . import refi_cmds  # noqa: E402,F401
from . import team_cmds  # noqa: E402,F401

# isort: on


def main() -> None:
    """Entry point of the `qualcode` command."""
    app()


__all__ = ["app", "main"]
