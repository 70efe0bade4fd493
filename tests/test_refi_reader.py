"""REFI-QDA reader: the dialects tools write, positions, skipped sources, hostile files."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from qualcode.refi import CRLF_AS_ONE, UTF16, RefiFileError, read_qdc, read_qdpx, walk_codes
from qualcode.refi.reader import decode_text

G = [f"0000000{i}-1111-2222-3333-444444444444" for i in range(10)]  # invented GUIDs


def make_qdpx(
    path: Path,
    body: str,
    files: dict[str, bytes] | None = None,
    ns: str = "urn:QDA-XML:project:1.0",
    origin: str = "Invented 1.0",
    qde: str = "project.qde",
) -> Path:
    """Write an invented .qdpx with the given Project body and member files."""
    xml = (
        f'<?xml version="1.0" encoding="utf-8"?>'
        f'<Project xmlns="{ns}" name="t" origin="{origin}">{body}</Project>'
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(qde, xml.encode("utf-8"))
        for name, data in (files or {}).items():
            archive.writestr(name, data)
    return path


CODES = (
    f'<CodeBook><Codes><Code guid="{G[1]}" name="parent" isCodable="false">'
    f'<Code guid="{G[2]}" name="child" isCodable="true" color="#ABCDEF"/></Code></Codes></CodeBook>'
)


def source(text_ref: str, selections: str = "", tag: str = "TextSource") -> str:
    return (
        f'<Sources><{tag} guid="{G[3]}" name="t1" plainTextPath="{text_ref}">'
        f"{selections}</{tag}></Sources>"
    )


def selection(start: int, end: int, code: str = G[2]) -> str:
    return (
        f'<PlainTextSelection guid="{G[4]}" startPosition="{start}" endPosition="{end}">'
        f'<Coding guid="{G[5]}"><CodeRef targetGUID="{code}"/></Coding></PlainTextSelection>'
    )


@pytest.mark.parametrize(
    "ns", ["urn:QDA-XML:project:1.0", "urn:QDA-XML:project:1:0", "urn:QDA-XML:project:0:4", ""]
)
def test_every_namespace_dialect_reads_the_same(tmp_path: Path, ns: str) -> None:
    text = "Sveiki, pasaule!"
    path = make_qdpx(
        tmp_path / "p.qdpx",
        CODES + source("internal://a.txt", selection(0, 6)),
        {"sources/a.txt": text.encode()},
        ns=ns if ns else "",
    )
    project = read_qdpx(path)
    assert [c.name for c, _ in walk_codes(project.codes)] == ["parent", "child"]
    assert project.codes[0].is_codable is False
    sel = project.sources[0].selections[0]
    assert project.sources[0].text[sel.start : sel.end] == "Sveiki"


def test_capitalised_sources_folder_and_any_qde_name(tmp_path: Path) -> None:
    path = make_qdpx(
        tmp_path / "p.qdpx",
        CODES + source("internal://a.txt"),
        {"Sources/a.txt": b"text"},
        qde="My Study.qde",
    )
    assert read_qdpx(path).sources[0].text == "text"


def test_relative_plain_text_path_and_missing_name(tmp_path: Path) -> None:
    body = CODES + f'<Sources><TextSource guid="{G[3]}" plainTextPath="talk-1.txt"/></Sources>'
    path = make_qdpx(tmp_path / "p.qdpx", body, {"sources/talk-1.txt": b"hello"})
    assert read_qdpx(path).sources[0].name == "talk-1"


def test_guids_in_braces_and_upper_case_match_references(tmp_path: Path) -> None:
    codes = CODES.replace(G[2], "{" + G[2].upper() + "}")
    path = make_qdpx(
        tmp_path / "p.qdpx",
        codes + source("internal://a.txt", selection(0, 2, G[2].upper())),
        {"sources/a.txt": b"ab cd"},
    )
    project = read_qdpx(path)
    assert project.codes[0].children[0].guid == G[2]
    assert project.sources[0].selections[0].codings[0].code_guid == G[2]
    assert project.problems == ()


def test_bom_and_utf16_text_files_are_decoded() -> None:
    assert decode_text("Ā".encode("utf-8-sig")) == ("Ā", None)
    text, note = decode_text("\ufeffĀ🙂".encode("utf-16-le"))
    assert text == "Ā🙂" and "utf-16" in str(note)


def test_pdf_and_audio_sources_are_skipped_with_a_reason(tmp_path: Path) -> None:
    body = (
        f'<Sources><PDFSource guid="{G[6]}" name="report" path="internal://r.pdf"/>'
        f'<AudioSource guid="{G[7]}" name="call" path="internal://c.mp3"/>'
        f'<TextSource guid="{G[8]}" name="rich" richTextPath="internal://r.docx"/></Sources>'
    )
    project = read_qdpx(make_qdpx(tmp_path / "p.qdpx", body))
    assert project.sources == ()
    reasons = {s.name: s.reason for s in project.skipped}
    assert "PDF" in reasons["report"] and "audio" in reasons["call"]
    assert "rich text only" in reasons["rich"]


def test_selection_past_the_end_is_reported_not_moved(tmp_path: Path) -> None:
    path = make_qdpx(
        tmp_path / "p.qdpx",
        CODES + source("internal://a.txt", selection(3, 99)),
        {"sources/a.txt": b"short"},
    )
    project = read_qdpx(path)
    assert project.sources[0].selections == ()
    assert any("3-99 cannot be placed" in p for p in project.problems)


def test_coding_with_unknown_code_is_reported(tmp_path: Path) -> None:
    path = make_qdpx(
        tmp_path / "p.qdpx",
        CODES + source("internal://a.txt", selection(0, 2, G[9])),
        {"sources/a.txt": b"ab"},
    )
    project = read_qdpx(path)
    assert project.sources[0].selections[0].codings == ()
    assert any("unknown code" in p for p in project.problems)


def _emoji_text() -> str:
    # every word follows an astral emoji, so UTF-16 and code points disagree on all of them
    return "".join(f"🙂 vārds{i} " for i in range(6))


def _utf16_selections(text: str) -> str:
    spans = []
    for i in range(6):
        word = f"vārds{i}"
        cp = text.index(word)
        unit = len(text[:cp].encode("utf-16-le")) // 2
        spans.append(selection(unit, unit + len(word)).replace(G[4], f"{i}{G[4][1:]}"))
    return "".join(spans)


def test_nvivo_windows_positions_are_utf16_units(tmp_path: Path) -> None:
    text = _emoji_text()
    path = make_qdpx(
        tmp_path / "p.qdpx",
        CODES + source("internal://a.txt", _utf16_selections(text)),
        {"sources/a.txt": b"\xef\xbb\xbf" + text.encode()},
        origin="NVivo 12.6 (Windows)",
    )
    project = read_qdpx(path)
    assert project.position_unit == UTF16
    src = project.sources[0]
    assert [src.text[s.start : s.end] for s in src.selections] == [f"vārds{i}" for i in range(6)]


def test_utf16_positions_are_detected_when_the_origin_lies(tmp_path: Path) -> None:
    text = _emoji_text()
    path = make_qdpx(
        tmp_path / "p.qdpx",
        CODES + source("internal://a.txt", _utf16_selections(text)),
        {"sources/a.txt": text.encode()},
        origin="SomeTool 2.0",
    )
    project = read_qdpx(path)
    assert project.position_unit == UTF16
    assert any("positions read as utf16" in p for p in project.problems)
    src = project.sources[0]
    assert [src.text[s.start : s.end] for s in src.selections] == [f"vārds{i}" for i in range(6)]


def test_crlf_counted_once_is_detected(tmp_path: Path) -> None:
    text = "".join(f"Runa{i} ir šeit.\r\n" for i in range(6))
    lf = text.replace("\r\n", "\n")
    spans = "".join(
        selection(lf.index(f"Runa{i}"), lf.index(f"Runa{i}") + 5).replace(G[4], f"{i}{G[4][1:]}")
        for i in range(6)
    )
    path = make_qdpx(
        tmp_path / "p.qdpx",
        CODES + source("internal://a.txt", spans),
        {"sources/a.txt": text.encode()},
    )
    project = read_qdpx(path)
    assert project.position_unit == CRLF_AS_ONE
    src = project.sources[0]
    assert [src.text[s.start : s.end] for s in src.selections] == [f"Runa{i}" for i in range(6)]


def test_codepoint_positions_on_emoji_text_stay_code_points(tmp_path: Path) -> None:
    text = _emoji_text()
    spans = "".join(
        selection(text.index(f"vārds{i}"), text.index(f"vārds{i}") + 6).replace(
            G[4], f"{i}{G[4][1:]}"
        )
        for i in range(6)
    )
    path = make_qdpx(
        tmp_path / "p.qdpx",
        CODES + source("internal://a.txt", spans),
        {"sources/a.txt": text.encode()},
        origin="MAXQDA 24",
    )
    project = read_qdpx(path)
    assert project.position_unit == "codepoint" and project.problems == ()


def test_case_variables_notes_and_whole_source_coding(tmp_path: Path) -> None:
    body = (
        CODES + f'<Variables><Variable guid="{G[6]}" name="town" typeOfVariable="Text"/>'
        f'<Variable guid="{G[7]}" name="age" typeOfVariable="Integer"/></Variables>'
        f'<Cases><Case guid="{G[8]}" name="R1">'
        f'<VariableValue><VariableRef targetGUID="{G[6]}"/>'
        "<TextValue>Daugavpils</TextValue></VariableValue>"
        f'<VariableValue><VariableRef targetGUID="{G[7]}"/>'
        "<IntegerValue>41</IntegerValue></VariableValue>"
        f'<SourceRef targetGUID="{G[3]}"/></Case></Cases>'
        f'<Sources><TextSource guid="{G[3]}" name="t1">'
        "<PlainTextContent>Viss teksts</PlainTextContent>"
        f'<Coding guid="{G[5]}"><CodeRef targetGUID="{G[2]}"/></Coding>'
        f'<NoteRef targetGUID="{G[9]}"/></TextSource></Sources>'
        f'<Notes><Note guid="{G[9]}" name="memo">'
        "<PlainTextContent>Piezīme</PlainTextContent></Note></Notes>"
    )
    project = read_qdpx(make_qdpx(tmp_path / "p.qdpx", body))
    case = project.cases[0]
    assert case.variables == {"town": "Daugavpils", "age": 41}
    assert case.source_guids == (G[3],)
    src = project.sources[0]
    assert (src.selections[0].start, src.selections[0].end) == (0, len("Viss teksts"))
    assert project.notes[0].text == "Piezīme" and project.notes[0].targets == (G[3],)


def test_flattened_names_are_offered_as_a_hierarchy(tmp_path: Path) -> None:
    codes = "".join(
        f'<Code guid="{G[i]}" name="{n}" isCodable="true"/>'
        for i, n in enumerate(["barriers::cost", "barriers::time", "support"], start=1)
    )
    qdc = tmp_path / "b.qdc"
    qdc.write_text(f'<CodeBook xmlns="urn:QDA-XML:codebook:1:0"><Codes>{codes}</Codes></CodeBook>')
    assert read_qdc(qdc).hierarchy_separator == "::"
    nested = read_qdc(qdc, unflatten_codes=True).codes
    assert [(c.name, c.is_codable, [k.name for k in c.children]) for c in nested] == [
        ("barriers", False, ["cost", "time"]),
        ("support", True, []),
    ]


def test_dotted_names_are_offered_too(tmp_path: Path) -> None:
    codes = "".join(
        f'<Code guid="{G[i]}" name="{n}" isCodable="true"/>'
        for i, n in enumerate(["needs.training", "needs.money", "Dr. Bērziņš"], start=1)
    )
    qdc = tmp_path / "b.qdc"
    qdc.write_text(f'<CodeBook xmlns="urn:QDA-XML:codebook:0:4"><Codes>{codes}</Codes></CodeBook>')
    book = read_qdc(qdc, unflatten_codes=True)
    assert book.hierarchy_separator == "."
    assert [c.name for c in book.codes] == ["needs", "Dr. Bērziņš"]


def test_invalid_codebook_is_read_with_a_warning(tmp_path: Path) -> None:
    qdc = tmp_path / "b.qdc"
    qdc.write_text(
        f'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="{G[1]}" name="a" '
        'isCodable="true"/></Codes><Sets/></CodeBook>'
    )
    book = read_qdc(qdc)
    assert [c.name for c in book.codes] == ["a"]
    assert any("not valid against Codebook.xsd" in p for p in book.problems)


def test_read_qdc_takes_the_codebook_of_a_project(tmp_path: Path) -> None:
    path = make_qdpx(tmp_path / "p.qdpx", CODES)
    assert [c.name for c, _ in walk_codes(read_qdc(path).codes)] == ["parent", "child"]


# --- hostile and broken files ----------------------------------------------------------------


def test_zip_slip_member_is_refused(tmp_path: Path) -> None:
    path = make_qdpx(tmp_path / "p.qdpx", CODES, {"../../evil.txt": b"x"})
    with pytest.raises(RefiFileError, match="outside the archive"):
        read_qdpx(path)


def test_zip_bomb_is_refused_before_unpacking(tmp_path: Path) -> None:
    path = tmp_path / "bomb.qdpx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", b"<Project/>")
        archive.writestr("sources/a.txt", b"\0" * (20 * 1024 * 1024))
    with pytest.raises(RefiFileError, match="zip bomb"):
        read_qdpx(path)


def test_entity_expansion_is_refused(tmp_path: Path) -> None:
    xml = (
        '<?xml version="1.0"?><!DOCTYPE Project [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<Project xmlns="urn:QDA-XML:project:1.0" name="&b;"/>'
    )
    path = tmp_path / "p.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", xml)
    with pytest.raises(RefiFileError, match="DTD"):
        read_qdpx(path)


def test_external_entity_is_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    qdc = tmp_path / "b.qdc"
    qdc.write_text(
        f'<?xml version="1.0"?><!DOCTYPE CodeBook [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="'
        f'{G[1]}" name="&x;" isCodable="true"/></Codes></CodeBook>'
    )
    with pytest.raises(RefiFileError) as info:
        read_qdc(qdc)
    assert "top secret" not in str(info.value) and "\n" not in str(info.value)


def test_not_a_zip_gives_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "p.qdpx"
    path.write_bytes(b"not a zip")
    with pytest.raises(RefiFileError, match="not a readable .qdpx") as info:
        read_qdpx(path)
    assert "\n" not in str(info.value)


def test_archive_without_qde_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("sources/a.txt", b"x")
    with pytest.raises(RefiFileError, match="no project.qde"):
        read_qdpx(path)
