"""Speaker layouts of real exports, each on invented text in that layout."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from docx import Document

from qualcode.errors import ImportFailed
from qualcode.importers import parse_bytes
from qualcode.importers.encoding import count_bad_controls
from qualcode.importers.preview import preview_file, render_preview
from qualcode.language import guess_language
from qualcode.models import INTERVIEWER


def speakers_of(data: str | bytes, name: str = "t.txt") -> list[str]:
    """The speaker of each turn."""
    raw = data.encode() if isinstance(data, str) else data
    return [t.speaker for t in parse_bytes(raw, name).turns]


def docx_bytes(paragraphs: list[str]) -> bytes:
    """A .docx with one paragraph per string."""
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


LAYOUTS = [
    # Otter / Teams / Zoom: name and time alone on a line, the utterance below.
    (
        "Maija Ozola  0:00\nSveiki visi.\nKā iet?\nUnknown Speaker   00:01:02\nLabi.\n"
        "Maija Ozola  0:09\nPaldies.\n",
        ["Maija Ozola", "Unknown Speaker", "Maija Ozola"],
    ),
    ("[00:00:05] Rūta: Sākam.\n[00:00:09] Edgars: Jā.\n", ["Rūta", "Edgars"]),
    ("Rūta (00:01): Sākam.\nEdgars (00:07): Jā, labi.\n", ["Rūta", "Edgars"]),
    ("00:05:16\tRūta Kalna:\tSveiki!\n00:05:30\tEdgars:\tčau\n", ["Rūta Kalna", "Edgars"]),
    (
        "[id1] first voice\n[id2] second voice\n[id1] again\n[id2] too\n",
        ["id1", "id2", "id1", "id2"],
    ),
    ("Q: Why?\nA: Because.\nQ: Sure?\n", ["Q", "A", "Q"]),
    ("INT: Start.\nRESP: Fine.\n", ["INT", "RESP"]),
    ("I: Hello.\nP1: Hi.\nI: Go on.\nP1: Ok.\n", ["I", "P1", "I", "P1"]),
    (
        "Interviewer 1: Yes?\nInterviewee: No.\nInterviewer 2: Why?\n",
        ["Interviewer 1", "Interviewee", "Interviewer 2"],
    ),
    (
        "HOST: Welcome.\nGUEST: Thanks.\nHOST: So.\nGUEST: Yes.\n",
        ["HOST", "GUEST", "HOST", "GUEST"],
    ),
    (
        "Ievads par sēdi.\n\nSēdes vadītājs. Labrīt!\nTurpinām.\n\nA. Ozols (ZZS). Paldies.\n\n"
        "Sēdes vadītājs. Sēdi slēdzu.\n",
        ["Sēdes vadītājs", "A. Ozols (ZZS)", "Sēdes vadītājs"],
    ),
    (
        "ĀRIJA ŠĶĒLE: Sveiki.\nŽANIS ĢĪĶIS: Čau.\nĀRIJA ŠĶĒLE: Nu?\nŽANIS ĢĪĶIS: Jā.\n",
        ["ĀRIJA ŠĶĒLE", "ŽANIS ĢĪĶIS", "ĀRIJA ŠĶĒLE", "ŽANIS ĢĪĶIS"],
    ),
]


@pytest.mark.parametrize(("text", "expected"), LAYOUTS)
def test_text_layout_gives_speaker_turns(text: str, expected: list[str]) -> None:
    assert speakers_of(text) == expected


MARKDOWN = [
    ("**Lena Berg:** Hi.\n\n**Tom Hale:** Hello.\n", ["Lena Berg", "Tom Hale"]),
    (
        "**Lena** Hi there.\n\n**Tom** Hello.\n\n**Lena** Bye.\n\n**Tom** Bye.\n",
        ["Lena", "Tom", "Lena", "Tom"],
    ),
    (
        "**Lena** [0:00] Hi.\n\n**Tom** [0:04] Hey.\n\n**Lena** [0:09] So.\n\n**Tom** [1:02] Ok.\n",
        ["Lena", "Tom", "Lena", "Tom"],
    ),
    (
        "# Transcript\n\n### Interviewer\nWhat now?\n\n### Team Lead\n\nWe wait.\n\n"
        "### Interviewer\nWhy?\n\n### Team Lead\nBecause.\n",
        ["Interviewer", "Team Lead", "Interviewer", "Team Lead"],
    ),
    (
        "**Lena:** Hi.\n\n**Break:** [07:50]\n\n**Tom:** Back.\n\n[Music]\n\n**Lena:** Yes.\n",
        ["Lena", "Tom", "Lena"],
    ),
]


@pytest.mark.parametrize(("text", "expected"), MARKDOWN)
def test_markdown_layout_gives_speaker_turns(text: str, expected: list[str]) -> None:
    assert speakers_of(text, "t.md") == expected


def test_markdown_entities_are_decoded_but_bare_ampersands_stay() -> None:
    pt = parse_bytes(
        b"**Lena** we&#39;re at R&D &amp; co\n\n**Tom** ok\n\n**Lena** a\n\n**Tom** b", "t.md"
    )
    assert pt.text[pt.turns[0].start : pt.turns[0].end] == "we're at R&D & co"


def test_word_tab_labels_stage_directions_and_multiple_students() -> None:
    data = docx_bytes(
        ["Teacher 2:\tLet us start.", "[Cross Talk 3:00]", "Multiple Students:\tYes!",
         "[inaudible]", "Teacher 2:\tGood."]
    )  # fmt: skip
    pt = parse_bytes(data, "t.docx")
    assert [t.speaker for t in pt.turns] == ["Teacher 2", "Multiple Students", "Teacher 2"]
    assert "[Cross Talk 3:00]" in pt.text[pt.turns[0].start : pt.turns[0].end]


def test_word_metadata_paragraphs_are_header_even_with_blank_lines() -> None:
    data = docx_bytes(
        ["Interviewer: Jane Roe", "", "Date: 1 May 2001", "", "Narrator: Abe Lin", "",
         "JR: Where were you born?", "AL: In a village.", "JR: And then?", "AL: The city."]
    )  # fmt: skip
    pt = parse_bytes(data, "t.docx")
    assert [t.speaker for t in pt.turns] == ["JR", "AL", "JR", "AL"]
    assert "Date: 1 May 2001" in pt.text[: pt.header_end]
    assert pt.proposed_interviewer == "JR"


def test_otter_layout_in_word_paragraphs() -> None:
    data = docx_bytes(
        ["Ana Gil   0:01", "Hello there?", "Bo Chen   0:05", "Hi.", "Ana Gil   0:09", "Ok."]
    )
    assert speakers_of(data, "t.docx") == ["Ana Gil", "Bo Chen", "Ana Gil"]


def test_interviewer_is_proposed_from_questions_and_not_when_known() -> None:
    text = "Ana: Why? How?\nBo: Because.\nAna: Really?\nBo: Yes.\n"
    pt = parse_bytes(text.encode(), "t.txt")
    assert pt.proposed_interviewer == "Ana"
    assert dict(pt.speaker_turns) == {"Ana": 2, "Bo": 2}
    assert any("--interviewer 'Ana'" in w for w in pt.warnings)
    known = parse_bytes(b"I: Why? How? Who?\nR: Because.\n", "t.txt")
    assert known.proposed_interviewer is None
    assert known.turns[0].role == INTERVIEWER


VTT = (
    "WEBVTT\n\nSTYLE\n::cue { color: red }\n\nREGION\nid:left\n\nNOTE a comment\n\n"
    "5d1f-guid/1-0\n0:0:0.0 --> 0:0:2.570\n<v Carlos Far&#237;as>Hola a todos.</v>\n\n"
    "5d1f-guid/2-0\n0:0:3.0 --> 0:0:5.0\n<v Ana>Buenos días.</v>\n"
)


def test_vtt_entities_unpadded_timings_and_blocks() -> None:
    pt = parse_bytes(VTT.encode(), "t.vtt")
    assert [t.speaker for t in pt.turns] == ["Carlos Farías", "Ana"]
    assert pt.turns[0].end_time == 2.57


def test_srt_speaker_prefix_rules() -> None:
    cues = ["ANA: Hola.", "BO: Sí.", "ANA: Bien."]
    srt = "".join(
        f"{i}\n00:00:0{i},000 --> 00:00:0{i},900\n{cue}\n\n" for i, cue in enumerate(cues, 1)
    )
    # BO speaks once: still a speaker, as the repeated ANA shows the layout.
    assert speakers_of(srt, "t.srt") == ["ANA", "BO", "ANA"]


@pytest.mark.parametrize("hours", ["9" * 5000, "9" * 30])
def test_huge_subtitle_hours_are_a_clear_error(hours: str) -> None:
    data = f"1\n{hours}:00:00,000 --> 00:00:01,000\nhi\n".encode()
    with pytest.raises(ImportFailed, match="out of range"):
        parse_bytes(data, "t.srt")


def test_subtitle_parsing_is_linear_on_hostile_cues() -> None:
    one = "".join(f"00:00:01.000 --> 00:00:02.000\nAna: w{i}\n\n" for i in range(20000))
    voices = "00:00:01.000 --> 00:00:02.000\n" + "<v " * 50000 + "\n"
    started = time.process_time()
    assert len(parse_bytes(("WEBVTT\n\n" + one).encode(), "a.vtt").turns) == 1
    parse_bytes(("WEBVTT\n\n" + voices).encode(), "b.vtt")
    assert time.process_time() - started < 5


def zip_with(members: dict[str, bytes]) -> bytes:
    """A deflated zip of these members."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize("ext", ["docx", "odt"])
