"""Text and Markdown transcripts: speaker labels, header, offsets, and bad input."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from qualcode.errors import ImportFailed
from qualcode.importers import SUPPORTED_EXTENSIONS, SpeakerRules, parse_bytes, read_transcript
from qualcode.models import INTERVIEWER, RESPONDENT, ParsedTranscript

MEDIATOR = "Romu mediatorei vajadzētu vairāk mācību un kursu, lai celtu savu kapacitāti."
MEETINGS = "Ļoti svarīgi ir regulāras tikšanās ar sociālo dienestu."


def parse(text: str, name: str = "interview.txt", **kwargs: object) -> ParsedTranscript:
    """Parse text saved as UTF-8."""
    return parse_bytes(text.encode("utf-8"), name, **kwargs)  # type: ignore[arg-type]


def turns(parsed: ParsedTranscript) -> list[tuple[str, str]]:
    """(speaker, utterance) pairs of a parsed transcript."""
    return [(t.speaker, parsed.text[t.start : t.end]) for t in parsed.turns]


def test_supported_extensions() -> None:
    assert SUPPORTED_EXTENSIONS == (
        ".txt",
        ".md",
        ".docx",
        ".vtt",
        ".srt",
        ".odt",
        ".rtf",
        ".pdf",
        ".doc",
    )


def test_basic_labels_give_turns_with_clean_offsets() -> None:
    parsed = parse(f"I: Kas jums palīdzētu?\nR: {MEDIATOR}\nI:   Un vēl?  \nR: {MEETINGS}\n")
    assert turns(parsed) == [
        ("I", "Kas jums palīdzētu?"),
        ("R", MEDIATOR),
        ("I", "Un vēl?"),
        ("R", MEETINGS),
    ]
    assert [t.role for t in parsed.turns] == [INTERVIEWER, RESPONDENT] * 2
    assert parsed.header_end == 0
    assert parsed.format == "txt"
    assert parsed.warnings == ()


def test_sha256_is_of_the_source_bytes() -> None:
    data = f"R: {MEDIATOR}\r\n".encode("cp1257")
    assert parse_bytes(data, "a.txt").sha256 == hashlib.sha256(data).hexdigest()


def test_crlf_and_cr_become_lf_and_offsets_follow() -> None:
    parsed = parse(f"I: Jautājums?\r\nR: {MEDIATOR}\r\nTurpinājums.\rBeigas.\r\n")
    assert "\r" not in parsed.text
    assert turns(parsed)[1] == ("R", f"{MEDIATOR}\nTurpinājums.\nBeigas.")


def test_known_labels_are_case_insensitive_and_latvian() -> None:
    text = "intervētāja: Labdien!\nRESPONDENTE: Labdien.\nInt: Sāksim.\nResp: Jā.\nq: ?\na: !\n"
    parsed = parse(text)
    assert [t.speaker for t in parsed.turns] == [
        "intervētāja", "RESPONDENTE", "Int", "Resp", "q", "a"
    ]  # fmt: skip
    assert [t.role for t in parsed.turns] == [INTERVIEWER, RESPONDENT] * 3


def test_numbered_labels_keep_their_role() -> None:
    parsed = parse("Intervētāja 2: Jā?\nR1: Nē.\nI1: Labi.\n")
    assert [(t.speaker, t.role) for t in parsed.turns] == [
        ("Intervētāja 2", INTERVIEWER),
        ("R1", RESPONDENT),
        ("I1", INTERVIEWER),
    ]


def test_header_before_first_label_is_kept_but_not_a_turn() -> None:
    text = f"Intervija Nr. 3, Jelgava\nIeraksts: audio\n\nI: Labdien!\nR: {MEDIATOR}\n"
    parsed = parse(text)
    assert parsed.text == text
    assert parsed.text[: parsed.header_end] == "Intervija Nr. 3, Jelgava\nIeraksts: audio\n\n"
    assert turns(parsed) == [("I", "Labdien!"), ("R", MEDIATOR)]


def test_metadata_block_with_speaker_words_is_header() -> None:
    text = (
        "Datums: 2021-05-03\nIntervētāja: Anna Liepa\nRespondents: romu mediatore, Jelgava\n\n"
        f"I: Labdien!\nR: {MEDIATOR}\nI: Paldies.\n"
    )
    parsed = parse(text)
    assert parsed.text[: parsed.header_end].startswith("Datums")
    assert [t.speaker for t in parsed.turns] == ["I", "R", "I"]


def test_one_off_opening_turn_with_question_is_not_header() -> None:
    parsed = parse("Intervētāja: Labdien! Vai varam sākt?\n\nR: Jā.\nI: Labi.\nR: Sākam.\n")
    assert [t.speaker for t in parsed.turns] == ["Intervētāja", "R", "I", "R"]


def test_continuation_lines_lists_quotes_and_blank_lines_stay_in_the_turn() -> None:
    utterance = f"{MEDIATOR}\n\n- kursi;\n- semināri.\n\n> „{MEETINGS}”\n    atkāpe"
    parsed = parse(f"I: Kas vajadzīgs?\nR: {utterance}\n\n\nI: Paldies.\n")
    assert turns(parsed)[1] == ("R", utterance)


def test_piemeram_inside_a_turn_is_not_a_speaker() -> None:
    parsed = parse(f"I: Kas?\nR: {MEDIATOR}\nPiemēram: kursi par sociālo darbu.\nNote: x\n")
    assert turns(parsed)[1] == (
        "R",
        f"{MEDIATOR}\nPiemēram: kursi par sociālo darbu.\nNote: x",
    )


def test_piemeram_twice_is_still_not_a_speaker() -> None:
    parsed = parse("R: Jā.\nPiemēram: kursi.\nI: Vēl?\nR: Nē.\nPiemēram: semināri.\n")
    assert [t.speaker for t in parsed.turns] == ["R", "I", "R"]


def test_ordinary_sentence_with_colon_is_not_a_speaker() -> None:
    parsed = parse("R: Jā.\nEs domāju: tas ir svarīgi.\nEs domāju: jā.\n")
    assert len(parsed.turns) == 1


def test_name_label_needs_two_lines_or_bold() -> None:
    once = parse(f"I: Kas?\nAnita: {MEDIATOR}\n")
    assert [t.speaker for t in once.turns] == ["I"]
    twice = parse(f"Anita Bērziņa: {MEDIATOR}\nDr. Smith: Paldies.\nAnita Bērziņa: {MEETINGS}\n")
    assert [t.speaker for t in twice.turns] == ["Anita Bērziņa", "Anita Bērziņa"]
    assert "Dr. Smith: Paldies." in twice.text[twice.turns[0].start : twice.turns[0].end]


def test_name_labels_repeated_become_speakers_with_respondent_role() -> None:
    text = "Dr. Smith: Sveiki.\nAnita Bērziņa: Labdien.\nDr. Smith: Sāksim.\nAnita Bērziņa: Jā.\n"
    parsed = parse(text)
    assert [t.speaker for t in parsed.turns] == ["Dr. Smith", "Anita Bērziņa"] * 2
    assert {t.role for t in parsed.turns} == {RESPONDENT}


def test_extra_labels_are_recognised_once() -> None:
    rules = SpeakerRules(labels=frozenset({"Anita"}))
    parsed = parse(f"I: Kas?\nanita: {MEDIATOR}\n", rules=rules)
    assert turns(parsed) == [("I", "Kas?"), ("anita", MEDIATOR)]


def test_custom_interviewers_decide_role() -> None:
    rules = SpeakerRules(interviewers=frozenset({"Jānis"}))
    parsed = parse("Jānis: Kas?\nAnita: Jā.\nJānis: Labi.\nAnita: Nē.\n", rules=rules)
    assert [t.role for t in parsed.turns] == [INTERVIEWER, RESPONDENT] * 2
    assert rules.role("JĀNIS") == INTERVIEWER
    assert rules.role("I") == RESPONDENT


def test_default_role_mapping() -> None:
    rules = SpeakerRules()
    for label in ["I", "int", "Q", "Intervētājs", "INTERVĒTĀJA", "Interviewer", "Moderatore"]:
        assert rules.role(label) == INTERVIEWER, label
    for label in ["R", "A", "Respondents", "Anita", "Moderatoru"]:
        assert rules.role(label) == RESPONDENT, label


def test_markdown_bold_labels() -> None:
    text = f"# Intervija\n\n**Interviewer:** Kas?\n**R**: {MEDIATOR}\n__Anita:__ {MEETINGS}\n"
    parsed = parse(text, "interview.md")
    assert parsed.format == "md"
    assert turns(parsed) == [("Interviewer", "Kas?"), ("R", MEDIATOR), ("Anita", MEETINGS)]
    assert parsed.text[: parsed.header_end] == "# Intervija\n\n"


def test_bold_lead_in_phrase_is_not_a_speaker() -> None:
    parsed = parse("R: Jā.\n**Galvenā problēma:** nav laika.\n**Piezīme:** x\n", "a.md")
    assert len(parsed.turns) == 1


def test_timestamps_before_labels_are_skipped_and_kept_as_start_time() -> None:
    text = f"[00:12:03] R: {MEDIATOR}\n00:12 I: Un?\n(01:02:03.5) - R: {MEETINGS}\n"
    parsed = parse(text)
    assert turns(parsed) == [("R", MEDIATOR), ("I", "Un?"), ("R", MEETINGS)]
    assert [t.start_time for t in parsed.turns] == [723.0, 12.0, 3723.5]


def test_label_without_space_after_colon_only_for_known_labels() -> None:
    parsed = parse("I:Kā iet?\nR:Labi.\nSkat.:http://example.lv\n")
    assert turns(parsed) == [("I", "Kā iet?"), ("R", "Labi.\nSkat.:http://example.lv")]


def test_empty_turn_is_kept_with_start_equal_to_end() -> None:
    parsed = parse("I: Kas?\nR:\nI: Atkārtošu: kas?\nR: Jā.\n")
    assert [t.speaker for t in parsed.turns] == ["I", "R", "I", "R"]
    empty = parsed.turns[1]
    assert empty.start == empty.end == parsed.text.index("R:") + 2


def test_label_alone_on_its_line_takes_the_next_lines() -> None:
    parsed = parse(f"Interviewer:\nKas?\n\nRespondent:\n{MEDIATOR}\n")
    assert turns(parsed) == [("Interviewer", "Kas?"), ("Respondent", MEDIATOR)]


def test_no_labels_whole_text_is_one_respondent_turn_with_warning() -> None:
    text = f"\n  {MEDIATOR}\n{MEETINGS}\n\n"
    parsed = parse(text)
    assert parsed.header_end == 0
    assert turns(parsed) == [("R", f"{MEDIATOR}\n{MEETINGS}")]
    assert parsed.turns[0].role == RESPONDENT
    assert parsed.warnings == ("no speaker labels found; the whole text is one respondent turn",)


def test_nfd_latvian_labels_are_recognised() -> None:
    nfd = "Interve\u0304ta\u0304ja: Jā?\nR: Nē.\n"
    parsed = parse(nfd)
    assert parsed.text == nfd  # the text is kept exactly
    assert parsed.turns[0].speaker == "Intervētāja"  # the speaker is NFC
    assert parsed.turns[0].role == INTERVIEWER


def test_unicode_line_separators_do_not_shift_offsets() -> None:
    utterance = f"{MEDIATOR}\u2028{MEETINGS}\x0cbeigas"
    parsed = parse(f"I: Kas?\nR: {utterance}\nI: Labi.\n")
    assert turns(parsed)[1] == ("R", utterance)


def test_cp1257_file_gives_latvian_turns() -> None:
    parsed = parse_bytes(f"I: Kas?\r\nR: {MEETINGS}\r\n".encode("cp1257"), "a.txt")
    assert parsed.encoding == "cp1257"
    assert turns(parsed)[1] == ("R", MEETINGS)


def test_guessed_non_baltic_encoding_warns() -> None:
    text = "R: Très bien, à côté de l'église, le garçon répète: où est-ce?\n" * 3
    parsed = parse_bytes(text.encode("cp1252"), "a.txt")
    assert parsed.text == text
    assert any("encoding guessed as cp1252" in w for w in parsed.warnings)


def test_explicit_encoding_is_used() -> None:
    parsed = parse_bytes(f"R: {MEETINGS}".encode("iso8859_13"), "a.txt", encoding="iso8859-13")
    assert (parsed.encoding, turns(parsed)) == ("iso8859-13", [("R", MEETINGS)])


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (b"", "a.txt", "the file is empty; export the transcript again"),
        (b" \r\n\t\n", "a.txt", "the file contains only whitespace; export the transcript again"),
        (b"R: x\x00\x00y", "a.txt", r"looks like a binary file, not text \(NUL bytes\)"),
        (b"%PDF-1.4", "a.pdf", r"not a readable PDF .*; export it again"),
        (b"\xd0\xcf\x11\xe0old", "a.doc", r"save it as \.docx"),
        (b"R: x", "README", "no file extension"),
        (bytes(range(0x80, 0x100)), "a.txt", "cannot decode as UTF-8, UTF-16, Windows-1257"),
    ],
)
def test_bad_input_is_import_failed_with_advice(data: bytes, name: str, reason: str) -> None:
    with pytest.raises(ImportFailed, match=reason) as info:
        parse_bytes(data, name)
    assert info.value.path == name
    assert ";" in info.value.reason  # what is wrong; what to do


def test_unknown_encoding_is_import_failed() -> None:
    with pytest.raises(ImportFailed, match="unknown encoding 'foo'"):
        parse_bytes(b"R: x", "a.txt", encoding="foo")


def test_read_transcript_reads_a_file_and_names_it(tmp_path: Path) -> None:
    path = tmp_path / "Intervija 1.TXT"
    path.write_bytes(f"I: Kas?\nR: {MEDIATOR}\n".encode("cp1257"))
    parsed = read_transcript(path)
    assert parsed.file_name == "Intervija 1.TXT"
    assert turns(parsed)[1] == ("R", MEDIATOR)


def test_read_transcript_errors_name_the_path(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(ImportFailed, match="empty.txt: the file is empty") as info:
        read_transcript(empty)
    assert info.value.path == str(empty)
    with pytest.raises(ImportFailed, match="no such file"):
        read_transcript(tmp_path / "missing.txt")
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    with pytest.raises(ImportFailed, match="is a folder"):
        read_transcript(folder)
