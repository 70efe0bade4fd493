"""Tagging by quoting the text: qualcode tag NAME --text "..." CODE."""

from __future__ import annotations

from pathlib import Path

import pytest
from coding_fixture import make_project
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from qualcode.cli import app
from qualcode.errors import NotFound, QualcodeError
from qualcode.project import Project


@pytest.fixture
def proj(tmp_path: Path) -> Path:
    return make_project(tmp_path)


def test_a_quote_tags_the_one_span_it_matches_ignoring_case_and_spacing(proj: Path) -> None:
    with Project.open(proj) as p:
        changes = p.tag("LV-A", ["needs-training"], text="APMEKLĒT\n  kursus")
        (c,) = changes
        assert c.done and c.turn == 4 and c.text == "apmeklēt kursus"
        view = p.show("LV-A")
        assert view.text[c.start : c.end] == "apmeklēt kursus"
        assert [t.code for t in view.tags] == ["needs-training"]


def test_an_ambiguous_quote_lists_every_candidate_with_its_turn(proj: Path) -> None:
    with Project.open(proj) as p, pytest.raises(QualcodeError) as err:
        p.tag("LV-A", ["low-pay"], text="par maz maksā")
    message = str(err.value)
    assert "occurs 2 times" in message and message.count("turn 2:") == 2
    assert "qualcode tag LV-A 2 --text" in message


def test_a_turn_and_more_words_narrow_an_ambiguous_quote(proj: Path) -> None:
    with Project.open(proj) as p:
        (c,) = p.tag("LV-A", ["low-pay"], text="maz maksā arī", turns="2")
        assert c.text == "MAZ maksā arī"
        with pytest.raises(NotFound, match="is not in LV-A turn 4"):
            p.tag("LV-A", ["low-pay"], text="alga", turns="4")


def test_a_missing_quote_names_turns_holding_its_longest_word(proj: Path) -> None:
    with Project.open(proj) as p, pytest.raises(NotFound) as err:
        p.tag("LV-A", ["low-pay"], text="kursus bez maksas")
    assert "'kursus' occurs in turn 4: " in str(err.value)
    assert p_tags(proj) == []


def test_a_quote_never_matches_across_two_turns(proj: Path) -> None:
    with Project.open(proj) as p, pytest.raises(NotFound):
        p.tag("LV-A", ["low-pay"], text="Paldies. Lūdzu")


def p_tags(proj: Path) -> list[str]:
    with Project.open(proj) as p:
        return [t.code for t in p.tags()]


def test_cli_tag_text_echoes_the_tagged_passage_and_undo_removes_it(
    proj: Path, runner: CliRunner
) -> None:
    args = ["--project", str(proj), "tag", "LV-B", "--text", "vairāk  mācību", "needs-training"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "tagged LV-B turn 2" in result.stdout and "“vairāk mācību”" in result.stdout
    assert p_tags(proj) == ["needs-training"]
    assert runner.invoke(app, ["--project", str(proj), "undo"]).exit_code == 0
    assert p_tags(proj) == []


def test_cli_tag_text_with_a_turn_and_an_ambiguous_error(proj: Path, runner: CliRunner) -> None:
    base = ["--project", str(proj), "tag", "LV-A"]
    result = runner.invoke(app, [*base, "--text", "par maz maksā", "low-pay"])
    assert result.exit_code == 1 and "occurs 2 times" in result.stderr
    result = runner.invoke(app, [*base, "2", "--text", "Par MAZ maksā arī", "low-pay"])
    assert result.exit_code == 0, result.output
    assert "“Par   MAZ maksā arī”" in result.stdout or "“Par MAZ maksā arī”" in result.stdout


@settings(max_examples=40, deadline=None)
@given(
    words=st.lists(
        st.text(alphabet="abcāčēģīķļņšūž", min_size=1, max_size=6), min_size=1, max_size=4
    ),
    gaps=st.lists(st.sampled_from([" ", "  ", "\n", "\t "]), min_size=3, max_size=3),
)
def test_find_quote_matches_any_spacing_and_case_of_the_same_words(
    words: list[str], gaps: list[str]
) -> None:
    from qualcode.models import Transcript, TranscriptView, Turn
    from qualcode.tagging import find_quote

    body = "".join(w + gaps[i % len(gaps)] for i, w in enumerate(words)).rstrip()
    text = "R: " + body
    turn = Turn(1, 1, 1, "R", "respondent", 3, len(text), text[3:])
    t = Transcript(1, "X", "x.txt", "txt", "utf-8", "", "lv", None, "")
    view = TranscriptView(t, "", [turn], [], text)
    found = find_quote(view, " ".join(words).upper())
    assert found and found[0][0] == 3
    assert " ".join(text[found[0][0] : found[0][1]].split()).lower() == " ".join(words).lower()