def test_zip_bomb_is_refused_before_inflating(ext: str) -> None:
    bomb = zip_with({"[Content_Types].xml": b"<x/>", "word/document.xml": b"\0" * (60 * 2**20)})
    started = time.process_time()
    with pytest.raises(ImportFailed, match="zip bomb"):
        parse_bytes(bomb, f"t.{ext}")
    assert time.process_time() - started < 1


def test_zip_slip_names_and_dtds_are_refused() -> None:
    with pytest.raises(ImportFailed, match="unsafe member name"):
        parse_bytes(zip_with({"../evil.xml": b"x"}), "t.docx")
    laughs = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    with pytest.raises(ImportFailed, match="DTD"):
        parse_bytes(zip_with({"word/document.xml": laughs}), "t.docx")


def test_control_character_count_matches_unicode_category() -> None:
    import unicodedata

    text = "".join(chr(c) for c in range(0x200))
    allowed = set("\t\n\r\x0b\x0c\x1a")
    expected = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in allowed)
    assert count_bad_controls(text) == expected


def test_control_character_check_is_fast_on_a_million_words() -> None:
    text = "vārds un teikums " * 333_334
    started = time.process_time()
    parse_bytes(text.encode(), "big.txt")
    assert time.process_time() - started < 4


def test_odt_rtf_and_pdf_are_read_with_speaker_rules() -> None:
    from odf.opendocument import OpenDocumentText
    from odf.text import P

    document = OpenDocumentText()
    for line in ["I: Kā sauc?", "R: Anna.", "I: Labi."]:
        document.text.addElement(P(text=line))
    out = io.BytesIO()
    document.write(out)
    assert speakers_of(out.getvalue(), "t.odt") == ["I", "R", "I"]
    rtf = rb"{\rtf1\ansi\ansicpg1257 I: K\'e2 sauc?\par R: Anna.\par}"
    pt = parse_bytes(rtf, "t.rtf")
    assert [t.speaker for t in pt.turns] == ["I", "R"]
    assert "Kā" in pt.text


