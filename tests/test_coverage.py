"""Coverage of respondent turns and words, and saturation (new codes per interview)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from coding_fixture import make_project
from typer.testing import CliRunner

from qualcode.cli import app
from qualcode.errors import QualcodeError
from qualcode.project import Project


@pytest.fixture
def proj(tmp_path: Path) -> Path:
    return make_project(tmp_path)


def test_coverage_counts_respondent_turns_and_the_words_tags_cover(proj: Path) -> None:
    with Project.open(proj) as p:
        p.tag("LV-A", ["low-pay"], turns="2")
        p.tag("LV-A", ["needs-training"], text="apmeklēt kursus")  # 2 of turn 4's 6 words
        p.tag("LV-A", ["needs-training"], turns="1")  # an interviewer turn: not counted
        report = p.coverage(by=["town"])
    a = next(r for r in report.rows if r.name == "LV-A")
    assert (a.turns.n, a.turns.total) == (2, 3)
    words_2 = len(
        "Darbs patīk, bet par maz maksā. Alga ir maza, un Par MAZ maksā arī kolēģiem".split()
    )
    assert (a.words.n, a.words.total) == (words_2 + 2, words_2 + 6 + 4)
    b = next(r for r in report.rows if r.name == "LV-B")
    assert b.turns.n == 0 and b.group == "Rīga"
    assert [g.name for g in report.groups] == ["Rīga", "Talsi"]
    assert report.total.turns.total == 5
    # The uncoded respondent turns, longest first
    assert [(u.transcript, u.turn) for u in report.uncoded] == [
        ("LV-B", 2),
        ("LV-B", 4),
        ("LV-A", 6),
    ]


def test_saturation_orders_by_interview_date_and_counts_new_codes(proj: Path) -> None:
    with Project.open(proj) as p:
        p.tag("LV-A", ["low-pay", "needs-training"], turns="2")
        p.tag("LV-B", ["low-pay", "more-hours"], turns="4")
        imported = p.saturation()
        assert imported.order == "import"
        assert [(r.transcript, r.new, r.cumulative) for r in imported.rows] == [
            ("LV-A", 2, 2),
            ("LV-B", 1, 3),
        ]
        with pytest.raises(QualcodeError, match="have no interview_date"):
            p.saturation(order="date")
        p.set_attributes("LV-A", {"interview_date": "2021-07-01"})
        p.set_attributes("LV-B", {"interview_date": "2021-06-01"})
        dated = p.saturation()
    assert dated.order == "date"
    assert [(r.transcript, r.new_codes) for r in dated.rows] == [
        ("LV-B", ("low-pay", "more-hours")),
        ("LV-A", ("needs-training",)),
    ]


def test_cli_coverage_and_saturation_in_each_format(proj: Path, runner: CliRunner) -> None:
    base = ["--project", str(proj)]
    runner.invoke(app, [*base, "tag", "LV-A", "2", "low-pay"])
    result = runner.invoke(app, [*base, "coverage", "--by", "town"])
    assert result.exit_code == 0, result.output
    assert "Coverage by town" in result.stdout and "Uncoded respondent turns" in result.stdout
    data = json.loads(runner.invoke(app, [*base, "coverage", "--format", "json"]).stdout)
    first = data["rows"][0]
    assert first["transcript"] == "LV-A" and first["respondent turns coded"] == 1
    assert first["respondent turns coded_total"] == 3
    csv = runner.invoke(app, [*base, "saturation", "--format", "csv"]).stdout
    assert csv.splitlines()[0] == "#,transcript,date,codes,new,cumulative,new codes"
    md = runner.invoke(app, [*base, "saturation", "--format", "md"]).stdout
    assert "| 1 | LV-A |" in md
    table = runner.invoke(app, [*base, "saturation"]).stdout
    assert "1 (+1)" in table
