"""`suggest` learning from the project's coding, --evaluate, and set-based bulk decisions."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import assert_dead_worker_reported_and_nothing_stored, die, project_from
from typer.testing import CliRunner

from qualcode.cli import app
from qualcode.project import Project

CODEBOOK = """\
language: lv
codes:
  - name: wants-course
    description: Wants training
    keywords: [seminārs]
  - name: weather
    description: Talks about the weather
    keywords: [laiks]
"""

COURSE = [
    "Gribu apmeklēt kursus par bērnu tiesībām un likumiem.",
    "Vajadzētu kursus par tiesībām, man tas palīdzētu darbā.",
    "Kursi par bērnu tiesībām būtu ļoti noderīgi.",
]
OTHER = [
    "Šodien ir silts laiks un spīd saule.",
    "Mans dēls iet skolā katru rītu.",
    "Vakarā mēs gatavojam vakariņas kopā.",
]


@pytest.fixture
def coded(tmp_path: Path) -> Project:
    """Four invented transcripts; the first three are to be coded by the tests."""
    turns = {
        f"T{i + 1}.txt": [
            ("I", "Ko jūs gribētu?"),
            ("R", COURSE[i]),
            ("I", "Un vēl?"),
            ("R", OTHER[i]),
        ]
        for i in range(3)
    }
    turns["T4.txt"] = [
        ("I", "Ko jūs gribētu?"),
        ("R", "Es gribētu kursus par bērnu tiesībām."),
        ("I", "Un vēl?"),
        ("R", "Mēs dzīvojam laukos."),
    ]
    p = project_from(tmp_path, turns, CODEBOOK)
    yield p
    p.close()


def code_three(p: Project) -> None:
    for name in ("T1", "T2", "T3"):
        p.tag(name, ["wants-course"], turns="2")
    p.mark_coded(["T1", "T2", "T3"])


def triples(p: Project) -> set[tuple[str, int | None, str]]:
    return {(s.transcript, s.turn, s.code) for s in p.suggestions()}


def test_learning_suggests_a_turn_like_the_coded_ones_without_a_keyword(coded: Project) -> None:
    coded.suggest()
    assert ("T4", 2, "wants-course") not in triples(coded)
    code_three(coded)
    run = coded.suggest()
    assert "wants-course" in run.learned
    got = {(s.transcript, s.turn, s.code): s for s in coded.suggestions()}
    s = got[("T4", 2, "wants-course")]
    assert s.probability is not None and 0.0 < s.probability <= 1.0
    assert "similar to T" in (s.rule or "")


def test_no_learn_gives_exactly_the_rules_only_suggestions(coded: Project, tmp_path: Path) -> None:
    coded.suggest(learn=False)
    rules_only = triples(coded)
    code_three(coded)
    coded.suggest(learn=False)
    assert triples(coded) == rules_only - {("T1", 2, "wants-course")}
    assert all(s.probability is None for s in coded.suggestions())


def test_learned_suggestions_are_deterministic_and_the_model_is_reused(coded: Project) -> None:
    code_three(coded)
    coded.suggest()
    first = [(s.transcript, s.turn, s.code, s.probability, s.rule) for s in coded.suggestions()]
    stamp = coded.store.conn.execute("SELECT created_at FROM models WHERE name = 'suggest-model'")
    before = stamp.fetchone()
    run = coded.suggest()
    again = [(s.transcript, s.turn, s.code, s.probability, s.rule) for s in coded.suggestions()]
    assert again == first and run.new == 0 and run.updated == 0
    after = coded.store.conn.execute(
        "SELECT created_at FROM models WHERE name = 'suggest-model'"
    ).fetchone()
    assert after == before  # same fingerprint: not trained again


def test_an_unchanged_project_reuses_its_model_without_making_training_examples(
    coded: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    import qualcode.suggest as suggest

    code_three(coded)
    coded.suggest()

    def no_training(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("training examples were made for an unchanged project")

    monkeypatch.setattr(suggest, "model_for", no_training)
    assert coded.suggest().learned == ("wants-course",)


def _trained_at(p: Project) -> str:
    row = p.store.conn.execute(
        "SELECT created_at, fingerprint FROM models WHERE name = ?", ["suggest-model"]
    )
    return "|".join(map(str, row.fetchone()))


@pytest.mark.parametrize(
    "change",
    ["tag", "reject", "done", "keyword", "role", "text"],
)
def test_each_change_to_what_the_model_learns_from_trains_it_again(
    coded: Project, tmp_path: Path, change: str
) -> None:
    code_three(coded)
    coded.mark_coded(["T1", "T2"])
    coded.suggest()
    before = _trained_at(coded)
    store = coded.store
    if change == "tag":
        coded.tag("T3", ["weather"], turns="4")
    elif change == "reject":
        sid = next(s.id for s in coded.suggestions() if s.transcript in ("T1", "T2", "T3"))
        coded.decide(sid, "reject")
    elif change == "done":
        coded.mark_coded(["T3"], done=False)
    elif change == "keyword":
        book = tmp_path / "codebook.yaml"
        book.write_text(CODEBOOK.replace("[laiks]", "[laiks, saule]"), "utf-8")
        coded.load_codebook(book)
    elif change == "role":  # the question before a turn is part of what it learns from
        with store.write(record=False):
            store.conn.execute(
                "UPDATE turns SET role = 'respondent' WHERE number = 1 AND transcript_id = "
                "(SELECT id FROM transcripts WHERE name = 'T1')"
            )
    else:
        with store.write(record=False):
            store.conn.execute("UPDATE transcripts SET sha256 = 'edited' WHERE name = 'T2'")
    coded.suggest()
    assert _trained_at(coded) != before


def test_the_model_is_stored_as_json_never_pickled(coded: Project) -> None:
    code_three(coded)
    coded.suggest()
    rows = coded.store.conn.execute("SELECT name, data FROM models").fetchall()
    assert "suggest-model" in {r[0] for r in rows}
    for _name, data in rows:
        # JSON text, kept as TEXT or (the model, written a piece at a time) its UTF-8 bytes
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        json.loads(text)  # plain JSON data
        assert "pickle" not in text and not text.startswith("\x80")
    model = json.loads(coded.store.learned.get("suggest-model")[1])
    assert model["codes"]["wants-course"]["status"] == "model"


def test_the_stored_model_is_ascii_json_that_keeps_latvian_words(coded: Project) -> None:
    # ASCII (\u escapes) halves the memory of saving and reading a large model back; the
    # words with diacritics must come back as they were.
    code_three(coded)
    coded.suggest()
    data = coded.store.learned.get("suggest-model")[1]
    assert data.isascii()
    features = json.loads(data)["features"]
    assert any(not f.isascii() for f in features)  # Latvian words, read back whole
    assert any("ā" in f or "ī" in f or "š" in f for f in features)


def test_evaluate_reports_each_code_and_says_which_are_rules_only(
    coded: Project, runner: CliRunner
) -> None:
    code_three(coded)
    coded.tag("T1", ["weather"], turns="4")
    where = ["--project", str(coded.store.path)]
    result = runner.invoke(app, [*where, "suggest", "--evaluate", "--folds", "3"])
    assert result.exit_code == 0, result.output
    assert "held out" in result.output and "rules only" in result.output
    assert "needs more hand coding" in result.output
    result = runner.invoke(app, [*where, "suggest", "--evaluate", "--format", "json"])
    rows = json.loads(result.stdout)
    assert [r["code"] for r in rows] == ["wants-course", "weather", "overall"]
    assert set(rows[0]) == {"code", "tags", "method", "precision", "recall", "f1", "tp", "fp", "fn"}
    assert rows[0]["tags"] == 3 and rows[1]["method"] == "rules only"
    result = runner.invoke(app, [*where, "suggest", "--evaluate", "--format", "csv"])
    assert result.stdout.splitlines()[0] == "code,tags,method,precision,recall,f1,tp,fp,fn"


def test_evaluate_without_known_negatives_says_what_to_do(coded: Project) -> None:
    coded.tag("T1", ["wants-course"], turns="2")
    with pytest.raises(Exception, match="transcripts done"):
        coded.evaluate_suggestions()


def test_bulk_accept_makes_tags_records_decisions_and_undoes(coded: Project) -> None:
    coded.suggest(learn=False)
    pending = coded.suggestions()
    tags_before = len(coded.tags())
    done = coded.decide_all("accept")
    assert len(done) == len(pending) > 0
    assert all(s.status == "accepted" for s in coded.suggestions(status="accepted"))
    assert coded.suggestions() == []
    tags = coded.tags()
    assert len(tags) == tags_before + len(pending)
    assert {t.origin for t in tags} == {"suggested"}
    conn = sqlite3.connect(coded.store.path)
    linked = conn.execute(
        "SELECT count(*) FROM suggestions s JOIN tags g ON g.id = s.tag_id "
        "WHERE s.status = 'accepted' AND g.code_id = s.code_id AND g.start = s.start"
    ).fetchone()[0]
    assert linked == len(pending)
    coded.undo()
    assert len(coded.tags()) == tags_before
    assert len(coded.suggestions()) == len(pending)


def test_bulk_accept_links_no_tag_when_the_coder_had_tagged_the_turn(coded: Project) -> None:
    coded.suggest(learn=False)
    target = next(s for s in coded.suggestions() if s.code == "weather")
    coded.tag(target.transcript, ["weather"], turns=str(target.turn))
    n = len(coded.tags())
    coded.store.conn.execute("PRAGMA foreign_keys = ON")
    coded.decide_all("accept", code="weather")
    assert (
        len(coded.tags())
        == n + len([s for s in coded.suggestions(status="accepted") if s.code == "weather"]) - 1
    )
    row = coded.store.conn.execute(
        "SELECT tag_id FROM suggestions WHERE id = ?", [target.id]
    ).fetchone()
    assert row[0] is None  # undo must not delete the coder's own tag


@pytest.mark.parametrize("large", [False, True], ids=["workers-first", "large-child"])
def test_learning_in_worker_processes_gives_the_same_model_and_suggestions(
    coded: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, large: bool
) -> None:
    import qualcode.suggest as suggest

    if large:  # trained as a large project is: in a child, its workers forked after the matrix
        monkeypatch.setattr(suggest, "LARGE_CODED_CHARS", 0)
    code_three(coded)
    for name in ("T1", "T2", "T3"):  # a second learned code: two fits to share out
        coded.tag(name, ["weather"], turns="4")
    monkeypatch.setenv("QUALCODE_WORKERS", "1")
    run = coded.suggest()
    assert set(run.learned) == {"wants-course", "weather"}

    def state() -> tuple[list[tuple[object, ...]], str]:
        shown = [(s.transcript, s.turn, s.code, s.probability, s.rule) for s in coded.suggestions()]
        row = coded.store.conn.execute("SELECT data FROM models WHERE name = 'suggest-model'")
        return shown, row.fetchone()[0]

    alone = state()
    with sqlite3.connect(tmp_path / "proj" / "qualcode.db") as conn:
        conn.execute("DELETE FROM models WHERE name = 'suggest-model'")  # trained again below
    monkeypatch.setenv("QUALCODE_WORKERS", "2")
    again = coded.suggest()
    assert (again.new, again.updated, again.removed) == (0, 0, 0)
    assert state() == alone


@pytest.mark.skipif(sys.platform != "linux", reason="a child process is forked on Linux only")
def test_a_large_project_trains_in_a_child_process_and_reads_its_model_back(
    coded: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    import qualcode.suggest as suggest

    code_three(coded)
    real = suggest.model_for
    trainers = tmp_path / "trainers.txt"

    def recorded(*args: Any, **kwargs: Any) -> Any:
        with trainers.open("a") as fh:  # a file: the child's memory is not this process's
            fh.write(f"{os.getpid()}\n")
        return real(*args, **kwargs)

    monkeypatch.setattr(suggest, "model_for", recorded)
    monkeypatch.setattr(suggest, "LARGE_CODED_CHARS", 0)  # as large as it must be
    monkeypatch.setenv("QUALCODE_WORKERS", "2")
    run = coded.suggest()
    assert run.learned == ("wants-course",)
    pids = trainers.read_text().split()
    assert len(pids) == 1 and int(pids[0]) != os.getpid()
    probabilities = [s.probability for s in coded.suggestions() if s.code == "wants-course"]
    assert probabilities and all(p is not None for p in probabilities)


@pytest.mark.skipif(sys.platform != "linux", reason="a child process is forked on Linux only")
def test_a_training_child_process_that_dies_gives_a_clear_error_and_stores_nothing(
    coded: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    import qualcode.nlp.learn as learn
    import qualcode.suggest as suggest

    code_three(coded)
    monkeypatch.setattr(suggest, "LARGE_CODED_CHARS", 0)  # as large as it must be
    monkeypatch.setenv("QUALCODE_WORKERS", "2")
    monkeypatch.setattr(learn, "prepare", die)  # only the training child prepares
    assert_dead_worker_reported_and_nothing_stored(coded)
    row = coded.store.conn.execute("SELECT 1 FROM models WHERE name = 'suggest-model'")
    assert row.fetchone() is None
    monkeypatch.undo()
    assert coded.suggest().learned == ("wants-course",)


@pytest.mark.skipif(sys.platform != "linux", reason="forked workers see the stand-in")
def test_a_prediction_worker_that_dies_gives_a_clear_error_and_stores_nothing(
    coded: Project, monkeypatch: pytest.MonkeyPatch
) -> None:

    from qualcode.nlp.learn import Model

    code_three(coded)
    monkeypatch.setenv("QUALCODE_WORKERS", "2")
    monkeypatch.setattr(Model, "predict_many", die)  # only the workers predict
    assert_dead_worker_reported_and_nothing_stored(coded)
    monkeypatch.undo()
    assert coded.suggest().new > 0


def test_a_transcript_is_fully_coded_when_each_respondent_turn_has_a_tag_or_a_decision(
    coded: Project,
) -> None:
    coded.suggest(learn=False)
    weather = next(s for s in coded.suggestions() if (s.transcript, s.turn) == ("T1", 4))
    coded.tag("T1", ["wants-course"], turns="2")
    coded.decide(weather.id, "reject")  # T1: turn 2 tagged, turn 4 decided
    coded.tag("T2", ["wants-course"], turns="2")  # T2: turn 4 neither
    tags = coded.store.tags
    assert tags.complete_transcripts() == {"T1"}
    assert tags.complete_transcripts(["T3"]) == {"T1", "T3"}
    coded.untag("T1", ["wants-course"], turns="2")
    assert tags.complete_transcripts() == set()
