"""The CLI through typer's runner: exit codes, one-line errors, machine formats."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from helpers import write_attributes, write_codebook, write_transcript
from typer.testing import CliRunner

from qualcode.cli import app


@pytest.fixture
def proj(tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder with a codebook and two transcripts, as the current folder."""
    monkeypatch.delenv("QUALCODE_PROJECT", raising=False)
    monkeypatch.setenv("QUALCODE_CODER", "anna")
    src = tmp_path / "src"
    src.mkdir()
    write_transcript(
        src,
        "a.txt",
        [("I", "Kā iet?"), ("R", "Vajag vairāk mācību."), ("I", "Vēl?"), ("R", "Alga ir maza.")],
    )
    write_transcript(src, "b.txt", [("I", "Kā iet?"), ("R", "Vajag kursus.")])
    write_attributes(
        src,
        [
            {"respondent_id": "LV-01", "file": "a.txt", "town": "Talsi"},
            {"respondent_id": "LV-02", "file": "b.txt", "town": "Rīga"},
        ],
    )
    write_codebook(src)
    folder = tmp_path / "proj"
    assert runner.invoke(app, ["init", str(folder)]).exit_code == 0
    monkeypatch.chdir(folder)
    assert runner.invoke(app, ["codebook", "load", str(src / "codebook.yaml")]).exit_code == 0
    result = runner.invoke(app, ["import", str(src), "--attributes", str(src / "attributes.csv")])
    assert result.exit_code == 0, result.output
    return folder


def test_init_says_what_to_do_next(tmp_path: Path, runner: CliRunner) -> None:
    result = runner.invoke(app, ["init", str(tmp_path / "new")])
    assert result.exit_code == 0
    assert "qualcode codebook load" in result.stdout and (tmp_path / "new/qualcode.db").is_file()


def test_tag_report_untag_round_trip(proj: Path, runner: CliRunner) -> None:
    assert runner.invoke(app, ["tag", "LV-01", "2", "needs-training"]).exit_code == 0
    assert runner.invoke(app, ["tag", "LV-02", "2", "needs-training"]).exit_code == 0
    result = runner.invoke(app, ["report", "--format", "json"])
    rows = {r["code"]: r for r in json.loads(result.stdout)["rows"]}
    assert (rows["needs-training"]["respondents"], rows["needs-training"]["respondents_total"]) == (
        2,
        2,
    )
    assert runner.invoke(app, ["untag", "LV-01", "2", "needs-training"]).exit_code == 0
    rows = {
        r["code"]: r
        for r in json.loads(runner.invoke(app, ["report", "--format", "json"]).stdout)["rows"]
    }
    assert rows["needs-training"]["respondents"] == 1


def test_report_csv_and_md_carry_the_same_numbers(proj: Path, runner: CliRunner) -> None:
    runner.invoke(app, ["tag", "LV-01", "2,4", "needs-training", "low-pay"])
    out = runner.invoke(app, ["report", "--by", "town", "--format", "csv"]).stdout
    rows = {r["code"]: r for r in csv.DictReader(io.StringIO(out))}
    assert rows["low-pay"]["respondents"] == "1" and rows["low-pay"]["passages"] == "2"
    assert rows["low-pay"]["Talsi: respondents"] == "1"
    assert rows["low-pay"]["Rīga: respondents"] == "0"
    md = runner.invoke(app, ["report", "--format", "md"]).stdout
    assert md.startswith("| code |") and "| low-pay |" in md


def test_show_json_has_turn_numbers_offsets_and_tags(proj: Path, runner: CliRunner) -> None:
    runner.invoke(app, ["tag", "LV-01", "2", "needs-training"])
    data = json.loads(runner.invoke(app, ["show", "LV-01", "--format", "json"]).stdout)
    turn = data["turns"][1]
    assert (turn["turn"], turn["speaker"], turn["role"]) == (2, "R", "respondent")
    assert turn["text"] == "Vajag vairāk mācību."
    assert turn["tags"][0]["code"] == "needs-training" and turn["tags"][0]["coder"] == "anna"


