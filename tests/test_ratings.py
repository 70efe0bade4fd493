"""Ratings: distributions, mean, median, bands, missing answers, scale checks, survey load."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from report_fixture import REPO_DEMO_ATTRIBUTES, cli, fixture_db, open_copy
from typer.testing import CliRunner

from qualcode.errors import QualcodeError
from qualcode.project import Project
from qualcode.ratings import load_survey, parse_range, ratings
from qualcode.reports import Share


@pytest.fixture
def fx(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Iterator[Project]:
    """A private copy of the hand-computed fixture project."""
    yield from open_copy(fixture_db(tmp_path_factory), tmp_path)


def test_statements_from_codebook_and_columns_found_by_their_values(fx: Project) -> None:
    r = ratings(fx.store)
    assert [(row.column, row.statement) for row in r.rows] == [
        ("r_prof", "Profesionāla un efektīva sadarbība"),  # named in the codebook: first
        ("r_joint", "r_joint"),
    ]
    assert r.scale == (1, 10) and r.respondents == 4  # A, C, D and the survey-only E


def test_distribution_mean_median_bands_and_missing(fx: Project) -> None:
    r = ratings(fx.store, bands=[(1, 3)])
    prof, joint = r.rows[0].overall, r.rows[1].overall
    # r_prof: A 8, C 9, D 10, E 3
    assert (prof.answered, prof.missing, prof.mean, prof.median) == (4, 0, 7.5, 8.5)
    assert prof.counts == {1: 0, 2: 0, 3: 1, 4: 0, 5: 0, 6: 0, 7: 0, 8: 1, 9: 1, 10: 1}
    assert prof.bands == {"8-9": Share(2, 4), "8-10": Share(3, 4), "1-3": Share(1, 4)}
    assert prof.share(10) == Share(1, 4)
    # r_joint: A 9, C 2, E 8; D did not answer: missing, outside the shares
    assert (joint.answered, joint.missing, joint.median) == (3, 1, 8.0)
    assert joint.mean == pytest.approx(19 / 3)
    assert joint.bands["8-9"] == Share(2, 3) and joint.bands["1-3"] == Share(1, 3)


def test_by_group(fx: Project) -> None:
    r = ratings(fx.store, ["r_prof", "r_joint"], by=["town"])
    assert r.groups == [("Jelgava",), ("Rīga",), ("Talsi",)]
    riga = r.rows[0].groups[("Rīga",)]  # C 9, E 3
    assert (riga.answered, riga.mean, riga.median, riga.bands["8-9"]) == (2, 6.0, 6.0, Share(1, 2))
    jelgava_joint = r.rows[1].groups[("Jelgava",)]
    assert (jelgava_joint.answered, jelgava_joint.missing, jelgava_joint.mean) == (0, 1, None)


def test_named_column_outside_the_scale_names_the_respondents(fx: Project) -> None:
    with fx.store.write():
        fx.store.respondents.upsert("C", {"r_prof": "11"})
        fx.store.respondents.upsert("D", {"r_prof": "7.5"})
    with pytest.raises(QualcodeError, match=r"'r_prof'.*outside the scale 1-10.*C='11', D='7.5'"):
        ratings(fx.store)
    assert ratings(fx.store, scale=(0, 11), columns=["r_joint"]).rows[0].column == "r_joint"


def test_found_column_mostly_on_the_scale_is_reported_as_skipped(fx: Project) -> None:
    with fx.store.write():
        for rid, value in {"A": "5", "C": "6", "D": "7", "E": "42"}.items():
            fx.store.respondents.upsert(rid, {"r_extra": value})
        fx.store.respondents.upsert("A", {"age": "54"})
        fx.store.respondents.upsert("C", {"age": "37"})
    r = ratings(fx.store)
    assert [row.column for row in r.rows] == ["r_prof", "r_joint"]
    assert r.skipped == ["r_extra: not reported, values outside 1-10: E='42'"]


def test_load_survey_checks_every_value_and_stores_nothing_on_error(
    fx: Project, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("respondent_id,q1,q2\nA,5,\nC,11,x\n", encoding="utf-8")
    with pytest.raises(QualcodeError) as err:
        load_survey(fx.store, bad)
    assert "line 3 (C) q1='11'" in str(err.value) and "line 3 (C) q2='x'" in str(err.value)
    assert "q1" not in fx.store.respondents.attributes("A")
    good = tmp_path / "survey.csv"
    good.write_text("respondent_id;q1;q2\nA;5;\nF;10;nav\n", encoding="utf-8")
    loaded = load_survey(fx.store, good)
    assert (loaded.respondents, loaded.columns, loaded.answers) == (2, ["q1", "q2"], 2)
    r = ratings(fx.store, ["q1"])
    assert r.rows[0].overall.answered == 2 and r.rows[0].overall.mean == 7.5


def test_scale_from_the_command_line_and_bands(fx: Project, tmp_path: Path) -> None:
    survey = tmp_path / "five.csv"
    survey.write_text("id,s1\nA,1\nC,5\n", encoding="utf-8")
    with pytest.raises(QualcodeError, match="outside the scale 1-3"):
        load_survey(fx.store, survey, scale=(1, 3))
    load_survey(fx.store, survey, scale=(1, 5))
    r = ratings(fx.store, ["s1"], scale=(1, 5))
    assert r.values == [1, 2, 3, 4, 5] and r.rows[0].overall.counts[5] == 1
    assert parse_range("8-9") == (8, 9) and parse_range("1") == (1, 1)
    assert parse_range(" 1 – 10 ") == (1, 10)
    with pytest.raises(QualcodeError, match="LOW must not be above HIGH"):
        parse_range("9-8")
    with pytest.raises(QualcodeError, match="not LOW-HIGH"):
        parse_range("high")


def test_cli_ratings_and_load(fx: Project, runner: CliRunner, tmp_path: Path) -> None:
    out = cli(runner, fx, "ratings", "--band", "1-3", "--by", "town")
    assert out.exit_code == 0
    assert "Profesionāla un efektīva sadarbība" in out.stdout and "2 (50.0%)" in out.stdout
    data = json.loads(cli(runner, fx, "ratings", "--format", "json").stdout)
    first = data["rows"][0]  # the same records as the JSON export: shares as 3 numbers
    assert (first["8-9"], first["8-9_total"], first["8-9_share"]) == (2, 4, 0.5)
    rows = list(csv.DictReader(cli(runner, fx, "ratings", "--format", "csv").stdout.splitlines()))
    assert (rows[0]["8-9"], rows[0]["8-9_total"], rows[0]["8-9_share"]) == ("2", "4", "0.5")
    bad = tmp_path / "bad.csv"
    bad.write_text("respondent_id,q1\nA,3\nB,0\nC,12\n", encoding="utf-8")
    result = cli(runner, fx, "ratings", "load", str(bad))
    assert result.exit_code == 1
    assert "line 3 (B) q1='0'; line 4 (C) q1='12'" in result.stderr
    assert "nothing was loaded" in result.stderr
    ok = tmp_path / "ok.csv"
    ok.write_text("respondent_id,q1\nA,3\n", encoding="utf-8")
    result = cli(runner, fx, "ratings", "load", str(ok))
    assert result.exit_code == 0 and "Loaded 1 answers of 1 respondents" in result.stdout
    assert cli(runner, fx, "ratings", "--scale", "ten").exit_code == 1


def test_demo_ratings_match_the_attributes_csv(demo_project: Project) -> None:
    with open(REPO_DEMO_ATTRIBUTES, encoding="utf-8") as fh:
        table = list(csv.DictReader(fh))
    r = ratings(demo_project.store)
    columns = [c for c in table[0] if c.startswith("r_")]
    assert [row.column for row in r.rows] == columns  # the codebook's statements, in order
    for row in r.rows:
        values = [int(t[row.column]) for t in table if t[row.column].strip()]
        surveyed = [t for t in table if any(t[c].strip() for c in columns)]
        assert row.overall.answered == len(values)
        assert row.overall.missing == len(surveyed) - len(values)
        assert row.overall.bands["8-9"].n == sum(1 for v in values if v in (8, 9))
        assert row.statement != row.column
