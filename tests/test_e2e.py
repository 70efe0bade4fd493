"""End-to-end: the installed `qualcode` executable on the shipped demo project."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DEMO_CODEBOOK, DEMO_TRANSCRIPTS

EXE = shutil.which("qualcode", path=str(Path(sys.executable).parent)) or shutil.which("qualcode")
pytestmark = pytest.mark.skipif(EXE is None, reason="the qualcode command is not installed")


def run(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "QUALCODE_CODER": "e2e", "COLUMNS": "200"}
    env.pop("QUALCODE_PROJECT", None)
    result = subprocess.run(
        [str(EXE), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_whole_path_on_the_demo_project(tmp_path: Path) -> None:
    run("init", "proj", cwd=tmp_path)
    proj = tmp_path / "proj"
    run("codebook", "load", str(DEMO_CODEBOOK), cwd=proj)
    out = run(
        "import",
        str(DEMO_TRANSCRIPTS),
        "--attributes",
        str(DEMO_TRANSCRIPTS / "attributes.csv"),
        cwd=proj,
    ).stdout
    assert "imported" in out
    listing = json.loads(run("transcripts", "--format", "json", cwd=proj).stdout)
    assert len(listing) >= 8
    formats = {t["format"] for t in listing}
    assert {"txt", "docx"} <= formats
    assert any(t["encoding"] in ("cp1257", "windows-1257", "iso8859_13") for t in listing)
    first = listing[0]["name"]
    shown = json.loads(run("show", first, "--format", "json", cwd=proj).stdout)
    turn = next(u for u in shown["turns"] if u["role"] == "respondent")
    run("tag", first, str(turn["turn"]), "needs-training", cwd=proj)
    report = json.loads(run("report", "--format", "json", cwd=proj).stdout)
    row = next(r for r in report["rows"] if r["code"] == "needs-training")
    assert row["respondents"] == 1 and row["passages"] == 1
    table = run("report", "--by", "town", cwd=proj).stdout
    assert "needs-training" in table and "\x1b[" not in table  # NO_COLOR, not a terminal


def test_demo_command_prints_a_report() -> None:
    result = run("demo", cwd=Path.cwd())
    assert "Theme frequencies" in result.stdout
    assert "needs-training" in result.stdout


def test_errors_exit_non_zero_without_traceback(tmp_path: Path) -> None:
    run("init", str(tmp_path / "p"), cwd=tmp_path)
    result = run("tag", "nobody", "1", "x", cwd=tmp_path / "p", check=False)
    assert result.returncode == 1
    assert result.stderr.startswith("Error:") and "Traceback" not in result.stderr


def test_python_dash_m_works() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "qualcode", "--version"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and result.stdout.startswith("qualcode ")


def test_commands_without_nlp_do_not_import_spacy(tmp_path: Path) -> None:
    code = (
        "import sys; from qualcode.cli import app\n"
        "from qualcode import reports, importing, tagging, project\n"
        "assert 'spacy' not in sys.modules, 'spacy imported'"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
