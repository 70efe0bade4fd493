"""REFI-QDA writer: schema-valid, deterministic output that reads back to the same model."""

from __future__ import annotations

import dataclasses
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.errors import QualcodeError
from qualcode.refi import (
    RefiCase,
    RefiCode,
    RefiCodebook,
    RefiCoding,
    RefiNote,
    RefiProject,
    RefiSelection,
    RefiSet,
    RefiSource,
    RefiUser,
    RefiVariable,
    guid,
    read_qdc,
    read_qdpx,
    validate_bytes,
    write_qdc,
    write_qdpx,
)

SHARED = Path(__file__).resolve().parents[2] / "shared" / "refi-qda"
EXAMPLES = SHARED / "examples"


def _qde(path: Path) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read("project.qde")


def invented_project() -> RefiProject:
    """A small project with every part the writer knows, Latvian text, an emoji and CRLF."""
    text = "Intervētājs: Kā jums gāja? 🙂\r\nRespondente: Ļoti labi, paldies.\r\n"
    coder = RefiUser(guid("user", "anna"), "anna")
    parent = RefiCode(guid("code", "barriers"), "barriers", False, "#aa3300", "Obstacles.")
    child = RefiCode(guid("code", "cost"), "cost", True, None, "Money talk.\nkeywords: nauda")
    parent = dataclasses.replace(parent, children=(child,))
    other = RefiCode(guid("code", "ok"), "ok")
    start = text.index("Ļoti")
    coding = RefiCoding(guid("coding", "1"), child.guid, coder.guid, "2024-05-01T10:00:00Z")
    sel = RefiSelection(guid("sel", "1"), start, start + len("Ļoti labi"), (coding,))
    source = RefiSource(guid("source", "t1"), "t1", text, (sel,), variables={"round": 2})
    town = RefiVariable(guid("var", "town"), "town")
    rnd = RefiVariable(guid("var", "round"), "round", "Integer")
    score = RefiVariable(guid("var", "score"), "score", "Float")
    case = RefiCase(guid("case", "R1"), "R1", {"town": "Rēzekne", "score": 0.00001}, (source.guid,))
    notes = (
        RefiNote(guid("note", "p"), "Project memo 🙂", "memo"),
        RefiNote(guid("note", "tag"), "Why I tagged this", None, (coding.guid,)),
        RefiNote(guid("note", "code"), "About cost", None, (child.guid,)),
    )
    sets = (RefiSet(guid("set", "a"), "group a", (source.guid,), (child.guid,)),)
    return RefiProject(
        name="pētījums",
        origin="qualcode 0.1.0",
        users=(coder,),
        codes=(parent, other),
        sources=(source,),
        cases=(case,),
        variables=(town, rnd, score),
        notes=notes,
        sets=sets,
        created_by=coder.guid,
    )


def test_project_reads_back_equal_and_validates(tmp_path: Path) -> None:
    project = invented_project()
    out = tmp_path / "p.qdpx"
    write_qdpx(project, out)
    assert validate_bytes(_qde(out), "project") == []
    assert read_qdpx(out) == project


def test_export_twice_gives_identical_bytes(tmp_path: Path) -> None:
    write_qdpx(invented_project(), tmp_path / "a.qdpx")
    write_qdpx(invented_project(), tmp_path / "b.qdpx")
    assert (tmp_path / "a.qdpx").read_bytes() == (tmp_path / "b.qdpx").read_bytes()


def test_source_text_is_utf8_without_bom_with_crlf_kept(tmp_path: Path) -> None:
    project = invented_project()
    write_qdpx(project, tmp_path / "p.qdpx")
    with zipfile.ZipFile(tmp_path / "p.qdpx") as archive:
        data = archive.read(f"sources/{project.sources[0].guid}.txt")
    assert data == project.sources[0].text.encode("utf-8")


def test_failed_write_leaves_no_file_behind(tmp_path: Path) -> None:
    bad = dataclasses.replace(
        invented_project(), variables=(RefiVariable(guid("v", "x"), "x", "Colour"),)
    )
    with pytest.raises(QualcodeError, match="Colour"):
        write_qdpx(bad, tmp_path / "p.qdpx")
    assert list(tmp_path.iterdir()) == []


def test_selection_outside_text_is_refused_on_write(tmp_path: Path) -> None:
    project = invented_project()
    src = project.sources[0]
    sel = dataclasses.replace(src.selections[0], end=len(src.text) + 1)
    bad = dataclasses.replace(project, sources=(dataclasses.replace(src, selections=(sel,)),))
    with pytest.raises(QualcodeError, match="outside"):
        write_qdpx(bad, tmp_path / "p.qdpx")


