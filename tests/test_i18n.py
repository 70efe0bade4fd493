"""The Latvian interface: a complete catalogue, matching placeholders, and Latvian output."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from string import Formatter

import pytest
from typer.testing import CliRunner

from qualcode import i18n
from qualcode.cli import app
from qualcode.errors import not_found

babel_pofile = pytest.importorskip("babel.messages.pofile")

REPO = Path(__file__).resolve().parents[1]
PO = REPO / "src" / "qualcode" / "locale" / "lv" / "LC_MESSAGES" / "qualcode.po"
MO = PO.with_suffix(".mo")
LANG_VARS = ("QUALCODE_LANG", "LC_ALL", "LC_MESSAGES", "LANG")


def _script() -> object:
    spec = importlib.util.spec_from_file_location(
        "i18n_catalogue", REPO / "scripts/i18n_catalogue.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _catalogue() -> list[object]:
    with PO.open("rb") as fh:
        return [m for m in babel_pofile.read_po(fh, locale="lv") if m.id]


def _placeholders(text: str) -> list[str]:
    """{name} fields (with their format spec) and %-style conversions, in sorted order."""
    fields = []
    for _literal, field, spec, _conv in Formatter().parse(text):
        if field is not None:
            fields.append(f"{{{field}:{spec}}}" if spec else f"{{{field}}}")
    fields += re.findall(r"%(?:\([a-z_]+\))?[sd]", text)
    return sorted(set(fields))


@pytest.fixture
def english(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No language variable set: the default interface."""
    for name in LANG_VARS:
        monkeypatch.delenv(name, raising=False)
    yield


@pytest.fixture
def latvian(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """QUALCODE_LANG=lv for the test (the CLI reads it on each run, help texts included)."""
    for name in LANG_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("QUALCODE_LANG", "lv")
    yield


def test_every_message_has_a_latvian_translation() -> None:
    messages = _catalogue()
    assert len(messages) > 300
    untranslated = [
        m.id for m in messages if not (all(m.string) if isinstance(m.string, tuple) else m.string)
    ]
    assert untranslated == []


def test_placeholders_match_between_english_and_latvian() -> None:
    for m in _catalogue():
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        wanted = _placeholders(ids[-1])
        for s in strings:
            assert _placeholders(s) == wanted, (m.id, s)


def test_latvian_plurals_have_three_forms_and_pick_by_number(latvian: None) -> None:
    assert i18n.ngettext("{n} transcript", "{n} transcripts", 1) == "{n} transkripts"
    assert i18n.ngettext("{n} transcript", "{n} transcripts", 21) == "{n} transkripts"
    assert i18n.ngettext("{n} transcript", "{n} transcripts", 11) == "{n} transkripti"
    assert i18n.ngettext("{n} transcript", "{n} transcripts", 3) == "{n} transkripti"


def test_compiled_catalogue_matches_the_po_file() -> None:
    assert _script().compile_mo(PO.read_bytes()) == MO.read_bytes()  # type: ignore[attr-defined]


def test_every_help_text_and_marked_string_is_in_the_catalogue(english: None) -> None:
    ids = {m.id for m in _catalogue()}
    help_texts = {getattr(o, a, None) or f for o, a, f in i18n.help_texts(app)} - {None}
    assert help_texts - ids == set()
    marked = {msgid for msgid, _where in _script().source_messages()}  # type: ignore[attr-defined]
    assert marked - ids == set()


def test_cli_modules_mark_strings_that_are_all_in_the_catalogue() -> None:
    ids = {m.id for m in _catalogue()}
    cli = REPO / "src" / "qualcode" / "cli"
    found = {
        msgid
        for msgid, where in _script().source_messages()  # type: ignore[attr-defined]
        if where.startswith("qualcode/cli/")
    }
    assert len(found) > 30, sorted(cli.glob("*.py"))
    assert found - ids == set()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "en"),
        ({"QUALCODE_LANG": "lv"}, "lv"),
        ({"LANG": "lv_LV.UTF-8"}, "lv"),
        ({"LC_MESSAGES": "lv_LV.UTF-8", "LANG": "en_GB.UTF-8"}, "lv"),
        ({"LC_ALL": "en_US.UTF-8", "LANG": "lv_LV.UTF-8"}, "en"),
        ({"QUALCODE_LANG": "en", "LANG": "lv_LV.UTF-8"}, "en"),
        ({"QUALCODE_LANG": "de"}, "en"),
    ],
)
def test_language_comes_from_qualcode_lang_then_the_locale(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: str
) -> None:
    for name in LANG_VARS:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert i18n.language() == expected


