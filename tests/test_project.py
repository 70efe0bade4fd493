"""Import, tagging and codebook updates through the library, on real SQLite files."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import write_attributes, write_codebook, write_transcript

from qualcode.errors import NotFound, QualcodeError
from qualcode.project import Project

TURNS_A = [
    ("I", "Kā jums veicas sadarbība ar mediatori?"),
    ("R", "Mediatorei vajadzētu vairāk mācību un kursu."),
    ("I", "Un kas vēl?"),
    ("R", "Alga ir par mazu, un darba stundu ir maz."),
]
TURNS_B = [
    ("Intervētāja", "Ko jūs domājat par darba laiku?"),
    ("Respondente", "Vajag vairāk darba stundu, tas ir skaidrs."),
]


@pytest.fixture
def src(tmp_path: Path) -> Path:
    folder = tmp_path / "src"
    folder.mkdir()
    write_transcript(folder, "a.txt", TURNS_A)
    write_transcript(folder, "b.txt", TURNS_B)
    write_attributes(
        folder,
        [
            {"respondent_id": "LV-01", "file": "a.txt", "town": "Talsi", "role": "mediator"},
            {
                "respondent_id": "LV-02",
                "file": "b.txt",
                "town": "Jelgava",
                "role": "municipal-staff",
            },
        ],
    )
    write_codebook(folder)
    return folder


@pytest.fixture
def loaded(project: Project, src: Path) -> Project:
    project.load_codebook(src / "codebook.yaml")
    report = project.import_paths([src], attributes=src / "attributes.csv")
    assert not report.failed
    return project


def test_import_names_transcripts_by_respondent_and_keeps_attributes(loaded: Project) -> None:
    items = {t.name: t for t in loaded.transcripts()}
    assert set(items) == {"LV-01", "LV-02"}
    assert items["LV-01"].attributes == {"town": "Talsi", "role": "mediator"}
    assert items["LV-01"].turn_count == 4 and items["LV-01"].language == "lv"


def test_turns_slice_the_stored_text_and_roles_follow_labels(loaded: Project) -> None:
    view = loaded.show("LV-02")
    assert [(u.number, u.speaker, u.role) for u in view.turns] == [
        (1, "Intervētāja", "interviewer"),
        (2, "Respondente", "respondent"),
    ]
    assert view.turns[1].text == TURNS_B[1][1]
    assert view.header.startswith("Intervija")


def test_a_transcript_is_found_by_file_name_too(loaded: Project) -> None:
    assert loaded.transcript("a.txt").name == "LV-01"
    assert loaded.transcript("a").name == "LV-01"


def test_unknown_transcript_names_the_closest(loaded: Project) -> None:
    with pytest.raises(NotFound, match="did you mean 'LV-01'"):
        loaded.transcript("LV-1")


def test_reimporting_the_same_bytes_is_a_no_op(loaded: Project, src: Path) -> None:
    report = loaded.import_paths([src / "a.txt"])
    assert [o.status for o in report.outcomes] == ["unchanged"]
    assert len(loaded.transcripts()) == 2


def test_a_changed_file_with_the_same_name_is_refused_unless_replace(
    loaded: Project, src: Path
) -> None:
    loaded.tag("LV-01", ["needs-training"], turns="2")
    write_transcript(src, "a.txt", [*TURNS_A, ("R", "Un vēl viena atbilde.")])
    report = loaded.import_paths([src / "a.txt"], attributes=src / "attributes.csv")
    assert report.failed and "--replace" in report.failed[0].message
    report = loaded.import_paths([src / "a.txt"], attributes=src / "attributes.csv", replace=True)
    assert [o.status for o in report.outcomes] == ["replaced"]
    tags = loaded.tags(transcript="LV-01")
    assert [(g.code, g.turn_number, g.text) for g in tags] == [("needs-training", 2, TURNS_A[1][1])]


def test_replace_that_would_lose_tags_needs_force(loaded: Project, src: Path) -> None:
    loaded.tag("LV-01", ["low-pay"], turns="4")
    write_transcript(src, "a.txt", TURNS_A[:2])
    report = loaded.import_paths([src / "a.txt"], attributes=src / "attributes.csv", replace=True)
    assert report.failed and "would be lost" in report.failed[0].message
    assert len(loaded.tags(transcript="LV-01")) == 1


def test_broken_file_among_good_ones_imports_the_good_ones(
    project: Project, tmp_path: Path
) -> None:
    folder = tmp_path / "ten"
    folder.mkdir()
    for i in range(10):
        write_transcript(folder, f"t{i:02d}.txt", [("I", "Jautājums?"), ("R", f"Atbilde {i}.")])
    (folder / "t06.txt").write_bytes(b"\x00\x01\x02binary\x00" * 50)
    report = project.import_paths([folder])
    assert [Path(o.file).name for o in report.failed] == ["t06.txt"]
    assert len(report.imported) == 9 and len(project.transcripts()) == 9


def test_all_or_nothing_imports_nothing_when_one_file_is_broken(
    project: Project, tmp_path: Path
) -> None:
    folder = tmp_path / "ten"
    folder.mkdir()
    for i in range(10):
        write_transcript(folder, f"t{i:02d}.txt", [("R", f"Atbilde {i}.")])
    (folder / "t06.txt").write_bytes(b"")
    report = project.import_paths([folder], all_or_nothing=True)
    assert len(report.failed) == 1 and project.transcripts() == []


def test_tag_turns_ranges_and_spans(loaded: Project) -> None:
    loaded.tag("LV-01", ["low-pay", "more-hours"], turns="4", coder="anna")
    text = loaded.transcript_text(loaded.transcript("LV-01"))
    start = text.index("Alga")
    loaded.tag("LV-01", ["low-pay"], span=f"{start}:{start + 4}", coder="anna")
    tags = loaded.tags(transcript="LV-01")
    assert sorted((g.code, g.text) for g in tags) == [
        ("low-pay", "Alga"),
        ("low-pay", TURNS_A[3][1]),
        ("more-hours", TURNS_A[3][1]),
    ]
    assert all(g.turn_number == 4 and g.coder == "anna" for g in tags)
    changes = loaded.tag("LV-01", ["needs-training"], turns="1-2", coder="anna")
    assert [c.turn for c in changes] == [1, 2]
    assert "interviewer turn" in changes[0].note


def test_tagging_twice_is_reported_not_duplicated(loaded: Project) -> None:
    loaded.tag("LV-01", ["low-pay"], turns="4", coder="anna")
    again = loaded.tag("LV-01", ["low-pay"], turns="4", coder="anna")
    assert not again[0].done and again[0].note == "already tagged"
    assert len(loaded.tags()) == 1


def test_unknown_code_and_missing_turn_get_clear_errors(loaded: Project) -> None:
    with pytest.raises(NotFound, match="did you mean 'needs-training'"):
        loaded.tag("LV-01", ["needs-trainig"], turns="2")
    with pytest.raises(NotFound, match="has no turn 12 .*turns 1-4"):
        loaded.tag("LV-01", ["low-pay"], turns="12")
    with pytest.raises(QualcodeError, match="outside"):
        loaded.tag("LV-01", ["low-pay"], span="0:100000")
    assert loaded.tags() == []


def test_untag_removes_only_your_own_tags_unless_asked(loaded: Project) -> None:
    loaded.tag("LV-01", ["low-pay"], turns="4", coder="anna")
    with pytest.raises(NotFound, match="tagged by anna"):
        loaded.untag("LV-01", ["low-pay"], turns="4", coder="berta")
    loaded.untag("LV-01", ["low-pay"], turns="4", coder="anna")
    assert loaded.tags() == []


def test_reloading_a_changed_codebook_keeps_tags_and_retires_used_codes(
    loaded: Project, src: Path
) -> None:
    loaded.tag("LV-01", ["low-pay"], turns="4", coder="anna")
    path = write_codebook(src, "codes:\n  - name: needs-training\n    keywords: [kursi]\n")
    result = loaded.load_codebook(path)
    assert result.retired == ["low-pay"]
    assert set(result.removed) == {"improve-cooperation", "more-hours"}
    assert [g.code for g in loaded.tags()] == ["low-pay"]
    assert [c.name for c in loaded.codes()] == ["needs-training"]


def test_rename_keeps_tags_on_the_renamed_code(loaded: Project) -> None:
    loaded.tag("LV-01", ["low-pay"], turns="4", coder="anna")
    loaded.rename_code("low-pay", "low-salary")
    assert [g.code for g in loaded.tags()] == ["low-salary"]
    with pytest.raises(QualcodeError, match="exists already"):
        loaded.rename_code("low-salary", "needs-training")


def test_report_counts_respondents_once_and_parents_aggregate(loaded: Project) -> None:
    loaded.tag("LV-01", ["needs-training"], turns="2", coder="anna")
    loaded.tag("LV-01", ["needs-training"], turns="4", coder="anna")
    loaded.tag("LV-01", ["needs-training"], turns="4", coder="berta")  # same passage
    loaded.tag("LV-02", ["more-hours"], turns="2", coder="anna")
    loaded.tag("LV-02", ["low-pay"], turns="1", coder="anna")  # interviewer turn: not counted
    rows = {r.code: r for r in loaded.report().rows}
    assert (rows["needs-training"].respondents.n, rows["needs-training"].passages) == (1, 2)
    assert str(rows["needs-training"].respondents) == "1/2 (50%)"
    assert (rows["improve-cooperation"].respondents.n, rows["improve-cooperation"].passages) == (
        2,
        3,
    )
    assert rows["low-pay"].respondents.n == 0
    by_town = {r.code: r for r in loaded.report(by=["town"]).rows}
    cell = by_town["improve-cooperation"].groups
    assert (cell[("Jelgava",)].respondents.n, cell[("Talsi",)].passages) == (1, 2)
    assert by_town["low-pay"].groups[("Talsi",)].respondents.total == 1


def test_report_by_unknown_attribute_lists_known_ones(loaded: Project) -> None:
    with pytest.raises(QualcodeError, match="no attribute named 'towm'; did you mean 'town'"):
        loaded.report(by=["towm"])


def test_folder_given_as_a_relative_parent_path_is_imported(
    project: Project, src: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hidden = src / ".drafts"
    hidden.mkdir()
    write_transcript(hidden, "draft.txt", [("R", "Melnraksts.")])
    sub = src / "sub"
    sub.mkdir()
    monkeypatch.chdir(sub)
    report = project.import_paths([Path("..")], attributes=Path("../attributes.csv"))
    assert sorted(o.name or "" for o in report.imported) == ["LV-01", "LV-02"]