def test_pdf_without_text_layer_asks_for_ocr() -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(ImportFailed, match="OCR"):
        parse_bytes(out.getvalue(), "scan.pdf")


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        (
            "Hola, me llamo Carlos y trabajo en la oficina del ayuntamiento desde hace diez años "
            "con mis compañeros.",
            "es",
        ),
        (
            "Bonjour, je m'appelle Claire et je travaille à la mairie depuis dix ans avec mes "
            "collègues.",
            "fr",
        ),
        (
            "Goedemorgen, ik werk al tien jaar bij de gemeente en dat bevalt mij eigenlijk heel "
            "goed zo.",
            "nl",
        ),
        (
            "Laba diena, aš esu Jonas ir dirbu mokykloje jau dešimt metų su savo kolegomis ir "
            "mokiniais.",
            "lt",
        ),
        (
            "Labdien, es esmu Anna un strādāju skolā jau desmit gadus kopā ar saviem kolēģiem "
            "un skolēniem.",
            "lv",
        ),
    ],
)
def test_language_is_identified_not_forced_to_lv_or_en(text: str, lang: str) -> None:
    assert guess_language(text) == lang


def test_short_text_language_stays_unknown() -> None:
    assert guess_language("Sí, claro.", "xx") == "xx"


def test_preview_summarises_a_file(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "a.txt"
    path.write_text("Datums: 2024\n\nAna: Why? How?\nBo: Because.\nAna: Really?\nBo: Yes.\n")
    preview = preview_file(path)
    assert [(s.name, s.turns) for s in preview.speakers] == [("Ana", 2), ("Bo", 2)]
    assert preview.proposed_interviewer == "Ana"
    assert "interviewer guessed: Ana" in render_preview(preview)
