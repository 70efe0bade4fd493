"""Report numbers against a small hand-computed project."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from report_fixture import cli, fixture_db, open_copy
from typer.testing import CliRunner

from qualcode.errors import QualcodeError
from qualcode.project import Project
from qualcode.reports import Share, cooccurrence, frequencies, matrix, shorten
from qualcode.reports_quotes import quotes


@pytest.fixture
def fx(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Iterator[Project]:
    """A private copy of the hand-computed fixture project."""
    yield from open_copy(fixture_db(tmp_path_factory), tmp_path)


def rows(report: object) -> dict[str, object]:
    return {r.code: r for r in report.rows}  # type: ignore[attr-defined]


def test_overall_counts_respondents_once_passages_and_transcripts(fx: Project) -> None:
    r = frequencies(fx.store)
    got = {c: (row.respondents, row.passages, row.transcripts) for c, row in rows(r).items()}
    assert got == {
        "improve": (Share(3, 4), 4, 3),  # parent: A2, A4, B2, C2
        "needs-training": (Share(2, 4), 3, 2),
        "more-hours": (Share(1, 4), 1, 1),  # A's interviewer turn does not count
        "low-pay": (Share(2, 4), 2, 2),
        "emotional-control": (Share(0, 4), 0, 0),
    }
    assert [x.code for x in r.rows] == [
        "improve",
        "needs-training",
        "more-hours",
        "low-pay",
        "emotional-control",
    ]
    assert (r.total_respondents, r.total_transcripts) == (4, 4)
    assert str(rows(r)["improve"].respondents) == "3/4 (75%)"


def test_by_group_keeps_empty_groups_as_zero(fx: Project) -> None:
    r = frequencies(fx.store, by=["town"])
    assert r.groups == [("Jelgava",), ("Rīga",), ("Talsi",)]
    assert r.group_sizes == {("Jelgava",): 1, ("Rīga",): 1, ("Talsi",): 2}
    improve = rows(r)["improve"].groups
    assert (improve[("Jelgava",)].respondents, improve[("Jelgava",)].passages) == (Share(0, 1), 0)
    assert (improve[("Rīga",)].respondents, improve[("Rīga",)].passages) == (Share(1, 1), 1)
    assert (improve[("Talsi",)].respondents, improve[("Talsi",)].passages) == (Share(2, 2), 3)
    assert rows(r)["needs-training"].groups[("Talsi",)].passages == 2


def test_nested_groups_include_empty_combinations(fx: Project) -> None:
    r = frequencies(fx.store, by=["town", "role"])
    assert len(r.groups) == 6 and r.group_sizes[("Rīga", "mediator")] == 0
    hours = rows(r)["more-hours"].groups
    assert hours[("Talsi", "mediator")].respondents == Share(1, 1)
    assert hours[("Rīga", "mediator")].respondents == Share(0, 0)
    assert hours[("Talsi", "staff")].respondents == Share(0, 1)


@pytest.mark.parametrize(
    ("unit", "minimum", "expected"),
    [
        ("respondent", 2, ["improve", "needs-training", "low-pay"]),
        ("passage", 3, ["improve", "needs-training"]),
        ("transcript", 3, ["improve"]),
        (
            "respondent",
            0,
            ["improve", "needs-training", "more-hours", "low-pay", "emotional-control"],
        ),
    ],
)
def test_unit_and_min(fx: Project, unit: str, minimum: int, expected: list[str]) -> None:
    r = frequencies(fx.store, unit=unit, min_count=minimum)
    assert [x.code for x in r.rows] == expected and r.unit == unit


def test_sort_by_passages_keeps_children_under_parents(fx: Project) -> None:
    r = frequencies(fx.store, sort="passages")
    assert [x.code for x in r.rows] == [
        "improve",
        "needs-training",
        "more-hours",
        "low-pay",
        "emotional-control",
    ]
    with pytest.raises(QualcodeError, match="unknown unit"):
        frequencies(fx.store, unit="words")


def test_matrix_cells_count_and_quote_one_voice_each_first(fx: Project) -> None:
    m = matrix(fx.store, codes=["improve", "low-pay"], by=["town"], quotes=2)
    assert [r.code for r in m.rows] == ["improve", "low-pay"]
    talsi = m.rows[0].cells[("Talsi",)]
    assert (talsi.respondents, talsi.passages) == (Share(2, 2), 3)
    assert [(q.respondent, q.turn) for q in talsi.quotes] == [("A", 2), ("B", 2)]
    assert m.rows[0].cells[("Jelgava",)].quotes == ()
    assert m.rows[1].cells[("Rīga",)].quotes[0].text == "=SUM(A1) alga ir zema."
    one = matrix(fx.store, codes=["improve"], by=["town"], quotes=1)
    assert len(one.rows[0].cells[("Talsi",)].quotes) == 1


def test_matrix_without_by_has_a_column_per_respondent(fx: Project) -> None:
    m = matrix(fx.store, codes=["needs-training"])
    assert m.by == ("respondent",) and m.groups == [("A",), ("B",), ("C",), ("D",)]
    assert m.rows[0].cells[("A",)].passages == 2


def test_cooccurrence_same_turn_and_same_respondent(fx: Project) -> None:
    c = cooccurrence(fx.store)
    assert c.count("needs-training", "low-pay", "turn") == 1  # A turn 2
    assert c.count("needs-training", "low-pay", "respondent") == 2  # A and C
    assert c.count("improve", "low-pay", "turn") == 1
    assert c.count("needs-training", "more-hours", "respondent") == 0
    assert c.count("needs-training", "needs-training", "turn") == 3  # the diagonal
    assert c.turns[("low-pay", "needs-training")] == c.turns[("needs-training", "low-pay")]


def test_quotes_by_group_with_limit_and_attributes(fx: Project) -> None:
    (q,) = quotes(fx.store, ["needs-training"], by=["town"], limit=1)
    groups = {g.key: g for g in q.groups}
    assert [g.key for g in q.groups] == [("Jelgava",), ("Rīga",), ("Talsi",)]
    assert (groups[("Talsi",)].total, len(groups[("Talsi",)].quotes)) == (2, 1)
    first = groups[("Talsi",)].quotes[0]
    assert (first.respondent, first.turn, first.text) == ("A", 2, "Vajag mācības un lielāku algu.")
    assert first.attributes["town"] == "Talsi" and first.attributes["role"] == "staff"
    assert first.source == "A, turn 2"
    assert groups[("Jelgava",)].quotes == []
    (parent,) = quotes(fx.store, ["improve"])
    assert [(x.code, x.respondent, x.turn) for x in parent.groups[0].quotes] == [
        ("needs-training", "A", 2),
        ("needs-training", "A", 4),
        ("more-hours", "B", 2),
        ("needs-training", "C", 2),
    ]


def test_unknown_by_attribute_lists_the_known_ones(fx: Project) -> None:
    with pytest.raises(
        QualcodeError,
        match=r"no attribute named 'towns'.*known attributes: "
        r"r_joint, r_prof, role, town",
    ):
        frequencies(fx.store, by=["towns"])


def test_shorten_cuts_at_a_word() -> None:
    assert shorten("one two three four", 12) == "one two…"
    assert shorten("  short\n text ", 40) == "short text"


def test_cli_unknown_by_lists_known_attributes(fx: Project, runner: CliRunner) -> None:
    for args in (
        ["report", "--by", "city"],
        ["matrix", "--by", "city"],
        ["quotes", "--by", "city"],
        ["ratings", "--by", "city"],
    ):
        result = cli(runner, fx, *args)
        assert result.exit_code == 1, args
        assert "no attribute named 'city'" in result.stderr
        assert "known attributes: r_joint, r_prof, role, town" in result.stderr
        assert "Traceback" not in result.output


def test_cli_report_unit_min_json_and_chart(fx: Project, runner: CliRunner) -> None:
    data = json.loads(
        cli(runner, fx, "report", "--unit", "passage", "--min", "3", "--format", "json").stdout
    )
    assert [(r["code"], r["passages"]) for r in data["rows"]] == [
        ("improve", 4),
        ("needs-training", 3),
    ]
    out = cli(runner, fx, "report", "--chart").stdout
    assert "respondents per code" in out and "█" in out and "3/4 (75%)" in out
    bad = cli(runner, fx, "report", "--unit", "words")
    assert bad.exit_code == 1 and "unknown unit 'words'" in bad.stderr


def test_cli_nested_report_shows_empty_groups(fx: Project, runner: CliRunner) -> None:
    out = cli(runner, fx, "report", "--by", "town", "--by", "role").stdout
    assert out.count("(n=0)") == 2 and "0/0 0p" in out  # Jelgava and Rīga have no mediator


def test_cli_matrix_cooccur_quotes(fx: Project, runner: CliRunner) -> None:
    m = cli(runner, fx, "matrix", "improve", "--by", "town", "--format", "csv")
    assert m.exit_code == 0
    header, improve = m.stdout.splitlines()[:2]
    assert header.startswith("code,Jelgava,Jelgava_total,Jelgava_share,Jelgava: quotes,")
    assert improve.startswith("improve,0,1,0.0,,1,1,1.0,")
    table = cli(runner, fx, "matrix", "--by", "town").stdout
    assert "«Vairāk darba stundu.» (B)" in table
    co = json.loads(cli(runner, fx, "cooccur", "--format", "json").stdout)
    row = next(r for r in co["rows"] if r["code"] == "needs-training")
    assert row["low-pay"] == 1
    co = json.loads(cli(runner, fx, "cooccur", "--unit", "respondent", "--format", "json").stdout)
    assert next(r for r in co["rows"] if r["code"] == "needs-training")["low-pay"] == 2
    assert cli(runner, fx, "cooccur", "--unit", "place").exit_code == 2
    q = json.loads(cli(runner, fx, "quotes", "low-pay", "--format", "json").stdout)
    assert [x["quote"] for x in q["rows"]] == [
        "Vajag mācības un lielāku algu.",
        "=SUM(A1) alga ir zema.",
    ]
    text = cli(runner, fx, "quotes", "needs-training", "--by", "town", "--limit", "1").stdout
    assert "Talsi: 1 of 2" in text and "— A, turn 2" in text and "town=Talsi" in text
    assert "Kursi būtu labi" not in text  # over the limit
