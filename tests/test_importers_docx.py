""".docx transcripts built with python-docx: bold labels, tables, headings, broken files."""

from __future__ import annotations

import io
import zipfile

import pytest
from docx import Document
from docx.document import Document as DocumentObject

from qualcode.errors import ImportFailed
from qualcode.importers import SpeakerRules, parse_bytes
from qualcode.models import INTERVIEWER, RESPONDENT, ParsedTranscript

MEDIATOR = "Romu mediatorei vajadzētu vairāk mācību un kursu, lai celtu savu kapacitāti."
MEETINGS = "Ļoti svarīgi ir regulāras tikšanās ar sociālo dienestu."


def saved(document: DocumentObject) -> bytes:
    """The .docx bytes of a document."""
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def labelled(document: DocumentObject, label: str, text: str, *, colon_bold: bool = True) -> None:
    """Add a paragraph opening with a bold label: "**Anita:** text" or "**Anita**: text"."""
    paragraph = document.add_paragraph()
    paragraph.add_run(label + (":" if colon_bold else "")).bold = True
    paragraph.add_run(("" if colon_bold else ":") + " " + text)


def turns(parsed: ParsedTranscript) -> list[tuple[str, str]]:
    """(speaker, utterance) pairs of a parsed transcript."""
    return [(t.speaker, parsed.text[t.start : t.end]) for t in parsed.turns]


def interview() -> bytes:
    """A transcript with a heading, a metadata paragraph and bold labels."""
    document = Document()
    document.add_heading("Intervija ar romu mediatori", level=1)
    document.add_paragraph("Jelgava, 2021. gada maijs")
    labelled(document, "Intervētāja", "Kas jums palīdzētu darbā?")
    labelled(document, "Anita Bērziņa", MEDIATOR, colon_bold=False)
    document.add_paragraph("Piemēram: kursi par sociālo darbu.")
    labelled(document, "Intervētāja", "Un sadarbība?")
    labelled(document, "Anita Bērziņa", MEETINGS)
    return saved(document)


def test_bold_labels_heading_and_header() -> None:
    parsed = parse_bytes(interview(), "intervija.docx")
    assert parsed.format == "docx"
    assert parsed.encoding is None
    assert parsed.text[: parsed.header_end] == (
        "Intervija ar romu mediatori\nJelgava, 2021. gada maijs\n"
    )
    assert turns(parsed) == [
        ("Intervētāja", "Kas jums palīdzētu darbā?"),
        ("Anita Bērziņa", f"{MEDIATOR}\nPiemēram: kursi par sociālo darbu."),
        ("Intervētāja", "Un sadarbība?"),
        ("Anita Bērziņa", MEETINGS),
    ]
    assert [t.role for t in parsed.turns] == [INTERVIEWER, RESPONDENT] * 2


def test_text_is_paragraphs_joined_by_newlines() -> None:
    parsed = parse_bytes(interview(), "intervija.docx")
    assert parsed.text.split("\n")[2] == "Intervētāja: Kas jums palīdzētu darbā?"
    assert parsed.text.endswith(f"Anita Bērziņa: {MEETINGS}")


def test_single_bold_name_label_counts_without_repetition() -> None:
    document = Document()
    document.add_paragraph("I: Kas?")
    labelled(document, "Marta", MEDIATOR)
    parsed = parse_bytes(saved(document), "a.docx")
    assert turns(parsed) == [("I", "Kas?"), ("Marta", MEDIATOR)]


def test_plain_text_labels_work_in_docx_too() -> None:
    document = Document()
    for line in ["I: Kas?", f"R: {MEDIATOR}", "Turpinājums.", "I: Labi."]:
        document.add_paragraph(line)
    parsed = parse_bytes(saved(document), "a.docx")
    assert turns(parsed) == [("I", "Kas?"), ("R", f"{MEDIATOR}\nTurpinājums."), ("I", "Labi.")]


def test_bold_sentence_without_label_is_not_a_speaker() -> None:
    document = Document()
    document.add_paragraph("R: Jā.")
    document.add_paragraph().add_run("Svarīgi, ka: viss notiek.").bold = True
    document.add_paragraph().add_run("Kopsavilkums:").bold = True
    parsed = parse_bytes(saved(document), "a.docx")
    assert len(parsed.turns) == 1


