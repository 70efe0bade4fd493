"""Pseudonyms: Latvian inflected names replaced on export, everything else left alone."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from report_fixture import cli, fixture_db, open_copy
from typer.testing import CliRunner

from qualcode.anonymize import Anonymizer, Pseudonym, stems
from qualcode.errors import QualcodeError
from qualcode.project import Project
from qualcode.reports_quotes import quotes

TABLE = [
    Pseudonym("Jānis Bērziņš", "R-07"),
    Pseudonym("Anita", "R-02"),
    Pseudonym("Kārlis", "R-03"),
    Pseudonym("Ilze Liepa", "R-04"),
    Pseudonym("John", "R-05"),
]
ANON = Anonymizer(TABLE)


@pytest.fixture
def fx(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Iterator[Project]:
    """A private copy of the hand-computed fixture project."""
    yield from open_copy(fixture_db(tmp_path_factory), tmp_path)


@pytest.mark.parametrize(
    ("form", "pseudonym"),
    [
        *[(f, "R-07") for f in ("Jānis", "Jāņa", "Jānim", "Jāni", "Jānī", "Jāņi", "Jāņiem")],
        *[(f, "R-07") for f in ("Bērziņš", "Bērziņa", "Bērziņam", "Bērziņu", "Bērziņā")],
        *[(f, "R-02") for f in ("Anita", "Anitas", "Anitai", "Anitu", "Anitā")],
        *[(f, "R-03") for f in ("Kārlis", "Kārļa", "Kārlim", "Kārli")],
        *[(f, "R-04") for f in ("Ilze", "Ilzes", "Ilzei", "Ilzi", "Liepa", "Liepas", "Liepai")],
        *[(f, "R-05") for f in ("John", "Johnam", "Johna")],
        ("JĀŅA", "R-07"),  # capitals
    ],
)
def test_inflected_forms_are_replaced(form: str, pseudonym: str) -> None:
    assert ANON.text(f"Runāju ar {form}, tad aizgāju.") == f"Runāju ar {pseudonym}, tad aizgāju."


def test_full_name_becomes_one_pseudonym() -> None:
    assert ANON.text("Jānis Bērziņš teica, ka Jāņa Bērziņa māte") == "R-07 teica, ka R-07 māte"
    assert ANON.text("Ilzes Liepas kolēģe") == "R-04 kolēģe"


@pytest.mark.parametrize(
    "text",
    [
        "zem liepas stāv egle",  # a surname that is a common word, in lowercase
        "Jānkalns un Anitaa",  # other words that merely start like a name
        "In the end, Kārtība un Ilzenes iela",
        "jānis rakstīts ar mazo burtu",
    ],
)
def test_other_words_stay(text: str) -> None:
    assert ANON.text(text) == text


def test_decomposed_text_from_macos_is_matched() -> None:
    nfd = unicodedata.normalize("NFD", "Ar Jāņa mammu")
    assert ANON.text(nfd) == unicodedata.normalize("NFD", "Ar ") + "R-07" + unicodedata.normalize(
        "NFD", " mammu"
    )


def test_stems_follow_the_declensions() -> None:
    assert stems("Jānis")[0] == ["Jān", "Jāņ"]
    assert stems("Bērziņš")[0] == ["Bērziņ"]
    assert stems("Anita")[0] == ["Anit"]
    assert stems("John")[1][0] == ""  # no Latvian ending: the name itself, plus endings


NAME_STEMS = ("jān", "jāņ", "bērziņ", "anit", "kārl", "kārļ", "ilz", "liep", "john")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aābcčdeēfgģhiījkķlļmnņoprsštuūvzž AJBKIL.,!?-\n"))))
def test_text_without_names_never_changes(text: str) -> None:
    folded = text.casefold()
    assume(not any(stem in folded for stem in NAME_STEMS))
    assert ANON.text(text) == text


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_any_text_without_the_stems_is_unchanged(text: str) -> None:
    folded = unicodedata.normalize("NFC", text).casefold()
    assume(not any(stem in folded for stem in NAME_STEMS))
    assert ANON.text(text) == text


def test_apply_rewrites_every_string_of_a_report(fx: Project) -> None:
    with fx.store.write():
        fx.store.respondents.upsert("A", {"interviewer": "Jānis Bērziņš"})
    (q,) = quotes(fx.store, ["needs-training"], attributes=["interviewer", "town"])
    anon = Anonymizer([Pseudonym("Jānis Bērziņš", "R-07")]).apply(q)
    texts = [x.text for g in anon.groups for x in g.quotes]
    assert "Kursi būtu labi, R-07 teica tā pat." in texts
    assert anon.groups[0].quotes[0].attributes == {"interviewer": "R-07", "town": "Talsi"}
    stored = fx.show("A").turns[3].text
    assert "Jānis" in stored  # the transcript itself is unchanged


def test_pseudonym_table_add_load_list_remove(fx: Project, tmp_path: Path) -> None:
    fx.add_pseudonym("  Jānis   Bērziņš ", "R-07")
    names = tmp_path / "names.csv"
    names.write_text("name,pseudonym\nAnita Kalniņa,R-02\n\nKārlis,R-03\n", encoding="utf-8")
    assert [p.name for p in fx.load_pseudonyms(names)] == ["Anita Kalniņa", "Kārlis"]
    fx.add_pseudonym("Kārlis", "R-30")  # changes the pseudonym
    assert [(p.name, p.pseudonym) for p in fx.pseudonyms()] == [
        ("Anita Kalniņa", "R-02"),
        ("Jānis Bērziņš", "R-07"),
        ("Kārlis", "R-30"),
    ]
    assert fx.anonymize_text("Kalniņai un Kārlim") == "R-02 un R-30"
    assert fx.remove_pseudonym("Kārlis") and not fx.remove_pseudonym("Kārlis")
    with pytest.raises(QualcodeError, match="give both a name and its pseudonym"):
        fx.add_pseudonym("Jānis", " ")
    with pytest.raises(QualcodeError, match="too short"):
        fx.add_pseudonym("J", "R-1")
    bad = tmp_path / "bad.csv"
    bad.write_text("Jānis\n", encoding="utf-8")
    with pytest.raises(QualcodeError, match="bad.csv:1: needs two columns"):
        fx.load_pseudonyms(bad)


def test_anonymize_with_an_empty_table_is_refused(fx: Project) -> None:
    with pytest.raises(QualcodeError, match="pseudonym table is empty"):
        fx.anonymize_text("Jānis")


def test_cli_pseudonyms(fx: Project, runner: CliRunner) -> None:
    assert "No pseudonyms yet" in cli(runner, fx, "pseudonyms").stdout
    assert cli(runner, fx, "pseudonyms", "add", "Jānis", "R-07").exit_code == 0
    listed = json.loads(cli(runner, fx, "pseudonyms", "--format", "json").stdout)
    assert listed == [{"name": "Jānis", "pseudonym": "R-07"}]
    out = cli(runner, fx, "pseudonyms", "preview", "Jāņa [mamma]").stdout
    assert out.strip() == "R-07 [mamma]"
    quoted = cli(runner, fx, "quotes", "needs-training", "--anonymize").stdout
    assert "R-07 teica" in quoted and "Jānis" not in quoted
    missing = cli(runner, fx, "pseudonyms", "remove", "Anita")
    assert missing.exit_code == 1 and "not in the pseudonym table" in missing.stderr
