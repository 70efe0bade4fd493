"""qualcode search: lemma-key search with Latvian inflections, regex, --code, --by, --tag."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from coding_fixture import make_project
from typer.testing import CliRunner

from qualcode.cli import app
from qualcode.errors import QualcodeError
from qualcode.project import Project


@pytest.fixture(scope="module")
def proj_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("search"))


@pytest.fixture
def proj(proj_template: Path, tmp_path: Path) -> Path:
    import shutil

    shutil.copytree(proj_template, tmp_path / "proj")
    return tmp_path / "proj"


def test_a_word_finds_its_inflected_forms_with_context_and_speaker(proj: Path) -> None:
    with Project.open(proj) as p:
        result = p.search("mācības")
    found = {(h.transcript, h.turn, h.text) for h in result.hits}
    # mācības (the interviewer's question), Mācību, mācību: one lemma, three places
    assert found == {("LV-A", 3, "mācības"), ("LV-A", 4, "Mācību"), ("LV-B", 2, "mācību")}
    hit = next(h for h in result.hits if h.transcript == "LV-B")
    assert hit.speaker == "R" and hit.role == "respondent" and hit.respondent == "LV-B"
    assert hit.before.endswith("vajag vairāk ") and hit.after.startswith(" par likumiem")
    assert hit.attributes == {"town": "Rīga"}


def test_a_phrase_matches_across_case_and_inflection_and_commas_give_alternatives(
    proj: Path,
) -> None:
    with Project.open(proj) as p:
        phrase = p.search("par maz")
        either = p.search("alga, kursi")
    # "Par   MAZ" (several spaces) is not found: the token tables keep a run of spaces as
    # a token, as suggestions do, so a phrase matches words separated by one space only.
    assert [(h.transcript, h.turn, h.text) for h in phrase.hits] == [
        ("LV-A", 2, "par maz"),
        ("LV-B", 4, "par maz"),
    ]
    assert sorted(h.text for h in either.hits) == ["Alga", "algas", "kursus"]


def test_regex_search_and_a_bad_regex(proj: Path) -> None:
    with Project.open(proj) as p:
        result = p.search(r"maks\w*", regex=True)
        assert [h.text for h in result.hits] == ["maksā", "maksā"]
        with pytest.raises(QualcodeError, match="not a valid regular expression"):
            p.search("(", regex=True)


def test_code_restricts_to_tagged_turns_and_by_groups_the_hits(proj: Path) -> None:
    with Project.open(proj) as p:
        p.tag("LV-B", ["needs-training"], turns="2")
        only = p.search("mācības", code="improve-cooperation")  # a parent includes children
        grouped = p.search("par maz", by=["town"])
        with pytest.raises(QualcodeError, match="no attribute 'pilsēta'"):
            p.search("alga", by=["pilsēta"])
    assert [(h.transcript, h.turn, h.codes) for h in only.hits] == [
        ("LV-B", 2, ("needs-training",))
    ]
    assert grouped.group_counts() == {"Rīga": 1, "Talsi": 1}
    assert [h.group for h in grouped.hits] == ["Rīga", "Talsi"]


def test_tag_hits_tags_each_turn_once_as_one_undoable_command(proj: Path) -> None:
    with Project.open(proj) as p:
        result = p.search("par maz")
        changes = p.tag_search_hits(result, "low-pay")
        assert [(c.transcript, c.turn) for c in changes] == [("LV-A", 2), ("LV-B", 4)]
        assert len(p.tags(code="low-pay")) == 2
        last = p.log(limit=1)[0]
        assert [c.table for c in last.changes] == ["tags", "tags"]
        p.undo()
        assert p.tags() == []


def test_cli_search_prints_kwic_lines_and_json_rows(proj: Path, runner: CliRunner) -> None:
    base = ["--project", str(proj), "search"]
    result = runner.invoke(app, [*base, "algas"])
    assert result.exit_code == 0, result.output
    assert "LV-A   2 R" in result.stdout and "Alga ir maza" in result.stdout
    assert "2 hits in 2 turns of 2 transcripts" in result.stdout
    result = runner.invoke(app, [*base, "algas", "--format", "json"])
    data = json.loads(result.stdout)
    assert data["key"] == "search"
    assert {r["match"] for r in data["rows"]} == {"Alga", "algas"}
    assert {r["town"] for r in data["rows"]} == {"Talsi", "Rīga"}


def test_cli_search_tag_asks_first_and_yes_skips(proj: Path, runner: CliRunner) -> None:
    base = ["--project", str(proj), "search", "kursi", "--tag", "needs-training"]
    result = runner.invoke(app, base, input="n\n")
    assert result.exit_code == 1 and "LV-A: turns 4" in result.stdout
    assert "nothing tagged" in result.stderr
    result = runner.invoke(app, [*base, "--yes"])
    assert result.exit_code == 0, result.output
    assert "tagged 1 turns with needs-training" in result.stdout
    with Project.open(proj) as p:
        assert [(t.transcript, t.turn_number) for t in p.tags()] == [("LV-A", 4)]
