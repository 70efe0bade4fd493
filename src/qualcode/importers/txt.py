"""Plain-text and Markdown transcripts: decode, then split at speaker labels."""

from __future__ import annotations

from qualcode.errors import ImportFailed
from qualcode.importers.common import build, decode_entities, normalise_newlines
from qualcode.importers.encoding import decode_text
from qualcode.importers.speakers import DEFAULT_RULES, SpeakerRules, split_turns
from qualcode.models import ParsedTranscript


def read_text(
    data: bytes,
    file_name: str,
    *,
    encoding: str | None = None,
    rules: SpeakerRules = DEFAULT_RULES,
    fmt: str = "txt",
) -> ParsedTranscript:
    """Parse a .txt or .md transcript (Markdown is read as text; bold labels are labels)."""
    text, codec = decode_text(data, encoding, name=file_name)
    text = normalise_newlines(text)
    if fmt == "md":
        text = decode_entities(text)
    if not text.strip():
        raise ImportFailed(
            file_name, "the file contains only whitespace; export the transcript again"
        )
    return build(
        data, file_name, fmt, codec, text, split_turns(text, rules), guessed=encoding is None
    )