def test_english_is_the_default(english: None, runner: CliRunner) -> None:
    assert i18n._("Theme frequencies") == "Theme frequencies"
    result = runner.invoke(app, ["report", "--help"])
    assert result.exit_code == 0
    assert "Theme frequencies" in result.output


def test_help_is_latvian_with_qualcode_lang(latvian: None, runner: CliRunner) -> None:
    result = runner.invoke(app, ["report", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())  # click wraps help at the terminal width
    assert "Tēmu biežums" in text
    assert "Sadalīt pēc atribūta" in text  # an option's help


def test_installed_command_answers_in_latvian() -> None:
    env = {k: v for k, v in os.environ.items() if k not in LANG_VARS} | {"QUALCODE_LANG": "lv"}
    out = subprocess.run(
        [sys.executable, "-m", "qualcode", "--help"], env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert "Kvalitatīvo interviju kodēšana" in out.stdout
    assert "Izveidot projektu" in out.stdout


def test_report_headings_are_latvian(
    latvian: None, demo_db: Path, tmp_path: Path, runner: CliRunner
) -> None:
    folder = tmp_path / "demo"
    folder.mkdir()
    shutil.copy2(demo_db, folder / "qualcode.db")
    result = runner.invoke(app, ["--project", str(folder), "report", "--by", "role"])
    assert result.exit_code == 0, result.output
    assert "Tēmu biežums:" in result.output
    assert "respondenti" in result.output and "fragmenti" in result.output


def test_errors_are_latvian_with_a_did_you_mean(latvian: None) -> None:
    error = not_found("code", "trainng", ["needs-training"])
    assert i18n.translate_error(str(error)) == (
        "kods 'trainng' nav atrasts; vai domājāt 'needs-training'?"
    )
    unknown = "some message nobody translated"
    assert i18n.translate_error(unknown) == unknown


def test_error_prefix_and_missing_project_in_latvian(
    latvian: None, runner: CliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(app, ["--project", str(tmp_path / "nowhere"), "report"])
    assert result.exit_code == 1
    assert "Kļūda:" in result.stderr
    assert "nav qualcode projekta" in result.stderr


@pytest.fixture
def latvian_demo(latvian: None, demo_db: Path, tmp_path: Path) -> Path:
    """A copy of the demo project, with the interface in Latvian."""
    folder = tmp_path / "demo"
    folder.mkdir()
    shutil.copy2(demo_db, folder / "qualcode.db")
    return folder


def test_tag_and_log_print_latvian(latvian_demo: Path, runner: CliRunner) -> None:
    project = ["--project", str(latvian_demo)]
    tagged = runner.invoke(app, [*project, "tag", "EN-01", "3", "social-work", "--coder", "t"])
    assert tagged.exit_code == 0, tagged.output
    assert tagged.output.startswith("atzīmēts EN-01 replika 3 ")
    again = runner.invoke(app, [*project, "tag", "EN-01", "3", "social-work", "--coder", "t"])
    assert "izlaists EN-01 replika 3" in again.output and "jau atzīmēts" in again.output
    undone = runner.invoke(app, [*project, "undo", "--coder", "t"])
    assert undone.output.startswith("atsaukts ") and "(1 izmaiņa)" in undone.output
    log = runner.invoke(app, [*project, "log", "-n", "3"])
    assert log.exit_code == 0, log.output
    assert "[atsaukts ar " in log.output and "[atsauc " in log.output


def test_transcripts_rm_and_review_print_latvian(latvian_demo: Path, runner: CliRunner) -> None:
    project = ["--project", str(latvian_demo)]
    removed = runner.invoke(app, [*project, "transcripts", "rm", "EN-02", "--yes"])
    assert removed.exit_code == 0, removed.output
    assert removed.output.startswith("noņemts EN-02 un ")
    assert "atzīmes (atsaukt ar `qualcode undo`)" in removed.output
    accepted = runner.invoke(app, [*project, "review", "--accept", "--code", "social-work"])
    assert accepted.exit_code == 0, accepted.output
    assert re.match(r"pieņemt[si] \d+ ieteikum", accepted.output)


def test_empty_project_messages_are_latvian(
    latvian: None, tmp_path: Path, runner: CliRunner
) -> None:
    assert runner.invoke(app, ["init", str(tmp_path)]).exit_code == 0
    project = ["--project", str(tmp_path)]
    assert "Vēl nav reģistrētu izmaiņu." in runner.invoke(app, [*project, "log"]).output
    assert "Vēl nav transkriptu" in runner.invoke(app, [*project, "transcripts"]).output
    assert "Vēl nav atzīmju." in runner.invoke(app, [*project, "coders"]).output
