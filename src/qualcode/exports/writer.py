"""Writing export files safely: a temporary file in the target folder, then a rename."""

from __future__ import annotations

import os
import re
import tempfile
import time
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


# Temporary files are named `.TARGET.qc-PID-RANDOM.tmp`: a killed export (kill -9, power cut)
# cannot remove its own, so the next export to the same folder removes those whose process is
# gone. A live pid is left alone unless the file is older than a day (pid reused meanwhile).
_TMP_INFIX = ".qc-"
_TMP_NAME = re.compile(r"^\.(?P<target>.+)\.qc-(?P<pid>\d+)-[A-Za-z0-9_]+\.tmp$")
STALE_AFTER = 5.0  # seconds; a little slack for clocks of network file systems
ABANDONED_AFTER = 24 * 3600.0


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except OSError:
        return True
    return True


def remove_stale_temporaries(folder: Path, now: float | None = None) -> list[Path]:
    """Remove export temporary files in folder left by processes that died; returns them."""
    removed: list[Path] = []
    now = time.time() if now is None else now
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        m = _TMP_NAME.match(entry.name)
        if m is None:
            continue
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
            if not entry.is_file(follow_symlinks=False):
                continue
        except OSError:
            continue
        pid = int(m.group("pid"))
        if (age > STALE_AFTER and not _pid_alive(pid)) or age > ABANDONED_AFTER:
            try:
                os.unlink(entry.path)
            except OSError:
                continue
            removed.append(Path(entry.path))
    return removed


def atomic_write(path: Path, write: Callable[[Path], object], *, force: bool = False) -> Path:
    """Write through write(tmp) to a temporary file beside path, then rename it into place.

    On any failure no file (partial or temporary) is left behind; temporaries of earlier
    exports that were killed are removed first.
    """
    path = check_target(path, force=force)
    remove_stale_temporaries(path.parent)
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{path.name}{_TMP_INFIX}{os.getpid()}-", suffix=".tmp", dir=path.parent
        )
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

    fmt = format_of(path)
    module = importlib.import_module(f"{__package__}.{fmt}")
    target = Path(path)
    if fmt != "data":
        # XLSX and DOCX refuse NUL, ESC, vertical tab...; HTML and Markdown readers choke on
        # them too. CSV/JSON keep the data as stored (JSON escapes controls itself).
        from qualcode.textsafe import map_strings, xml_safe

        doc = map_strings(doc, xml_safe)
    return atomic_write(
        target, lambda tmp: module.write(doc, tmp, progress, target.suffix), force=force
    )
