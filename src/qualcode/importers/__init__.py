"""Read transcript files (.txt .md .docx .odt .rtf .pdf .vtt .srt) as ParsedTranscript."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from qualcode.errors import ImportFailed
from qualcode.importers.encoding import decode_text
from qualcode.importers.speakers import (
    DEFAULT_INTERVIEWERS,
    DEFAULT_RESPONDENTS,
    DEFAULT_RULES,
    SpeakerRules,
)
from qualcode.importers.subtitles import read_subtitles
from qualcode.importers.txt import read_text
from qualcode.models import ParsedTranscript

__all__ = [
    "DEFAULT_INTERVIEWERS",
    "DEFAULT_RESPONDENTS",
    "READERS",
    "SUPPORTED_EXTENSIONS",
    "SpeakerRules",
    "decode_text",
    "parse_bytes",
    "read_transcript",
]

Reader = Callable[..., ParsedTranscript]


def read_docx(data: bytes, file_name: str, **options: object) -> ParsedTranscript:
    """Read a .docx; python-docx (lxml) is imported only when a Word file is read."""
    from qualcode.importers.docx import read_docx as read

    return read(data, file_name, **options)  # type: ignore[arg-type]


def _document_reader(name: str) -> Reader:
    """A reader from importers.documents, imported when such a file is read."""

    def read(data: bytes, file_name: str, **options: object) -> ParsedTranscript:
        from qualcode.importers import documents

        return getattr(documents, name)(data, file_name, **options)  # type: ignore[no-any-return]

    read.__doc__ = f"Read with importers.documents.{name}."
    return read


# Extension -> reader(data, file_name, *, encoding, rules). Adding a format is one line here.
READERS: dict[str, Reader] = {
    ".txt": partial(read_text, fmt="txt"),
    ".md": partial(read_text, fmt="md"),
    ".docx": read_docx,
    ".vtt": partial(read_subtitles, fmt="vtt"),
    ".srt": partial(read_subtitles, fmt="srt"),
    ".odt": _document_reader("read_odt"),
    ".rtf": _document_reader("read_rtf"),
    ".pdf": _document_reader("read_pdf"),
    ".doc": _document_reader("read_doc"),
}
SUPPORTED_EXTENSIONS: tuple[str, ...] = tuple(READERS)
_SUPPORTED = ", ".join(SUPPORTED_EXTENSIONS)


def _reader(file_name: str) -> Reader:
    """The reader for a file name's extension, or ImportFailed naming the supported ones."""
    suffix = Path(file_name).suffix.lower()
    if not suffix:
        raise ImportFailed(
            file_name, f"no file extension; qualcode reads {_SUPPORTED}: rename the file"
        )
    if suffix not in READERS:
        raise ImportFailed(file_name, f"unknown extension {suffix}; qualcode reads {_SUPPORTED}")
    return READERS[suffix]


def parse_bytes(
    data: bytes,
    file_name: str,
    *,
    encoding: str | None = None,
    rules: SpeakerRules = DEFAULT_RULES,
) -> ParsedTranscript:
    """Parse the bytes of a transcript file; file_name picks the format by its extension."""
    reader = _reader(file_name)
    if not data:
        raise ImportFailed(file_name, "the file is empty; export the transcript again")
    try:
        return reader(data, file_name, encoding=encoding, rules=rules)
    except ImportFailed:
        raise
    except RecursionError:
        raise ImportFailed(file_name, "the file is nested too deeply to read") from None
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, LookupError) as exc:
        # A damaged file that a format library trips over: one line, never a traceback.
        raise ImportFailed(
            file_name,
            f"could not read the file ({type(exc).__name__}: {str(exc)[:80]}); "
            "open it in the program that made it and save it again",
        ) from None


def read_transcript(
    path: Path,
    *,
    encoding: str | None = None,
    rules: SpeakerRules = DEFAULT_RULES,
) -> ParsedTranscript:
    """Read and parse one transcript file; errors name the path."""
    path = Path(path)
    _reader(str(path))
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ImportFailed(str(path), "no such file; check the path") from None
    except IsADirectoryError:
        raise ImportFailed(str(path), "is a folder, not a file; give the transcript file") from None
    except OSError as exc:
        raise ImportFailed(
            str(path), f"cannot read the file ({exc.strerror}); check its permissions"
        ) from None
    try:
        return parse_bytes(data, path.name, encoding=encoding, rules=rules)
    except ImportFailed as exc:
        # Readers only know the file name; the user needs the path they typed.
        raise ImportFailed(str(path), exc.reason) from None
