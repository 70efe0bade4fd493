"""qualcode: qualitative interview coding from the command line.

Import transcripts, tag passages against a codebook of themes, get keyword suggestions that
understand Latvian inflection, and report how many respondents raised each theme.
"""

from .codebook import Codebook, parse_codebook, read_codebook_file
from .errors import QualcodeError
from .project import Project

__version__ = "0.1.0"


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
