"""OpenDocument (.odt), RTF and text PDF transcripts; a clear message for old .doc files.

Each reader extracts the text paragraph by paragraph and then applies the same speaker
rules as plain text. The libraries (odfpy, striprtf, pypdf) are imported only when such a
file is read.
"""

from __future__ import annotations

import io

from qualcode.errors import ImportFailed
from qualcode.importers.common import build, normalise_newlines
from qualcode.importers.encoding import decode_text
from qualcode.importers.speakers import DEFAULT_RULES, SpeakerRules, split_turns
from qualcode.importers.zipsafe import check_zip
from qualcode.models import ParsedTranscript

_ODT_XML = ("content.xml", "styles.xml", "meta.xml", "META-INF/manifest.xml")


def _finish(
    data: bytes, file_name: str, fmt: str, encoding: str | None, text: str, rules: SpeakerRules
) -> ParsedTranscript:
    """Split extracted text into turns, or say there is no text."""
    text = normalise_newlines(text)
    if not text.strip():
        raise ImportFailed(
            file_name, "no text found in the document; check that it is the right file"
        )
    return build(data, file_name, fmt, encoding, text, split_turns(text, rules))


def read_odt(
    data: bytes,
    file_name: str,
    *,
    encoding: str | None = None,
    rules: SpeakerRules = DEFAULT_RULES,
) -> ParsedTranscript:
    """Parse an OpenDocument text file: paragraphs and headings in document order."""
    check_zip(data, file_name, xml_parts=_ODT_XML)
    from odf import teletype
    from odf.namespaces import TEXTNS
    from odf.opendocument import load

    try:
        document = load(io.BytesIO(data))
    except Exception as exc:  # odfpy raises zip, XML and KeyError failures alike
        raise ImportFailed(
            file_name,
            f"not a readable .odt ({type(exc).__name__}); open it in LibreOffice and save it again",
        ) from None
    wanted = {(TEXTNS, "p"), (TEXTNS, "h")}
    lines: list[str] = []

    def walk(node: object) -> None:
        for child in getattr(node, "childNodes", ()):
            if getattr(child, "qname", None) in wanted:
                lines.append(teletype.extractText(child))
            else:
                walk(child)

    walk(document.text)
    return _finish(data, file_name, "odt", None, "\n".join(lines), rules)


def read_rtf(
    data: bytes,
    file_name: str,
    *,
    encoding: str | None = None,
    rules: SpeakerRules = DEFAULT_RULES,
) -> ParsedTranscript:
    """Parse an RTF file (its \\ansicpg code page decides the letters, default cp1252)."""
    from striprtf.striprtf import rtf_to_text

    source, _ = decode_text(data, encoding or "latin-1", name=file_name)
    if not source.lstrip().startswith("{\\rtf"):
        raise ImportFailed(file_name, "not an RTF file (no {\\rtf header); check the file")
    codepage = "cp1252"
    marker = source.find("\\ansicpg")
    if marker >= 0:
        digits = "".join(ch for ch in source[marker + 8 : marker + 14] if ch.isdigit())
        codepage = f"cp{digits}" if digits else codepage
    try:
        text = rtf_to_text(source, encoding=codepage, errors="replace")  # type: ignore[no-untyped-call]
    except LookupError:
        text = rtf_to_text(source, errors="replace")  # type: ignore[no-untyped-call]
    return _finish(data, file_name, "rtf", codepage, text, rules)


def read_pdf(
    data: bytes,
    file_name: str,
    *,
    encoding: str | None = None,
    rules: SpeakerRules = DEFAULT_RULES,
) -> ParsedTranscript:
    """Parse a PDF with a text layer; a scanned PDF gets an error asking for OCR."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ImportFailed(file_name, "the PDF is password-protected; save it without one")
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise ImportFailed(
            file_name, f"not a readable PDF ({type(exc).__name__}); export it again"
        ) from None
    text = "\n".join(page.rstrip("\n") for page in pages)
    if not text.strip():
        raise ImportFailed(
            file_name,
            "the PDF has no text layer (a scan); run OCR on it first, or export the "
            "transcript as .docx or .txt",
        )
    return _finish(data, file_name, "pdf", None, text, rules)


def read_doc(
    data: bytes,
    file_name: str,
    *,
    encoding: str | None = None,
    rules: SpeakerRules = DEFAULT_RULES,
) -> ParsedTranscript:
    """Old binary Word files are not read: say how to convert them."""
    raise ImportFailed(
        file_name, "old Word .doc files are not supported; open it in Word and save it as .docx"
    )
