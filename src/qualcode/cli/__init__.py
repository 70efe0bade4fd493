"""Command-line interface: parse, call the library, print. No SQL and no spaCy here."""

from __future__ import annotations

from ..i18n import localize_app
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

# Help texts in the interface language (a no-op in English); see qualcode.i18n.
localize_app(app)


def main() -> None:
    """Entry point of the `qualcode` command."""
    app()


__all__ = ["app", "main"]
