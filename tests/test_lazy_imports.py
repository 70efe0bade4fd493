"""Everyday commands load no heavy library: what each command imports, checked in sys.modules.

Timing lives in benchmarks/bench_startup.py; these tests only check which modules a command
pulls in, which is deterministic.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DEMO_CODEBOOK

from qualcode.project import Project

# Libraries that cost 0.05-2 s to import and that no everyday command needs.
HEAVY = (
    "spacy",
    "numpy",
    "sqlite_utils",
    "py3langid",
    "lxml",
    "matplotlib",
    "openpyxl",
    "docx",
    # typer 0.29+ converts parameters through pydantic (pyproject pins typer below it).
    "pydantic",
)
# qualcode's own modules that only some commands need: the importers, the demo, exporters.
HEAVY_OWN = ("qualcode.importers", "qualcode.demo", "qualcode.exports.document", "rich.progress")

# One interpreter runs the commands in order and, after each, reports the heavy modules it
# loaded, so a regression names the command that caused it.
_SCRIPT = """
import contextlib, io, json, sys
from qualcode.cli import app
heavy = {heavy!r}
seen = set()
blame = {{}}
for args in {commands!r}:
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            code = app(["--project", {project!r}, *args], standalone_mode=False)
        except SystemExit as exc:
            code = exc.code
    new = [m for m in heavy if m in sys.modules and m not in seen]
    seen.update(new)
    blame[" ".join(args)] = new if not code else ["exit code", code]
print(json.dumps(blame))
"""

EVERYDAY = [
    ["--help"],
    ["transcripts"],
    ["show", "LV-03"],
    ["tag", "LV-03", "5", "housing"],
    ["untag", "LV-03", "5", "housing"],
    ["report"],
    ["log", "--limit", "3"],
    ["tags"],
]


def _modules_loaded_by(commands: list[list[str]], project: Path, heavy: tuple[str, ...]) -> dict:
    code = _SCRIPT.format(heavy=heavy, commands=commands, project=str(project))
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_everyday_commands_import_no_heavy_library(demo_project: Project) -> None:
    demo_project.close()
    blame = _modules_loaded_by(EVERYDAY, demo_project.root, HEAVY + HEAVY_OWN)
    assert blame == {" ".join(args): [] for args in EVERYDAY}


def test_loading_the_cli_imports_no_console_yaml_parser_or_pydantic() -> None:
    # `qualcode --help` needs typer only: rich's console and the YAML parser come with the
    # first command that uses them, and typer's pydantic adapters with the first parameter
    # it converts.
    code = (
        "import sys, qualcode.cli; "
        "print([m for m in ('rich.console', 'ruamel.yaml', 'pydantic') if m in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_suggest_rerun_after_adding_a_plain_keyword_imports_no_spacy(
    demo_project: Project, workers: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("QUALCODE_WORKERS", workers)  # worker processes or this one
    book = tmp_path / "book.yaml"  # add_keywords writes the codebook file: a copy
    shutil.copyfile(DEMO_CODEBOOK, book)
    demo_project.load_codebook(book)
    demo_project.suggest()
    added = demo_project.add_keywords("housing", ["dzīvesvieta", "apmešanās"])
    assert added.added == ("dzīvesvieta", "apmešanās")
    demo_project.close()
    blame = _modules_loaded_by([["suggest"]], demo_project.root, ("spacy",))
    assert blame == {"suggest": []}
