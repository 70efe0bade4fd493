"""Writing export files safely: a temporary file in the target folder, then a rename."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from qualcode.errors import Conflict, QualcodeError

from .document import Progress, ReportDoc

# Extension -> the exporter module's name; each module has write(doc, path, progress).
FORMATS = {
    ".xlsx": "xlsx",
    ".docx": "docx",
    ".html": "html",
    ".htm": "html",
    ".md": "markdown",
    ".csv": "data",
    ".json": "data",
}


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def check_target(path: Path, *, force: bool = False) -> Path:
    """Refuse an existing file unless force, and a folder that does not exist."""
    path = Path(path)
    if path.is_dir():
        raise QualcodeError(f"{path} is a folder; give a file name, e.g. {path / 'report.xlsx'}")
    if path.exists() and not force:
        raise Conflict(f"{path} exists already; pass --force to overwrite it")
    if not path.parent.is_dir():
        raise QualcodeError(f"the folder {path.parent} does not exist; create it first")
    return path


def atomic_write(path: Path, write: Callable[[Path], object], *, force: bool = False) -> Path:
    """Write through write(tmp) to a temporary file beside path, then rename it into place.

    On any failure no file (partial or temporary) is left behind.
    """
    path = check_target(path, force=force)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise QualcodeError(
            f"cannot write to {path.parent}: {exc.strerror}; choose another folder with -o"
        ) from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        if path.exists() and not force:  # appeared meanwhile
            raise Conflict(f"{path} exists already; pass --force to overwrite it")
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise QualcodeError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def format_of(path: Path) -> str:
    """The exporter for a file name, from its extension."""
    ext = Path(path).suffix.lower()
    if ext not in FORMATS:
        raise QualcodeError(
            f"cannot export to {ext or 'a file without extension'}; use "
            + ", ".join(sorted({e for e in FORMATS if e != ".htm"}))
        )
    return FORMATS[ext]


def write_document(
    doc: ReportDoc, path: Path, *, force: bool = False, progress: Progress | None = None
) -> Path:
    """Export a document to path in the format its extension names."""
    import importlib

    module = importlib.import_module(f"{__package__}.{format_of(path)}")
    target = Path(path)
    return atomic_write(
        target, lambda tmp: module.write(doc, tmp, progress, target.suffix), force=force
    )
