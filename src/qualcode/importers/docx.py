"""Word .docx transcripts: paragraphs and tables in document order, bold speaker labels."""

from __future__ import annotations

import io
import zipfile
import zlib

from docx import Document
from docx.document import Document as DocumentObject
from docx.opc.exceptions import OpcError
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml import etree

from qualcode.errors import ImportFailed
from qualcode.importers.common import build, normalise_newlines
from qualcode.importers.speakers import (
    DEFAULT_RULES,
    Label,
    SpeakerRules,
    count_labels,
    is_label_text,
    speaker_name,
    split_turns,
)
from qualcode.importers.zipsafe import check_zip
from qualcode.models import ParsedTranscript

_RESAVE = "open it in Word and save it again"
_XML_PARTS = ("[Content_Types].xml", "word/document.xml", "word/styles.xml")

# First cells of a header row in a Speaker | Utterance table.
_TABLE_HEADINGS = frozenset(
    {"speaker", "runātājs", "runātāja", "runātāji", "kas runā", "vārds", "name", "who", "role",
     "loma", "persona", "teksts", "text"}
)  # fmt: skip


def read_docx(
    data: bytes,
    file_name: str,
    *,
    encoding: str | None = None,
    rules: SpeakerRules = DEFAULT_RULES,
) -> ParsedTranscript:
    """Parse a .docx transcript (encoding is ignored: the XML inside says its own)."""
    document = _open(data, file_name)
    try:
        lines, labels = _extract(document, rules)
    # The XML parsed but its content is odd (a style or cell python-docx cannot resolve):
    # still the user's problem to fix in Word, not a crash.
    except (KeyError, ValueError, AttributeError, IndexError, etree.LxmlError) as exc:
        raise ImportFailed(
            file_name, f"could not read the document's content ({type(exc).__name__}); {_RESAVE}"
        ) from None
    text = "\n".join(lines)
    if not text.strip():
        raise ImportFailed(
            file_name, "no text found in the document; check that it is the right file"
        )
    return build(data, file_name, "docx", None, text, split_turns(text, rules, labels))


def _open(data: bytes, file_name: str) -> DocumentObject:
    """Open the package, turning every way a .docx can be broken into ImportFailed."""
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFailed(
            file_name,
            "this is an old Word .doc file or a password-protected .docx; "
            "open it in Word and save it as .docx without a password",
        )
    check_zip(data, file_name, xml_parts=_XML_PARTS)
    try:
        return Document(io.BytesIO(data))
    except (zipfile.BadZipFile, zlib.error, EOFError):
        reason = "not a valid .docx (the zip is truncated or corrupt)"
    except KeyError as exc:
        # zipfile's KeyError names the missing part, e.g. word/document.xml.
        missing = str(exc.args[0]).split("'")[1] if "'" in str(exc) else "a required part"
        reason = f"not a valid .docx ({missing} is missing)"
    except (ValueError, OpcError):
        reason = "not a Word document (the zip holds something else, maybe a spreadsheet)"
    except etree.LxmlError:
        reason = "not a valid .docx (its XML is damaged)"
    except (OSError, NotImplementedError, RuntimeError):
        # Encrypted zip entries, unsupported compression methods.
        reason = "not a readable .docx (encrypted or unusually compressed)"
    except (AttributeError, TypeError):
        # python-docx meets a package whose relationships or part names are mangled.
        reason = "not a valid .docx (its package structure is damaged)"
    raise ImportFailed(file_name, f"{reason}; {_RESAVE}")


def _extract(document: DocumentObject, rules: SpeakerRules) -> tuple[list[str], dict[int, Label]]:
    """Lines of the body in document order, and the labels that formatting revealed."""
    lines: list[str] = []
    labels: dict[int, Label] = {}
    pos = 0

    def add(line: str, label: tuple[str, int] | None = None) -> None:
        nonlocal pos
        if label is not None:
            labels[pos] = Label(pos, pos + label[1], label[0])
        lines.append(line)
        pos += len(line) + 1

    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            text = normalise_newlines(block.text)
            add(text, _paragraph_label(block, text, rules))
        elif isinstance(block, Table):
            rows = _rows(block)
            if _is_speaker_table(rows, rules):
                for row in rows:
                    label = _cell_label(row[0])
                    if not label:
                        add(row[1])  # no speaker: the utterance goes on
                    elif label.casefold() in _TABLE_HEADINGS:
                        add(" | ".join(row))
                    else:
                        add(" | ".join(row), (speaker_name(label), len(row[0]) + 3))
            else:
                for row in rows:
                    add(" | ".join(row))
    return lines, labels


def _is_bold(run: Run) -> bool:
    """Bold directly or through a character style such as Strong."""
    if run.bold is not None:
        return run.bold
    style = run.style
    return style is not None and style.font.bold is True


def _paragraph_label(
    paragraph: Paragraph, text: str, rules: SpeakerRules
) -> tuple[str, int] | None:
    """(speaker, utterance offset) when the paragraph opens with a bold "Name:" label."""
    bold = ""
    for run in paragraph.runs:
        if not run.text:
            continue
        if not _is_bold(run):
            break
        bold += run.text
    bold = normalise_newlines(bold)
    if not bold.strip() or not text.startswith(bold):
        return None  # no bold lead, or a hyperlink comes first and runs are out of step
    colon = text.find(":")
    if colon < 0:
        return None
    # The colon is inside the bold part ("**Anita:**") or right after it ("**Anita**:").
    if colon >= len(bold) and text[len(bold) : colon].strip():
        return None
    after = text[colon + 1 : colon + 2]
    label = text[:colon].strip()
    if (after and not after.isspace()) or not label or not is_label_text(label, rules):
        return None
    return speaker_name(label), colon + 1


def _rows(table: Table) -> list[list[str]]:
    """Cell texts per row; a merged cell, which python-docx repeats, counts once."""
    rows = []
    for row in table.rows:
        cells: list[str] = []
        previous = None
        for cell in row.cells:
            if previous is not None and cell._tc is previous:
                continue
            previous = cell._tc
            cells.append(normalise_newlines(cell.text))
        rows.append(cells)
    return rows


def _cell_label(cell: str) -> str:
    """A first-column cell as a label: "R:" and "R" both give "R"."""
    return cell.strip().removesuffix(":").strip()


def _is_speaker_table(rows: list[list[str]], rules: SpeakerRules) -> bool:
    """True for a two-column Speaker | Utterance table.

    Every non-empty first cell must look like a label and some label must repeat (a
    dialogue), so a two-column metadata table (Datums | ..., Vieta | ...) stays text.
    """
    if len(rows) < 2 or any(len(row) != 2 for row in rows):
        return False
    firsts = [_cell_label(row[0]) for row in rows if row[0].strip()]
    firsts = [f for f in firsts if f.casefold() not in _TABLE_HEADINGS]
    if len(firsts) < 2 or not all(is_label_text(f, rules) for f in firsts):
        return False
    return max(count_labels(firsts).values()) >= 2
