"""Errors the user can act on. Every message says what is wrong and what to do next."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class QualcodeError(Exception):
    """Base for every error qualcode reports to the user (the CLI prints it, exits 1)."""

    exit_code = 1


class ProjectNotFound(QualcodeError):
    """No qualcode.db in the current directory or its parents."""


class ProjectBusy(QualcodeError):
    """Another process holds the write lock."""


class ImportFailed(QualcodeError):
    """A transcript file could not be read."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class CodebookError(QualcodeError):
    """A codebook file is invalid; the message carries file:line."""

    def __init__(self, source: str, line: int | None, reason: str) -> None:
        self.source = source
        self.line = line
        self.reason = reason
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {reason}")


class NotFound(QualcodeError):
    """A named thing (code, transcript, turn, attribute) does not exist."""


class Conflict(QualcodeError):
    """The operation would overwrite or lose data unless explicitly asked."""


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate closest to name, or None when nothing is close."""
    candidates = list(candidates)
    lowered = {c.lower(): c for c in candidates}
    match = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.5)
    if match:
        return lowered[match[0]]
    for c in candidates:  # prefix/substring as a fallback: "train" -> needs-training
        if name.lower() in c.lower():
            return c
    return None


def not_found(kind: str, name: str, candidates: Iterable[str], hint: str = "") -> NotFound:
    """A NotFound error naming the closest candidate."""
    candidates = list(candidates)
    guess = closest(name, candidates)
    msg = f"no {kind} named {name!r}"
    if guess:
        msg += f"; did you mean {guess!r}?"
    elif not candidates:
        msg += f" (there are no {kind}s yet{'; ' + hint if hint else ''})"
    if hint and candidates and not guess:
        msg += f" ({hint})"
    return NotFound(msg)
