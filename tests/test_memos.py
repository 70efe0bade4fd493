"""Memos: on the project, a code, a transcript, a respondent, a tag; recorded; exported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from coding_fixture import make_project
from typer.testing import CliRunner

from qualcode.cli import app
from qualcode.errors import NotFound, QualcodeError
from qualcode.project import Project


@pytest.fixture
def proj(tmp_path: Path) -> Path:
    return make_project(tmp_path)


def test_memos_on_each_kind_of_target_are_listed_with_what_they_are_about(proj: Path) -> None:
    with Project.open(proj) as p:
        (tag,) = p.tag("LV-A", ["low-pay"], turns="2")
        tag_id = p.tags()[0].id
        p.add_memo("Darba samaksa ir galvenā tēma.")
        p.add_memo("Algas pieminētas Talsos", kind="code", name="low-pay")
        p.add_memo("Ļoti atklāta intervija", kind="transcript", name="LV-A")
        p.add_memo("Strādā ar ģimenēm", kind="respondent", name="LV-B")
        p.add_memo("Skaidrs piemērs", kind="tag", name=str(tag_id))
        about = [m.about for m in p.memos()]
        assert about == [
            "project",
            "code low-pay",
            "transcript LV-A",
            "respondent LV-B",
            f"tag {tag_id} (low-pay, LV-A turn 2)",
        ]
        assert [m.text for m in p.memos(kind="code", name="low-pay")] == ["Algas pieminētas Talsos"]


def test_search_folds_case_of_latvian_letters(proj: Path) -> None:
    with Project.open(proj) as p:
        p.add_memo("ĢIMENES un ALGA")
        p.add_memo("cits")
        assert [m.text for m in p.memos(search="ģimenes alga")] == ["ĢIMENES un ALGA"]


def test_bad_targets_and_empty_memos_are_refused(proj: Path) -> None:
    with Project.open(proj) as p:
        with pytest.raises(NotFound):
            p.add_memo("x", kind="code", name="no-such-code")
        with pytest.raises(NotFound, match="no tag 99"):
            p.add_memo("x", kind="tag", name="99")
        with pytest.raises(QualcodeError, match="empty"):
            p.add_memo("   ")
        assert p.memos() == []


def test_memos_are_recorded_so_undo_reverses_add_and_remove(proj: Path) -> None:
    with Project.open(proj) as p:
        memo = p.add_memo("Pirmā piezīme", kind="transcript", name="LV-B")
        entry = p.log(limit=1)[0]
        assert [(c.table, c.action, c.transcript) for c in entry.changes] == [
            ("memos", "insert", "LV-B")
        ]
        p.remove_memo(memo.id)
        assert p.memos() == []
        p.undo()
        assert [m.text for m in p.memos()] == ["Pirmā piezīme"]


def test_a_memo_outlives_its_removed_transcript_and_reattaches_on_undo(proj: Path) -> None:
    with Project.open(proj) as p:
        p.add_memo("Par LV-B", kind="transcript", name="LV-B")
        p.remove_transcript("LV-B")
        (m,) = p.memos()
        assert m.about == "transcript (removed)" and not m.present
        p.undo()
        assert p.memos()[0].about == "transcript LV-B"


def test_memos_appear_as_an_appendix_in_every_export(proj: Path, tmp_path: Path) -> None:
    with Project.open(proj) as p:
        p.tag("LV-A", ["low-pay"], turns="2")
        p.add_memo("Piezīme par kodēšanu: alga", kind="code", name="low-pay")
        results = p.export_all(tmp_path / "out")
    files = {r.path.suffix: r.path for r in results}
    assert "Piezīme par kodēšanu" in files[".md"].read_text(encoding="utf-8")
    assert "Appendix: memos" in files[".html"].read_text(encoding="utf-8")
    data = json.loads(files[".json"].read_text(encoding="utf-8"))
    assert "Piezīme par kodēšanu: alga" in json.dumps(data, ensure_ascii=False)
    from docx import Document

    text = "\n".join(
        c.text for t in Document(str(files[".docx"])).tables for r in t.rows for c in r.cells
    )
    assert "Piezīme par kodēšanu: alga" in text


def test_cli_memo_add_list_show_rm(proj: Path, runner: CliRunner) -> None:
    base = ["--project", str(proj), "memo"]
    result = runner.invoke(app, [*base, "add", "--code", "low-pay", "-m", "Maza alga Talsos"])
    assert result.exit_code == 0, result.output
    assert "memo 1 on code low-pay saved" in result.stdout
    result = runner.invoke(app, [*base, "add"], input="No stdin: ģimenes\n")
    assert result.exit_code == 0 and "memo 2 on project" in result.stdout
    result = runner.invoke(app, [*base, "list", "--search", "ALGA"])
    assert "#1 code low-pay" in result.stdout and "#2" not in result.stdout
    rows = json.loads(runner.invoke(app, [*base, "list", "--format", "json"]).stdout)["rows"]
    assert [r["text"] for r in rows] == ["Maza alga Talsos", "No stdin: ģimenes"]
    assert "No stdin: ģimenes" in runner.invoke(app, [*base, "show", "2"]).stdout
    assert runner.invoke(app, [*base, "rm", "1"]).exit_code == 0
    result = runner.invoke(app, [*base, "show", "1"])
    assert result.exit_code == 1 and "no memo 1" in result.stderr
    result = runner.invoke(
        app, [*base, "add", "--code", "low-pay", "--transcript", "LV-A", "-m", "x"]
    )
    assert result.exit_code == 2