def test_transcripts_listing_in_json(proj: Path, runner: CliRunner) -> None:
    data = json.loads(runner.invoke(app, ["transcripts", "--format", "json"]).stdout)
    assert [(t["name"], t["turns"], t["town"]) for t in data] == [
        ("LV-01", 4, "Talsi"),
        ("LV-02", 2, "Rīga"),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["tag", "LV-01", "2", "needs-trainig"], "did you mean 'needs-training'"),
        (["tag", "LV-9", "2", "low-pay"], "no transcript named 'LV-9'"),
        (["tag", "LV-01", "99", "low-pay"], "has no turn 99"),
        (["tag", "LV-01", "x-y", "low-pay"], "not a turn number"),
        (["tag", "LV-01", "--span", "5:2", "low-pay"], "START must be smaller"),
        (["report", "--by", "city"], "no attribute named 'city'"),
        (["untag", "LV-01", "2", "low-pay"], "nothing to remove"),
    ],
)
def test_bad_input_is_one_error_line_and_exit_1(
    proj: Path, runner: CliRunner, args: list[str], message: str
) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stderr.strip().startswith("Error:")


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "empty.txt", "empty"),
        (b"\x00\x01\x02\x03" * 40, "binary.txt", "binary"),
        (b"PK\x03\x04broken", "broken.docx", "docx"),
        (b"%PDF-1.4", "report.pdf", "not a readable pdf"),
    ],
)
def test_bad_files_fail_cleanly(
    proj: Path, runner: CliRunner, tmp_path: Path, content: bytes, name: str, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 1
    assert message in result.stderr.lower()
    assert "Traceback" not in result.stderr


def test_codebook_check_reports_file_and_line(tmp_path: Path, runner: CliRunner) -> None:
    path = tmp_path / "cb.yaml"
    path.write_text("codes:\n  - name: a\n  - name: a\n", "utf-8")
    result = runner.invoke(app, ["codebook", "check", str(path)])
    assert result.exit_code == 1 and f"{path}:3: duplicate code name 'a'" in result.stderr


def test_no_project_gives_a_hint(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("QUALCODE_PROJECT", raising=False)
    result = runner.invoke(app, ["transcripts"])
    assert result.exit_code == 1 and "qualcode init" in result.stderr


def test_project_option_points_at_a_project(
    proj: Path, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["--project", str(proj), "transcripts", "--format", "csv"])
    assert result.exit_code == 0 and result.stdout.startswith("name,file,")


def test_codebook_show_lists_counts(proj: Path, runner: CliRunner) -> None:
    runner.invoke(app, ["tag", "LV-01", "2", "needs-training"])
    data = json.loads(runner.invoke(app, ["codebook", "show", "--format", "json"]).stdout)
    counts = {c["name"]: c["tags"] for c in data}
    assert counts["needs-training"] == 1 and counts["low-pay"] == 0
    tree = runner.invoke(app, ["codebook", "show"]).stdout
    assert "needs-training" in tree and "(1)" in tree


def test_config_sets_the_default_coder_and_labels(
    proj: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("QUALCODE_CODER")
    assert runner.invoke(app, ["config", "coder", "berta"]).exit_code == 0
    assert runner.invoke(app, ["config", "interviewers", "Moderatore, I"]).exit_code == 0
    out = runner.invoke(app, ["config"]).stdout
    assert "coder = berta" in out and "interviewers = Moderatore,I" in out
    runner.invoke(app, ["tag", "LV-01", "2", "low-pay"])
    data = json.loads(runner.invoke(app, ["tags", "--format", "json"]).stdout)
    assert data[0]["coder"] == "berta"
    bad = runner.invoke(app, ["config", "codr", "x"])
    assert bad.exit_code == 1 and "did you mean 'coder'" in bad.stderr


def test_interviewer_and_speaker_labels_steer_roles_at_import(
    proj: Path, runner: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "c.txt"
    path.write_text("Moderatore: Kā jums iet?\nDace: Labi, paldies.\n", "utf-8")
    result = runner.invoke(
        app, ["import", str(path), "--interviewer", "Moderatore", "--speaker", "Dace"]
    )
    assert result.exit_code == 0, result.stderr
    turns = json.loads(runner.invoke(app, ["show", "c", "--format", "json"]).stdout)["turns"]
    assert [(t["speaker"], t["role"]) for t in turns] == [
        ("Moderatore", "interviewer"),
        ("Dace", "respondent"),
    ]


def test_a_second_writer_gets_a_clear_error(
    proj: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    holder = sqlite3.connect(proj / "qualcode.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        monkeypatch.setenv("QUALCODE_BUSY_TIMEOUT", "0.1")
        result = runner.invoke(app, ["tag", "LV-01", "2", "low-pay"])
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 1 and "another qualcode process" in result.stderr
    assert json.loads(runner.invoke(app, ["tags", "--format", "json"]).stdout) == []


def test_show_prints_recording_times_of_subtitle_turns(
    proj: Path, runner: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "rec.vtt"
    path.write_text(
        "WEBVTT\n\n00:01:05.000 --> 00:01:08.000\n<v Intervētāja>Kā jums iet?\n\n"
        "00:01:09.500 --> 00:01:15.000\n<v Respondente>Labi, vajag vairāk mācību.\n",
        "utf-8",
    )
    assert runner.invoke(app, ["import", str(path)]).exit_code == 0
    out = runner.invoke(app, ["show", "rec"]).stdout
    assert "[00:01:05] Intervētāja:" in out and "[00:01:09] Respondente:" in out
    turns = json.loads(runner.invoke(app, ["show", "rec", "--format", "json"]).stdout)["turns"]
    assert (turns[1]["start_time"], turns[1]["end_time"]) == (69.5, 75.0)