def test_speaker_table_becomes_turns() -> None:
    document = Document()
    document.add_heading("Intervija 2", level=2)
    table = document.add_table(rows=0, cols=2)
    for speaker, text in [
        ("Runātājs", "Teksts"),
        ("I:", "Kas jums palīdzētu?"),
        ("Marta", MEDIATOR),
        ("", "Un vēl kas."),
        ("I:", "Paldies."),
        ("Marta", MEETINGS),
    ]:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = speaker, text
    parsed = parse_bytes(saved(document), "a.docx")
    assert parsed.text[: parsed.header_end] == "Intervija 2\nRunātājs | Teksts\n"
    assert turns(parsed) == [
        ("I", "Kas jums palīdzētu?"),
        ("Marta", f"{MEDIATOR}\nUn vēl kas."),
        ("I", "Paldies."),
        ("Marta", MEETINGS),
    ]
    assert parsed.text.split("\n")[2] == "I: | Kas jums palīdzētu?"


def test_metadata_table_stays_text() -> None:
    document = Document()
    table = document.add_table(rows=0, cols=2)
    for key, value in [("Datums", "2021-05-03"), ("Vieta", "Jelgava"), ("Ilgums", "45 min")]:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = key, value
    document.add_paragraph(f"R: {MEDIATOR}")
    parsed = parse_bytes(saved(document), "a.docx")
    assert parsed.text.startswith("Datums | 2021-05-03\nVieta | Jelgava\n")
    assert turns(parsed) == [("R", MEDIATOR)]


def test_paragraphs_and_tables_keep_document_order() -> None:
    document = Document()
    document.add_paragraph("I: Pirms tabulas?")
    table = document.add_table(rows=1, cols=3)
    for cell, text in zip(table.rows[0].cells, ["a", "b", "c"], strict=True):
        cell.text = text
    document.add_paragraph("R: Pēc tabulas.")
    parsed = parse_bytes(saved(document), "a.docx")
    assert parsed.text == "I: Pirms tabulas?\na | b | c\nR: Pēc tabulas."
    assert turns(parsed) == [("I", "Pirms tabulas?\na | b | c"), ("R", "Pēc tabulas.")]


def test_docx_without_labels_warns() -> None:
    document = Document()
    document.add_paragraph(MEDIATOR)
    parsed = parse_bytes(saved(document), "a.docx")
    assert turns(parsed) == [("R", MEDIATOR)]
    assert parsed.warnings == ("no speaker labels found; the whole text is one respondent turn",)


def test_extra_labels_apply_to_docx() -> None:
    document = Document()
    document.add_paragraph(f"Mediatore: {MEDIATOR}")
    parsed = parse_bytes(
        saved(document), "a.docx", rules=SpeakerRules(labels=frozenset({"mediatore"}))
    )
    assert turns(parsed) == [("Mediatore", MEDIATOR)]


def test_truncated_docx_is_import_failed() -> None:
    data = interview()
    with pytest.raises(
        ImportFailed, match=r"not a valid \.docx \(the zip is truncated or corrupt\)"
    ):
        parse_bytes(data[: len(data) // 2], "a.docx")


def test_text_file_renamed_docx_is_import_failed() -> None:
    with pytest.raises(ImportFailed, match="open it in Word and save it again"):
        parse_bytes(f"R: {MEDIATOR}".encode(), "a.docx")


def test_old_doc_file_is_import_failed() -> None:
    with pytest.raises(ImportFailed, match=r"old Word \.doc file"):
        parse_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "a.docx")


def rezipped(data: bytes, replace: dict[str, bytes | None]) -> bytes:
    """A copy of a zip with some members replaced (or dropped, for None)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name in source.namelist():
            content = replace.get(name, source.read(name))
            if content is not None:
                target.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("replace", "reason"),
    [
        ({"word/document.xml": None}, r"word/document\.xml is missing"),
        ({"[Content_Types].xml": None}, r"\[Content_Types\]\.xml is missing"),
        ({"word/document.xml": b"<w:document broken"}, "its XML is damaged"),
    ],
)
def test_damaged_docx_parts_are_import_failed(
    replace: dict[str, bytes | None], reason: str
) -> None:
    with pytest.raises(ImportFailed, match=reason):
        parse_bytes(rezipped(interview(), replace), "a.docx")


def test_zip_that_is_not_a_word_document_is_import_failed() -> None:
    data = rezipped(interview(), {})
    content_types = zipfile.ZipFile(io.BytesIO(data)).read("[Content_Types].xml")
    spreadsheet = content_types.replace(
        b"wordprocessingml.document.main+xml", b"spreadsheetml.sheet.main+xml"
    )
    with pytest.raises(ImportFailed, match="not a Word document"):
        parse_bytes(rezipped(data, {"[Content_Types].xml": spreadsheet}), "a.docx")


def test_empty_document_is_import_failed() -> None:
    document = Document()
    document.add_paragraph("   ")
    with pytest.raises(ImportFailed, match="no text found in the document"):
        parse_bytes(saved(document), "a.docx")
