"""Helpers every reader shares: newline normalisation and building the result."""

from __future__ import annotations

import hashlib
import html
import re

from qualcode.importers.roles import propose_interviewer, speaker_turns
from qualcode.importers.speakers import Segmentation
from qualcode.models import ParsedTranscript

# Encodings decode_text picks with confidence; any other was a guess worth mentioning.
_CONFIDENT = ("utf-", "cp1257", "iso8859-13", "iso8859-4", "ascii")


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR become LF; nothing else changes."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


# Character references as Markdown renders them: "&#39;", "&#x27;", "&amp;". Only with
# the closing semicolon, so "AT&T" and "R&D" stay as written.
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def decode_entities(text: str) -> str:
    """Decode HTML character references (Markdown shows "&#39;" as an apostrophe)."""
    return _ENTITY.sub(lambda m: html.unescape(m.group()), text)


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
    proposed = propose_interviewer(text, segmentation.header_end, segmentation.turns)
    if proposed is not None:
        # Until confirmed, the proposal's questions count as respondent talk: say so.
        warnings.append(
            f"no interviewer label known; {proposed!r} asks most questions: confirm with "
            f"--interviewer {proposed!r} (until then every speaker counts as a respondent)"
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
        proposed_interviewer=proposed,
        speaker_turns=speaker_turns(segmentation.turns),
    )
