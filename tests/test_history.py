"""Nothing a coder decided is lost: history, undo, managing imports, edits that keep tags."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from helpers import write_attributes, write_codebook, write_transcript

from qualcode.errors import NotFound, QualcodeError
from qualcode.project import Project

TURNS = [
    ("I", "Kā jums veicas sadarbība ar mediatori?"),
    ("R", "Mediatorei vajadzētu vairāk mācību un kursu. Alga ir par mazu."),
    ("I", "Un kas vēl?"),
    ("R", "Darba stundu ir maz, vajag vairāk darba stundu."),
]


@pytest.fixture
def src(tmp_path: Path) -> Path:
    folder = tmp_path / "src"
    folder.mkdir()
    write_transcript(folder, "R06.txt", TURNS)
    write_transcript(folder, "R07.txt", TURNS[:2])
    write_attributes(
        folder,
        [
            {"respondent_id": "R06", "file": "R06.txt", "town": "Cēsis", "role": "mediator"},
            {"respondent_id": "R07", "file": "R07.txt", "town": "cēsis ", "role": "mediator"},
        ],
    )
    return folder


@pytest.fixture
def study(project: Project, src: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.setenv("QUALCODE_CODER", "anna")
    project.load_codebook(write_codebook(src))
    report = project.import_paths(
        [src / "R06.txt", src / "R07.txt"], attributes=src / "attributes.csv"
    )
    assert not report.failed
    return project


def test_every_tag_change_is_logged_and_undo_reverts_the_last_command(study: Project) -> None:
    study.tag("R06", ["needs-training"], turns="2")
    study.tag("R06", ["low-pay"], turns="4")
    entry = study.log(limit=1)[0]
    assert entry.coder == "anna" and [c.table for c in entry.changes] == ["tags"]
    result = study.undo()
    assert [e.id for e in result.undone] == [entry.id]
    assert [t.code for t in study.tags()] == ["needs-training"]
    newest = study.log(limit=1)[0]
    assert newest.undo_of == entry.id and study.log(limit=2)[1].undone_by == newest.id


def test_undo_takes_only_the_current_coders_commands(
    study: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    study.tag("R06", ["needs-training"], turns="2")
    study.tag("R06", ["low-pay"], turns="2", coder="bruno")
    study.undo(1)  # anna's tag goes, bruno's stays
    assert [(t.code, t.coder) for t in study.tags()] == [("low-pay", "bruno")]
    # anna's next command is the import, and bruno's tag sits on its turns
    with pytest.raises(QualcodeError, match="later work depends on"):
        study.undo(1)
    assert [(t.code, t.coder) for t in study.tags()] == [("low-pay", "bruno")]


def test_removed_transcript_comes_back_with_its_tags_on_undo(study: Project) -> None:
    study.tag("R06", ["needs-training"], turns="2")
    study.tag("R06", ["low-pay"], span="0:4", across_turns=True)
    removed = study.remove_transcript("R06")
    assert removed.tags == 2 and "R06" not in [t.name for t in study.transcripts()]
    study.undo()
    assert sorted(t.code for t in study.tags(transcript="R06")) == ["low-pay", "needs-training"]
    assert study.show("R06").turns[1].text.startswith("Mediatorei")
    assert study.check().ok


def test_undo_is_refused_when_a_later_command_changed_the_same_rows(study: Project) -> None:
    study.set_attributes("R06", {"town": "Valmiera"})  # anna
    study.store.coder = "bruno"
    study.set_attributes("R06", {"town": "Rīga"})  # bruno, later, same attribute
    study.store.coder = None
    with pytest.raises(QualcodeError, match="changed again later by command"):
        study.undo()
    assert study.transcript("R06").attributes["town"] == "Rīga"


def test_codebook_load_and_import_are_undone_as_whole_commands(study: Project, src: Path) -> None:
    write_transcript(src, "R08.txt", [("I", "Jautājums?"), ("R", "Atbilde par algu.")])
    study.import_paths([src / "R08.txt"])
    assert "R08" in [t.name for t in study.transcripts()]
    study.undo()
    assert "R08" not in [t.name for t in study.transcripts()]
    assert study.check().ok


def test_log_filters_by_transcript_and_code(study: Project) -> None:
    study.tag("R06", ["needs-training"], turns="2")
    study.tag("R07", ["low-pay"], turns="2")
    tagged = [c.code for e in study.log(transcript="R07") for c in e.changes if c.table == "tags"]
    assert tagged == ["low-pay"]
    touched = {c.transcript for e in study.log(code="needs-training") for c in e.changes}
    assert touched == {"R06", None}  # the tag, and the codebook load that made the code
    with pytest.raises(NotFound, match="did you mean"):
        study.log(transcript="R6x")


def test_rename_and_relink_transcripts_and_edit_respondents(study: Project) -> None:
    study.rename_transcript("R07", "R07-Cesis")
    t = study.relink_transcript("R07-Cesis", "R06")
    assert t.respondent == "R06" and t.attributes["town"] == "Cēsis"
    r = study.set_attributes("R06", {"Town": "Valmiera", "age": "41"})
    assert r.attributes["town"] == "Valmiera" and r.attributes["age"] == "41"
    r = study.unset_attributes("R06", ["age"])
    assert "age" not in r.attributes
    r = study.rename_respondent("R06", "R-06")
    assert set(r.transcripts) == {"R06", "R07-Cesis"}
    with pytest.raises(QualcodeError, match="exists already"):
        study.rename_transcript("R06", "R07-Cesis")
    with pytest.raises(QualcodeError, match="no attribute"):
        study.unset_attributes("R-06", ["shoe-size"])


def test_attribute_names_in_by_are_case_insensitive_and_spelling_variants_warned(
    study: Project, src: Path
) -> None:
    assert study.report(by=["Town"]).by == ("town",)
    report = study.import_paths([src / "R06.txt"], attributes=src / "attributes.csv")
    assert any("differ only by case or spacing" in w for w in report.warnings)


def test_attributes_row_naming_a_missing_file_is_an_error_with_the_closest(
    study: Project, src: Path
) -> None:
    bad = src / "bad.csv"
    bad.write_text("respondent_id,file,town\nR06,R6.txt,Cēsis\n", encoding="utf-8")
    with pytest.raises(
        QualcodeError, match="bad.csv:2: no transcript file named 'R6.txt'.*R06.txt"
    ):
        study.load_attributes(bad)


def test_attributes_csv_reload_relinks_transcripts(study: Project, src: Path) -> None:
    csv = src / "relink.csv"
    csv.write_text("respondent_id,file,town\nR99,R07.txt,Valka\n", encoding="utf-8")
    load = study.load_attributes(csv)
    assert load.relinked == ["R07 -> R99"]
    assert study.transcript("R07").attributes["town"] == "Valka"


def test_reimport_of_an_edited_file_keeps_name_respondent_and_tags(
    study: Project, src: Path
) -> None:
    study.tag("R06", ["needs-training"], turns="2")
    study.tag("R06", ["low-pay"], span="72:92")  # "Alga ir par mazu."? the text span
    edited = [(s, t.replace("Mediatorei", "Mediatorei noteikti")) for s, t in TURNS]
    edited.insert(2, ("I", "Paldies."))
    edited.insert(3, ("R", "Lūdzu."))
    write_transcript(src, "R06.txt", edited)
    report = study.import_paths([src / "R06.txt"], replace=True)  # no --attributes
    assert [o.status for o in report.outcomes] == ["replaced"], report.outcomes
    t = study.transcript("R06")
    assert t.respondent == "R06" and t.attributes["town"] == "Cēsis"
    tags = study.tags(transcript="R06")
    whole = next(g for g in tags if g.code == "needs-training")
    assert whole.turn_number == 2 and whole.text.startswith("Mediatorei noteikti")
    assert all(g.status == "placed" for g in tags)
    assert [t.name for t in study.transcripts()] == ["R06", "R07"]


def test_rejected_decision_on_an_unchanged_turn_stays_rejected_after_replace(
    study: Project, src: Path
) -> None:
    study.suggest()
    pending = study.suggestions(transcript="R06")
    assert pending
    study.decide(pending[0].id, "reject")
    write_transcript(src, "R06.txt", [*TURNS, ("I", "Vēl kas?"), ("R", "Nē.")])
    study.import_paths([src / "R06.txt"], replace=True)
    assert study.suggestion(pending[0].id).status == "rejected"


def test_a_span_may_not_cross_turns_unless_asked(study: Project) -> None:
    view = study.show("R06")
    start, end = view.turns[0].start, view.turns[1].start + 5
    with pytest.raises(QualcodeError, match="crosses turns 1, 2"):
        study.tag("R06", ["low-pay"], span=f"{start}:{end}")
    assert study.tag("R06", ["low-pay"], span=f"{start}:{end}", across_turns=True)[0].done


def test_untag_by_turn_offers_the_span_tags_inside_it(study: Project) -> None:
    turn = study.show("R06").turns[1]
    study.tag("R06", ["low-pay"], span=f"{turn.start + 3}:{turn.start + 20}")
    with pytest.raises(NotFound, match="span tags of low-pay inside it"):
        study.untag("R06", ["low-pay"], turns="2")
    assert study.untag("R06", ["low-pay"], turns="2", inside=True)[0].done
    assert study.tags() == []


def test_equal_tag_is_refused_and_sentence_accept_in_a_tagged_turn_counts_once(
    study: Project,
) -> None:
    assert study.tag("R06", ["low-pay"], turns="2")[0].done
    again = study.tag("R06", ["low-pay"], turns="2")[0]
    assert not again.done and "already tagged" in again.note
    turn = study.show("R06").turns[1]
    with study.store.write():
        study.store.suggestions.insert_many(
            [
                (
                    study.transcript("R06").id,
                    turn.id,
                    study.code("low-pay").id,
                    turn.start + 3,
                    turn.start + 20,
                    0.9,
                    "[]",
                    "keyword: alga",
                    None,
                    "2026-01-01T00:00:00",
                )
            ]
        )
    (s,) = study.suggestions(transcript="R06", code="low-pay")
    decision = study.decide(s.id, "accept")
    assert decision.status == "accepted" and decision.tag_id is None
    assert study.report().rows[-1].passages == 1


def test_retired_code_still_counts_toward_its_parent(study: Project, src: Path) -> None:
    study.tag("R06", ["needs-training"], turns="2")
    smaller = src / "codebook.yaml"
    smaller.write_text(
        "title: T\nlanguage: lv\ncodes:\n  - name: improve-cooperation\n"
        "    children:\n      - name: more-hours\n  - name: low-pay\n",
        encoding="utf-8",
    )
    load = study.load_codebook(smaller)
    assert load.retired == ["needs-training"]
    rows = {r.code: r for r in study.report().rows}
    assert rows["improve-cooperation"].respondents.n == 1
    assert rows["needs-training"].retired and rows["needs-training"].respondents.n == 1


def test_check_reports_detached_tags_and_exits_clean_otherwise(study: Project, src: Path) -> None:
    assert study.check().ok
    study.tag("R06", ["low-pay"], turns="4")
    write_transcript(src, "R06.txt", [*TURNS[:2], ("I", "Paldies!")])
    report = study.import_paths([src / "R06.txt"], replace=True)
    assert report.failed and "would be lost" in report.failed[0].message
    study.import_paths([src / "R06.txt"], replace=True, force=True)
    check = study.check()
    assert not check.ok and any("detached tag" in p for p in check.problems)
    (tag,) = study.tags(transcript="R06")
    assert tag.status == "detached" and tag.text.startswith("Darba stundu")


def test_backup_is_a_complete_copy_made_with_the_backup_api(study: Project, tmp_path: Path) -> None:
    study.tag("R06", ["low-pay"], turns="2")
    target = study.backup(tmp_path / "copy.db")
    with Project.open(target) as copy:
        assert [t.code for t in copy.tags()] == ["low-pay"]
    with pytest.raises(QualcodeError, match="exists"):
        study.backup(target)


def test_a_project_shared_between_threads_never_fails_a_write(study: Project) -> None:
    errors: list[BaseException] = []

    def work(code: str, turn: str) -> None:
        try:
            for _ in range(30):
                study.tag("R06", [code], turns=turn)
                study.untag("R06", [code], turns=turn)
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [
        threading.Thread(target=work, args=(c, t))
        for c, t in [("low-pay", "2"), ("more-hours", "4"), ("needs-training", "2")]
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == [] and study.tags() == []
    assert study.check().ok


def test_log_marks_undone_commands_and_the_undo(study: Project) -> None:
    from typer.testing import CliRunner

    from qualcode.cli import app

    study.tag("R06", ["low-pay"], turns="2")
    study.undo()
    out = CliRunner().invoke(app, ["--project", str(study.root), "log", "-n", "2"]).stdout
    assert "[undone by" in out and "[undo of" in out


def test_respondents_set_prints_stored_text_literally(study: Project) -> None:
    from typer.testing import CliRunner

    from qualcode.cli import app

    where = ["--project", str(study.root)]
    out = CliRunner().invoke(app, [*where, "respondents", "set", "R06", "note=[red]x[/red]"])
    assert out.exit_code == 0 and "note=[red]x[/red]" in out.stdout
