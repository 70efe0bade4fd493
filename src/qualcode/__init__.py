"""qualcode: qualitative interview coding from the command line.

Import transcripts, tag passages against a codebook of themes, get keyword suggestions that
understand Latvian inflection, and report how many respondents raised each theme.
"""

from typing import TYPE_CHECKING, Any

from .errors import QualcodeError
from .project import Project

if TYPE_CHECKING:
    from .codebook import Codebook, parse_codebook, read_codebook_file

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # The codebook parser loads on first use: commands that never read a codebook file
    # (report, show, tag) do not pay for it.
    if name in ("Codebook", "parse_codebook", "read_codebook_file"):
        from . import codebook

        return getattr(codebook, name)
    raise AttributeError(f"module 'qualcode' has no attribute {name!r}")


def open_project(path: str | None = None) -> Project:
    """Open the project at path, or the one found from the current folder upwards."""
    return Project.open(path)


__all__ = [
    "Codebook",
    "Project",
    "QualcodeError",
    "__version__",
    "open_project",
    "parse_codebook",
    "read_codebook_file",
]
