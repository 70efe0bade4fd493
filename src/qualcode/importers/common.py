"""Helpers every reader shares: newline normalisation and building the result."""

from __future__ import annotations

import hashlib

from qualcode.importers.speakers import Segmentation
from qualcode.models import ParsedTranscript

# Encodings decode_text picks with confidence; any other was a guess worth mentioning.
_CONFIDENT = ("utf-", "cp1257", "iso8859-13", "iso8859-4", "ascii")


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR become LF; nothing else changes."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def build(
    data: bytes,
    file_name: str,
    fmt: str,
    encoding: str | None,
    text: str,
    segmentation: Segmentation,
    *,
    guessed: bool = False,
) -> ParsedTranscript:
    """Assemble a ParsedTranscript, adding a warning when the encoding was a guess."""
    warnings = list(segmentation.warnings)
    if guessed and encoding is not None and not encoding.startswith(_CONFIDENT):
        warnings.append(
            f"encoding guessed as {encoding}; if letters look wrong, import again with --encoding"
        )
    return ParsedTranscript(
        file_name=file_name,
        format=fmt,
        encoding=encoding,
        sha256=hashlib.sha256(data).hexdigest(),
        text=text,
        header_end=segmentation.header_end,
        turns=segmentation.turns,
        warnings=tuple(warnings),
    )
