"""Shared fixtures: real projects on tmp_path, the demo project, a CLI runner."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qualcode.project import Project

REPO = Path(__file__).resolve().parents[1]
DEMO_CODEBOOK = REPO / "codebooks" / "roma-mediators.yaml"
DEMO_TRANSCRIPTS = REPO / "transcripts"


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """An empty project in a temporary folder."""
    p = Project.init(tmp_path / "proj")
    yield p
    p.close()


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo project built once per session (codebook + transcripts + attributes, no tags)."""
    folder = tmp_path_factory.mktemp("demo-template")
    with Project.init(folder) as p:
        p.load_codebook(DEMO_CODEBOOK)
        report = p.import_paths([DEMO_TRANSCRIPTS], attributes=DEMO_TRANSCRIPTS / "attributes.csv")
        assert not report.failed, report.failed
    return folder / "qualcode.db"


@pytest.fixture
def demo_project(demo_db: Path, tmp_path: Path) -> Project:
    """A private copy of the demo project (tests may write to it)."""
    target = tmp_path / "demo"
    target.mkdir()
    shutil.copy2(demo_db, target / "qualcode.db")
    p = Project.open(target)
    yield p
    p.close()


@pytest.fixture
def runner() -> CliRunner:
    """Typer's CLI runner (stdout and stderr kept apart)."""
    return CliRunner()


@pytest.fixture(autouse=True)
def _plain_wide_output(monkeypatch: pytest.MonkeyPatch) -> None:
    """CLI output in tests: no colour and 200 columns, whatever the terminal running pytest."""
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("QUALCODE_LANG", "en")  # English unless a test asks for Latvian
