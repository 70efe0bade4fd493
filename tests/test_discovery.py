"""Keyword discovery: keyness with KWIC, --by groups, similar turns, keys, --add."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import DEMO_CODEBOOK, REPO
from typer.testing import CliRunner

from qualcode.cli import app
from qualcode.codebook import read_codebook_file
from qualcode.errors import QualcodeError
from qualcode.nlp.stats import keyness, significance
from qualcode.project import Project

CODING = REPO / "transcripts" / "coding.csv"


@pytest.fixture
def coded(demo_project: Project, tmp_path: Path) -> Project:
    """The demo project with a private codebook copy and a few tags of needs-training."""
    book = tmp_path / "book.yaml"
    shutil.copy2(DEMO_CODEBOOK, book)
    demo_project.load_codebook(book)
    for name, turn in (("LV-01", "28"), ("LV-04", "18"), ("EN-01", "28"), ("LV-03", "28")):
        demo_project.tag(name, ["needs-training"], turns=turn)
    return demo_project


def test_g2_and_log_ratio_match_the_formula() -> None:
    target, reference = np.array([10, 5, 0, 85]), np.array([10, 200, 30, 760])
    (top, *_) = keyness(target, reference, min_freq=1)
    a, b, c, d = 10, 10, 100, 1000
    e1, e2 = c * (a + b) / (c + d), d * (a + b) / (c + d)
    assert top.index == 0
    assert top.g2 == pytest.approx(2 * (a * math.log(a / e1) + b * math.log(b / e2)), abs=0.01)
    assert top.log_ratio == pytest.approx(math.log2((10.5 / 100) / (10.5 / 1000)), abs=0.01)
    # only over-used keys: 1 and 2 are relatively rarer in the target
    assert [s.index for s in keyness(target, reference, min_freq=1)] == [0, 3]
    assert significance(top.g2) == "***" and significance(1.0) == ""


def test_keywords_of_a_code_come_with_counts_and_contexts(coded: Project) -> None:
    (result,) = coded.keyness("needs-training", limit=10, contexts=2)
    assert result.target_turns == 4 and result.reference_turns > 100
    terms = {t.key: t for t in result.terms}
    kursi = next(t for t in result.terms if t.term == "kursi")
    assert kursi.in_codebook and kursi.target >= 2 and kursi.g2 > 3.84
    for t in result.terms:
        for c in t.contexts:
            assert c.word in t.forms  # the KWIC line shows a form of the term
    assert "es" not in terms and "un" not in terms  # stop words are left out


def test_keywords_by_attribute_compare_each_group_with_the_rest(coded: Project) -> None:
    results = coded.keyness(by="town", limit=3, contexts=0)
    assert {r.target for r in results} == {
        "town=Jelgava",
        "town=Rīga",
        "town=Talsi",
        "town=Ventspils",
        "town=Viļaka",
    }
    talsi = next(r for r in results if r.target == "town=Talsi")
    assert talsi.terms and talsi.terms[0].target > talsi.terms[0].reference / 10


def test_keywords_need_tags_a_code_or_a_known_attribute(demo_project: Project) -> None:
    with pytest.raises(QualcodeError, match="no respondent turn is tagged"):
        demo_project.keyness("low-pay")
    with pytest.raises(QualcodeError, match="one of the two"):
        demo_project.keyness()
    with pytest.raises(QualcodeError, match="did you mean 'town'"):
        demo_project.keyness(by="twn")


def test_similar_turns_to_a_turn_and_to_a_code(coded: Project) -> None:
    result = coded.similar(transcript="LV-01", turn=28, limit=5)
    assert result.turns and ("LV-01", 28) not in {(t.transcript, t.turn) for t in result.turns}
    assert all(0 < t.score <= 1 for t in result.turns)
    assert [t.score for t in result.turns] == sorted((t.score for t in result.turns), reverse=True)
    by_code = coded.similar(code="needs-training", limit=20)
    assert all("needs-training" not in t.codes for t in by_code.turns)  # untagged ones only
    with pytest.raises(QualcodeError, match="no respondent turn 1"):
        coded.similar(transcript="LV-01", turn=1)


def test_keys_explain_matching_and_name_the_codes(coded: Project) -> None:
    items = coded.explain_keys(["mācības", "mācību", "stundām", "darba laiks"], lang="lv")
    assert items[0].key == items[1].key == "mācīb"
    assert "needs-training:mācības" in items[0].codes
    assert "more-hours:stunda" in items[2].codes
    assert items[3].key == "darb laik" and "more-hours:darba laiks" in items[3].codes
    assert items[0].tokens[0].lemma == "mācība"


def test_adding_keywords_edits_the_codebook_file_and_reloads_it(coded: Project) -> None:
    path = Path(coded.store.codes.latest_version()["source"])
    before = path.read_text("utf-8")
    done = coded.add_keywords("needs-training", ["psiholoģija", "kursi"])
    assert done.added == ("psiholoģija",)  # kursi is there already
    spec = next(c for c, _, _ in read_codebook_file(path).walk() if c.name == "needs-training")
    assert "psiholoģija" in spec.keywords
    assert "psiholoģija" in coded.code("needs-training").keywords
    assert before.splitlines()[0] in path.read_text("utf-8")  # comments kept


def test_discovery_commands(coded: Project, runner: CliRunner) -> None:
    where = ["--project", str(coded.root)]
    result = runner.invoke(app, [*where, "keywords", "needs-training", "--limit", "5"])
    assert result.exit_code == 0, result.output
    assert "kursi" in result.stdout and "G2" in result.stdout
    data = json.loads(
        runner.invoke(app, [*where, "keywords", "--by", "role", "--format", "json"]).stdout
    )
    assert {d["target"] for d in data} == {"role=mediator", "role=municipal-staff"}
    result = runner.invoke(app, [*where, "similar", "LV-01", "28", "--format", "csv"])
    assert result.exit_code == 0 and result.stdout.startswith("transcript,turn,score")
    result = runner.invoke(
        app, [*where, "keys", "-", "--format", "json"], input="mācības\nmācību\n\n"
    )
    keys = json.loads(result.stdout)
    assert [k["key"] for k in keys] == ["mācīb", "mācīb"]
    added = runner.invoke(app, [*where, "keywords", "needs-training", "--add", "apmācīt,jauns"])
    assert added.exit_code == 0 and "jauns" in added.stdout
    bad = runner.invoke(app, [*where, "similar"])
    assert bad.exit_code == 2


def test_keys_works_outside_a_project(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("QUALCODE_PROJECT", raising=False)
    result = runner.invoke(app, ["keys", "meetings", "meeting", "--lang", "en", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:] == [
        "meetings,meet,meet,dictionary,",
        "meeting,meet,meet,dictionary,",
    ]
