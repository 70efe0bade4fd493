"""The hand-computed fixture project of the report tests, built through the library."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from qualcode.cli import app
from qualcode.project import Project

REPO_DEMO_ATTRIBUTES = Path(__file__).resolve().parents[1] / "transcripts" / "attributes.csv"

CODEBOOK = """\
title: Fixture
language: lv
ratings:
  scale: [1, 10]
  statements:
    r_prof: Profesionāla un efektīva sadarbība
codes:
  - name: improve
    color: "#1f77b4"
    children:
      - name: needs-training
        color: teal
      - name: more-hours
  - name: low-pay
    color: "#d62728"
  - name: emotional-control
"""

ATTRIBUTES = """\
respondent_id,file,town,role,r_prof,r_joint
A,a.txt,Talsi,staff,8,9
B,b.txt,Talsi,mediator,,
C,c.txt,Rīga,staff,9,2
D,d.txt,Jelgava,staff,10,
E,,Rīga,staff,3,8
"""

TURNS = {
    "a": [
        "Kas jāuzlabo?",
        "Vajag mācības un lielāku algu.",
        "Vēl kas?",
        "Kursi būtu labi, Jānis teica tā pat.",
    ],
    "b": ["Kas jāuzlabo?", "Vairāk darba stundu.", "Paldies.", "Lūdzu."],
    "c": ["Kas jāuzlabo?", "Mācības mediatoram.", "Un alga?", "=SUM(A1) alga ir zema."],
    "d": ["Kas jāuzlabo?", "Nezinu.", "Paldies.", "Viss."],
}
# (transcript, turn, code): turn 1 and 3 are the interviewer's.
TAGS = [
    ("A", "2", "needs-training"),
    ("A", "2", "low-pay"),
    ("A", "4", "needs-training"),
    ("A", "1", "more-hours"),
    ("B", "2", "more-hours"),
    ("C", "2", "needs-training"),
    ("C", "4", "low-pay"),
]


def build(folder: Path) -> Project:
    """The fixture project: 4 interviewed respondents (A-D), a survey-only one (E)."""
    src = folder / "src"
    src.mkdir(parents=True)
    (src / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (src / "attributes.csv").write_text(ATTRIBUTES, encoding="utf-8")
    for name, turns in TURNS.items():
        lines = [f"{'I' if i % 2 == 0 else 'R'}: {t}" for i, t in enumerate(turns)]
        (src / f"{name}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    project = Project.init(folder / "proj")
    project.load_codebook(src / "codebook.yaml")
    report = project.import_paths([src], attributes=src / "attributes.csv")
    assert not report.failed, report.failed
    for transcript, turn, code in TAGS:
        project.tag(transcript, [code], turns=turn, coder="anna")
    project.tag("A", ["needs-training"], turns="2", coder="berta")  # same passage again
    return project


_BUILT: dict[str, Path] = {}


def fixture_db(factory: pytest.TempPathFactory) -> Path:
    """The fixture project's database, built once per test session (per worker)."""
    if "db" not in _BUILT:
        folder = factory.mktemp("fixture")
        build(folder).close()
        _BUILT["db"] = folder / "proj" / "qualcode.db"
    return _BUILT["db"]


def open_copy(db: Path, tmp_path: Path) -> Iterator[Project]:
    """A private copy of the fixture project (tests may write to it)."""
    target = tmp_path / "fx"
    target.mkdir()
    shutil.copy2(db, target / "qualcode.db")
    p = Project.open(target)
    yield p
    p.close()


def cli(runner: CliRunner, project: Project, *args: str) -> Result:
    """Run qualcode on the project through typer's runner."""
    return runner.invoke(app, ["--project", str(project.root), *args])
