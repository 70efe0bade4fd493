"""`qualcode browse`: a full-screen Textual reader over the project.

Imported only by the browse command (Textual is not loaded by any other command).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..project import Project


def run_browser(project: Project, transcript: str | None = None) -> None:
    """Run the browser until the user quits."""
    from .app import BrowserApp

    BrowserApp(project, transcript).run()


__all__ = ["run_browser"]
