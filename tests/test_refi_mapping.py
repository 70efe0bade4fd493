"""qualcode records -> RefiProject -> .qdpx -> RefiProject -> qualcode records."""

from __future__ import annotations

from pathlib import Path

from qualcode.models import Code, Tag, Transcript
from qualcode.refi import read_qdpx, write_qdpx
from qualcode.refi.mapping import (
    Memo,
    all_code_names,
    describe,
    parse_description,
    project_from_qualcode,
    qualcode_from_project,
)
from qualcode.refi.model import RefiCode, RefiProject


def _transcript(name: str, respondent: str) -> Transcript:
    return Transcript(1, name, f"{name}.txt", "txt", "utf-8", "0" * 64, "lv", respondent, "2024")


def _code(name: str, parent: str | None = None, **kw: object) -> Code:
    return Code(
        1,
        name,
        kw.get("label"),
        kw.get("description"),
        kw.get("color"),
        parent,
        0,  # type: ignore[arg-type]
        tuple(kw.get("keywords", ())),
    )  # type: ignore[arg-type]


def _tag(
    transcript: str, code: str, text: str, part: str, coder: str, memo: str | None = None
) -> Tag:
    start = text.index(part)
    return Tag(
        1,
        transcript,
        code,
        start,
        start + len(part),
        part,
        coder,
        "manual",
        "2024-05-01T10:00:00Z",
        memo=memo,
    )


def test_qualcode_project_survives_export_and_import(tmp_path: Path) -> None:
    texts = {
        "int-01": "J: Kā jums iet? 🙂\r\nR: Trūkst naudas un laika.\r\n",
        "int-02": "J: Un jums?\nR: Ļoti labi, paldies.\n",
    }
    transcripts = [_transcript("int-01", "R1"), _transcript("int-02", "R2")]
    codes = [
        _code("barriers", description="Obstacles", color="#aa3300"),
        _code("cost", "barriers", label="Cost", keywords=("nauda", "cena")),
        _code("well-being", color="red"),
    ]
    tags = [
        _tag("int-01", "cost", texts["int-01"], "naudas", "anna", memo="clear case"),
        _tag("int-01", "barriers", texts["int-01"], "naudas", "jānis"),
        _tag("int-02", "well-being", texts["int-02"], "Ļoti labi", "anna"),
    ]
    attributes = {"R1": {"town": "Rēzekne", "age": "41"}, "R2": {"town": "Cēsis", "age": "35"}}
    project = project_from_qualcode(
        "pētījums", "proj-1", transcripts, texts, codes, tags, attributes, [Memo("plan", "Piezīme")]
    )
    write_qdpx(project, tmp_path / "p.qdpx")
    back = qualcode_from_project(read_qdpx(tmp_path / "p.qdpx"))

    assert back.transcripts == texts
    assert back.respondents == {"int-01": "R1", "int-02": "R2"}
    assert back.attributes == attributes
    assert all_code_names(back.codes) == ["barriers", "cost", "well-being"]
    cost = back.codes[0].children[0]
    assert (cost.label, cost.keywords) == ("Cost", ("nauda", "cena"))
    assert back.codes[1].color == "#ff0000"
    got = sorted((t.transcript, t.code, t.text, t.coder, t.memo) for t in back.tags)
    assert got == sorted((t.transcript, t.code, t.text, t.coder, t.memo) for t in tags)
    assert back.memos == (Memo("plan", "Piezīme"),)


def test_duplicate_code_names_become_unique_with_the_original_as_label() -> None:
    child = RefiCode("00000000-0000-0000-0000-000000000002", "programming")
    codes = (
        RefiCode("00000000-0000-0000-0000-000000000001", "programming"),
        RefiCode("00000000-0000-0000-0000-000000000003", "practices", children=(child,)),
    )
    back = qualcode_from_project(RefiProject(name="x", codes=codes))
    assert all_code_names(back.codes) == ["programming", "practices", "practices/programming"]
    assert back.codes[1].children[0].label == "programming"


def test_description_addendum_round_trips() -> None:
    for description, label, keywords in [
        (None, None, ()),
        ("Text\nwith lines", None, ()),
        (None, "Label only", ()),
        ("Desc", "L", ("a", "b c")),
    ]:
        assert parse_description(describe(description, label, keywords)) == (
            description,
            label,
            keywords,
        )
