"""Codebook parsing and validation: errors carry file:line; edits keep comments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from qualcode.codebook import add_keywords, parse_codebook, read_codebook_file
from qualcode.errors import CodebookError

GOOD = """\
title: Romu mediatoru izvērtējums
language: lv
codes:
  - name: improve-cooperation
    label: Sadarbības uzlabošana
    color: "#1f77b4"
    children:
      - name: needs-training
        label: Vajadzīgas mācības
        description: The mediator needs more courses or training.
        keywords: [mācības, kursi, apmācība, training]
        children:
          - name: needs-training-law
            keywords: [likumi, tiesības]
      - name: more-hours
        keywords: [darba stundas]
        exclude: [mācību stunda]
        patterns: ['stund\\w* skait']
  - name: Emocionālā kontrole
    keywords: emocijas, savaldīties
"""


def test_nested_codes_are_walked_in_tree_order() -> None:
    book = parse_codebook(GOOD, "cb.yaml")
    assert book.names() == [
        "improve-cooperation",
        "needs-training",
        "needs-training-law",
        "more-hours",
        "Emocionālā kontrole",
    ]
    parents = {c.name: p for c, p, _ in book.walk()}
    assert parents["needs-training-law"] == "needs-training"
    assert book.title == "Romu mediatoru izvērtējums" and book.language == "lv"


def test_keywords_may_be_a_comma_separated_string() -> None:
    book = parse_codebook(GOOD, "cb.yaml")
    emo = next(c for c, _, _ in book.walk() if c.name == "Emocionālā kontrole")
    assert emo.keywords == ("emocijas", "savaldīties")


def test_rules_keep_exclude_patterns_and_window() -> None:
    book = parse_codebook(GOOD, "cb.yaml")
    hours = next(c for c, _, _ in book.walk() if c.name == "more-hours")
    assert hours.rules() == {
        "window": "turn",
        "patterns": ["stund\\w* skait"],
        "exclude": ["mācību stunda"],
    }


def test_yaml_syntax_error_names_the_line() -> None:
    text = "codes:\n  - name: a\n    keywords: [x, y\n  - name: b\n"
    with pytest.raises(CodebookError) as err:
        parse_codebook(text, "cb.yaml")
    assert err.value.line is not None and 3 <= err.value.line <= 4
    assert str(err.value).startswith("cb.yaml:")


def test_duplicate_code_names_are_refused_with_both_lines() -> None:
    text = "codes:\n  - name: low-pay\n  - name: other\n    children:\n      - name: low-pay\n"
    with pytest.raises(
        CodebookError,
        match=r"cb.yaml:5: duplicate code name 'low-pay' \(first "
        r"defined at line 2\)",
    ):
        parse_codebook(text, "cb.yaml")


def test_unknown_field_suggests_the_closest_known_one() -> None:
    text = "codes:\n  - name: a\n    keywrds: [x]\n"
    with pytest.raises(CodebookError, match=r"cb.yaml:3: unknown field `keywrds`.*`keywords`"):
        parse_codebook(text, "cb.yaml")


def test_invalid_regex_names_line_and_code() -> None:
    text = "codes:\n  - name: a\n    patterns:\n      - 'ok'\n      - '(unclosed'\n"
    with pytest.raises(CodebookError, match=r"cb.yaml:5: code 'a': invalid regex"):
        parse_codebook(text, "cb.yaml")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("codes: []\n", "non-empty list"),
        ("codes:\n  - label: no name\n", "has no `name:`"),
        ("codes:\n  - name: a\n    color: '#12345'\n", "colour"),
        ("codes:\n  - name: a\n    window: paragraph\n", "`window` must be one of"),
        ("codes:\n  - name: a\n    keywords: [x, [y]]\n", "item 2"),
        ("language: latvian\ncodes:\n  - name: a\n", "language code"),
        ("ratings:\n  scale: [10, 1]\ncodes:\n  - name: a\n", "ratings.scale"),
    ],
)
def test_invalid_codebooks_get_a_clear_error(text: str, message: str) -> None:
    with pytest.raises(CodebookError, match=message):
        parse_codebook(text, "cb.yaml")


def test_json_codebook_loads_and_its_syntax_errors_have_lines(tmp_path: Path) -> None:
    good = tmp_path / "cb.json"
    good.write_text(json.dumps({"codes": [{"name": "a", "keywords": ["mācības"]}]}), "utf-8")
    assert read_codebook_file(good).names() == ["a"]
    bad = tmp_path / "bad.json"
    bad.write_text('{\n  "codes": [\n    {"name": "a",}\n  ]\n}\n', "utf-8")
    with pytest.raises(CodebookError, match=r"bad.json:3: JSON syntax error"):
        read_codebook_file(bad)


def test_ratings_section_is_parsed() -> None:
    text = (
        "ratings:\n  scale: [1, 10]\n  statements:\n    r_prof: Profesionāla sadarbība\n"
        "codes:\n  - name: a\n"
    )
    book = parse_codebook(text)
    assert book.ratings is not None
    assert book.ratings.scale == (1, 10) and book.ratings.statements == {
        "r_prof": "Profesionāla sadarbība"
    }


def test_add_keywords_keeps_comments_and_skips_known_words(tmp_path: Path) -> None:
    path = tmp_path / "cb.yaml"
    path.write_text(GOOD.replace("codes:\n", "# our codebook\ncodes:\n"), "utf-8")
    added = add_keywords(path, "needs-training", ["kursi", "kvalifikācija", "Mācības"])
    assert added == ["kvalifikācija"]
    text = path.read_text("utf-8")
    assert "# our codebook" in text
    code = next(c for c, _, _ in read_codebook_file(path).walk() if c.name == "needs-training")
    assert code.keywords[-1] == "kvalifikācija"


names = st.text(alphabet="abcdefghāčēģīķļņšūž-", min_size=1, max_size=12).filter(
    lambda s: s.strip("-") != ""
)
words = st.lists(
    st.text(alphabet="abcāčēšūž ", min_size=1, max_size=10).map(str.strip).filter(bool), max_size=4
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(names, words), min_size=1, max_size=8, unique_by=lambda t: t[0]))
def test_generated_codebooks_round_trip_through_yaml(codes: list[tuple[str, list[str]]]) -> None:
    import io

    data = {"codes": [{"name": n, "keywords": kw} for n, kw in codes]}
    buf = io.StringIO()
    YAML().dump(data, buf)
    book = parse_codebook(buf.getvalue(), "gen.yaml")
    assert book.names() == [n for n, _ in codes]
    assert [c.keywords for c, _, _ in book.walk()] == [tuple(kw) for _, kw in codes]


def test_exclude_context_min_score_and_negation_are_parsed_into_rules() -> None:
    from qualcode.codebook import parse_codebook

    book = parse_codebook(
        "codes:\n"
        "  - name: more-hours\n"
        "    keywords: [stunda, slodze]\n"
        "    exclude_context: {stunda: [skola, mācību]}\n"
        "    min_score: 0.6\n"
        "  - name: low-pay\n"
        "    keywords: [alga]\n"
        "    exclude_context: [rēķins]\n"
        "    negation: false\n"
    )
    hours, pay = book.codes
    assert hours.rules()["exclude_context"] == {"stunda": ["skola", "mācību"]}
    assert hours.rules()["min_score"] == 0.6 and "negation" not in hours.rules()
    assert pay.rules()["exclude_context"] == {"*": ["rēķins"]}
    assert pay.rules()["negation"] is False


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("min_score: 2", "`min_score` must be a number from 0 to 1"),
        ("min_score: high", "`min_score` must be a number from 0 to 1"),
        ("exclude_context: 5", "`exclude_context` must be a list of words"),
        ("exclude_context: {stunda: [{a: 1}]}", "must be a word or phrase"),
        ("negation: maybe", "`negation` must be true or false"),
    ],
)
def test_bad_precision_fields_are_reported_with_their_line(field: str, message: str) -> None:
    from qualcode.codebook import parse_codebook

    with pytest.raises(CodebookError) as err:
        parse_codebook(
            f"codes:\n  - name: more-hours\n    keywords: [stunda]\n    {field}\n", "b.yaml"
        )
    assert "b.yaml:4" in str(err.value) and message in str(err.value)
