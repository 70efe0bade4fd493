"""Import as a plan, then one transaction; preview and re-splitting."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import write_codebook, write_transcript
from typer.testing import CliRunner

from qualcode.cli import app
from qualcode.project import Project

ANNA = [
    ("Anna", "Kā jums klājas darbā ar skolu?"),
    ("Jānis", "Labi, bet vajag vairāk mācību."),
    ("Anna", "Un kā ar algu?"),
    ("Jānis", "Alga ir par mazu, tas ir skaidrs."),
    ("Anna", "Vai vēl kas?"),
    ("Jānis", "Nē, paldies."),
]


@pytest.fixture
def src(tmp_path: Path) -> Path:
    folder = tmp_path / "src"
    folder.mkdir()
    write_transcript(folder, "J1.txt", ANNA)
    return folder


def test_all_or_nothing_with_a_name_conflict_writes_nothing_and_says_so(
    project: Project, src: Path
) -> None:
    project.import_paths([src / "J1.txt"])
    write_transcript(src, "J1.txt", [*ANNA, ("Anna", "Paldies!")])  # changed: a conflict
    write_transcript(src, "J2.txt", ANNA[:2])
    plan = project.plan_import([src], all_or_nothing=True)
    actions = [(f.path.name, f.action) for f in plan.files]
    assert actions == [("J1.txt", "failed"), ("J2.txt", "import")]
    report = project.apply_import(plan)
    assert {o.status for o in report.outcomes} == {"failed", "not imported"}
    assert [t.name for t in project.transcripts()] == ["J1"]
    assert project.log(limit=1)[0].command != "" and len(project.log()) == 1  # the first import


def test_two_files_that_would_get_one_name_are_a_conflict(project: Project, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    write_transcript(tmp_path / "a", "J1.txt", ANNA)
    write_transcript(tmp_path / "b", "J1.txt", ANNA[:4])
    plan = project.plan_import([tmp_path / "a", tmp_path / "b"])
    assert [f.action for f in plan.files] == ["import", "failed"]
    assert "also becomes 'J1'" in plan.files[1].message


def test_import_names_the_speakers_and_proposes_the_interviewer(
    project: Project, src: Path
) -> None:
    (outcome,) = project.import_paths([src / "J1.txt"]).outcomes
    assert {name for name, _, _ in outcome.speakers} == {"Anna", "Jānis"}
    assert outcome.proposed_interviewer == "Anna"


def test_resplit_with_an_interviewer_keeps_the_tags(project: Project, src: Path) -> None:
    project.load_codebook(write_codebook(src))
    project.import_paths([src / "J1.txt"])
    project.tag("J1", ["low-pay"], turns="4")
    assert {u.role for u in project.show("J1").turns} == {"respondent"}
    result = project.resplit("J1", interviewers=["Anna"])
    view = project.show("J1")
    assert {u.speaker: u.role for u in view.turns} == {"Anna": "interviewer", "Jānis": "respondent"}
    assert result.exact + result.moved == 1 and not result.detached
    (tag,) = project.tags()
    assert tag.turn_number == 4 and tag.text.startswith("Alga ir par mazu")
    assert project.report().rows[-1].respondents.n == 1


def test_preview_writes_nothing_and_works_without_a_project(
    src: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("QUALCODE_PROJECT", raising=False)
    result = CliRunner().invoke(app, ["import", "--preview", str(src / "J1.txt")])
    assert result.exit_code == 0, result.output
    assert "Anna" in result.stdout and "interviewer guessed: Anna" in result.stdout
    assert "nothing was written" in result.stdout
    assert not list(tmp_path.rglob("qualcode.db"))