def test_codebook_reads_back_and_validates(tmp_path: Path) -> None:
    project = invented_project()
    book = RefiCodebook(
        project.codes, "qualcode", (RefiSet(guid("s", "1"), "s", (), (guid("code", "ok"),)),)
    )
    write_qdc(book, tmp_path / "b.qdc")
    assert validate_bytes((tmp_path / "b.qdc").read_bytes(), "codebook") == []
    again = read_qdc(tmp_path / "b.qdc")
    assert (again.codes, again.sets, again.problems) == (book.codes, book.sets, ())


def test_guid_is_stable_and_distinguishes_parts() -> None:
    assert guid("code", "a b", "c") == guid("code", "a b", "c")
    assert guid("code", "a b", "c") != guid("code", "a", "b c")
    assert guid("code", "x") != guid("source", "x")


# --- property: any invented project survives write -> read --------------------------------

_CHARS = st.sampled_from(list("abc ĀāČčĒēĢģĪīĶķĻļŅņŠšŪūŽž.,?\n") + ["\r\n", "🙂", "𝄞", "👩‍🔬"])
_TEXTS = st.lists(_CHARS, min_size=1, max_size=60).map("".join)
_NAMES = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")),
    min_size=1,
    max_size=12,
)


@st.composite
def projects(draw: st.DrawFn) -> RefiProject:
    n_codes = draw(st.integers(1, 4))
    codes = tuple(RefiCode(guid("c", str(i)), draw(_NAMES)) for i in range(n_codes))
    user = RefiUser(guid("u", "1"), draw(_NAMES))
    sources = []
    for s in range(draw(st.integers(1, 3))):
        text = draw(_TEXTS)
        sels = []
        for k in range(draw(st.integers(0, 4))):
            a = draw(st.integers(0, len(text)))
            b = draw(st.integers(a, len(text)))
            code = codes[draw(st.integers(0, n_codes - 1))]
            coding = RefiCoding(guid("cd", str(s), str(k)), code.guid, user.guid)
            sels.append(RefiSelection(guid("sel", str(s), str(k)), a, b, (coding,)))
        sources.append(RefiSource(guid("src", str(s)), draw(_NAMES), text, tuple(sels)))
    return RefiProject(
        name=draw(_NAMES),
        origin="qualcode test",
        users=(user,),
        codes=codes,
        sources=tuple(sources),
    )


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(project=projects())
def test_any_project_round_trips(tmp_path: Path, project: RefiProject) -> None:
    out = tmp_path / "p.qdpx"
    write_qdpx(project, out)
    again = read_qdpx(out)
    assert dataclasses.replace(again, hierarchy_separator=None) == project
    for src in again.sources:
        original = next(s for s in project.sources if s.guid == src.guid)
        for sel, old in zip(src.selections, original.selections, strict=True):
            assert src.text[sel.start : sel.end] == original.text[old.start : old.end]


# --- the shared real exports: read -> write -> read keeps sources, codes, selections -------


def _examples() -> list[Path]:
    if not EXAMPLES.is_dir():
        return []
    return sorted(p for p in EXAMPLES.iterdir() if p.suffix in (".qdpx", ".qdc"))


@pytest.mark.skipif(not EXAMPLES.is_dir(), reason="../shared/refi-qda/examples absent")
@pytest.mark.parametrize("path", _examples(), ids=lambda p: p.name)
def test_shared_example_round_trips_and_exports_valid(tmp_path: Path, path: Path) -> None:
    out = tmp_path / path.name
    if path.suffix == ".qdc":
        book = read_qdc(path)
        write_qdc(book, out)
        assert validate_bytes(out.read_bytes(), "codebook") == []
        assert read_qdc(out).codes == book.codes
        return
    project = read_qdpx(path)
    write_qdpx(project, out)
    assert validate_bytes(_qde(out), "project") == []
    again = read_qdpx(out)
    assert again.codes == project.codes
    assert [(s.guid, s.name, s.text, s.selections) for s in again.sources] == [
        (s.guid, s.name, s.text, s.selections) for s in project.sources
    ]
    assert (again.cases, again.variables, again.notes, again.sets) == (
        project.cases,
        project.variables,
        project.notes,
        project.sets,
    )


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/refi-qda absent")
def test_shipped_schemas_match_the_shared_ones() -> None:
    from importlib import resources

    for name in ("Project.xsd", "Codebook.xsd"):
        shipped = resources.files("qualcode.refi").joinpath("schemas", name).read_bytes()
        assert shipped == (SHARED / name).read_bytes()
