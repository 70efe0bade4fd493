"""Matching keys: Latvian inflection, English lemmas, the spaCy component, lazy imports."""

from __future__ import annotations

import subprocess
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from conftest import DEMO_CODEBOOK, DEMO_TRANSCRIPTS
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.nlp.cache import sentence_starts
from qualcode.nlp.keys import Keyer, key, keyer
from qualcode.nlp.pipeline import pipeline, stop_keys

SAME_KEY_LV = [
    ("mācības", ["mācību", "mācībām", "mācībās", "Mācības"]),
    ("stunda", ["stundu", "stundām", "stundas", "stundā"]),
    ("darbinieks", ["darbiniekiem", "darbinieku", "darbinieki"]),
    ("alga", ["algu", "algas", "algām"]),
    ("kavēt", ["kavēja", "kavē"]),  # a verb form the dictionary lacks
    ("sazināties", ["sazināmies"]),  # reflexive verb, neither form in the dictionary
    ("informēt", ["jāinformē"]),  # debitive
]


@pytest.mark.parametrize(("lemma", "forms"), SAME_KEY_LV)
def test_latvian_inflected_forms_share_the_key_of_their_lemma(lemma: str, forms: list[str]) -> None:
    for form in forms:
        assert key(form, "lv") == key(lemma, "lv"), form


def test_different_latvian_words_get_different_keys() -> None:
    words = ["mācības", "stunda", "darbinieks", "alga", "skola", "slodze", "samaksa", "kursi"]
    assert len({key(w, "lv") for w in words}) == len(words)


def test_english_lemmas_and_dictionary_chains() -> None:
    # simplemma maps "meetings" -> "meeting" and "meeting" -> "meet": followed to the end
    assert {key(w, "en") for w in ("meeting", "meetings", "Meetings", "met")} == {"meet"}
    assert key("children", "en") == key("child", "en")
    assert key("courses", "en") == key("course", "en")


def test_keys_ignore_unicode_normalisation_and_leave_numbers_alone() -> None:
    decomposed = unicodedata.normalize("NFD", "mācības")
    assert decomposed != "mācības"
    assert key(decomposed, "lv") == key("mācības", "lv")
    assert key("2021", "lv") == "2021"
    assert key("—", "lv") == "—"


def test_explain_says_how_a_key_was_made() -> None:
    k = Keyer("lv")
    info = k.explain("mācību")
    assert (info.lemma, info.key, info.method) == ("mācība", "mācīb", "dictionary+stemmer")
    assert k.explain("kavēja").method.startswith("verb form")
    assert k.explain("xyzzyqa").method == "stemmer"
    assert k("mācību") == info.key and "mācību" in k._cache  # cached per word form


def test_pipeline_puts_the_key_in_norm_for_every_token() -> None:
    nlp = pipeline("lv").nlp
    doc = nlp("Viņai vajag mācības, bet mācību stundā runā darbiniekiem par stundām.")
    k = keyer("lv")
    assert [t.norm_ for t in doc] == [k(t.text) for t in doc]
    assert doc[2].norm_ == doc[5].norm_  # mācības ~ mācību
    assert pipeline("lv") is pipeline("lv")  # built once per process


def test_english_tokenizer_exceptions_are_keyed_too() -> None:
    doc = pipeline("en").nlp("They don't hold regular meetings.")
    norms = [t.norm_ for t in doc]
    assert "not" in norms and "meet" in norms


def test_dropping_inert_special_cases_keeps_spacys_tokens() -> None:
    import spacy

    text = (DEMO_TRANSCRIPTS / "LV-01.txt").read_text("utf-8")
    ours = [t.text for t in pipeline("lv").nlp.make_doc(text)]
    assert ours == [t.text for t in spacy.blank("lv").make_doc(text)]


def test_unknown_language_falls_back_to_a_basic_pipeline_with_a_warning() -> None:
    pipe = pipeline("zz")
    assert pipe.warning and "'zz'" in pipe.warning
    assert [t.norm_ for t in pipe.nlp("Hello Worlds")] == ["hello", "worlds"]


def test_stop_keys_cover_pronouns_spacy_lacks() -> None:
    stops = stop_keys("lv")
    assert key("es", "lv") in stops and key("viņa", "lv") in stops
    assert key("mācības", "lv") not in stops


WORDS = st.sampled_from(["Jā", "labi", "mācības", "stundu", "1", "2021", "R", "x"])
PUNCT = st.sampled_from([".", "!", "?", ",", ";", "…", "—", '"', "(", ")", "..."])


@pytest.fixture(scope="module")
def sentencizer_nlp():  # type: ignore[no-untyped-def]
    """A blank Latvian pipeline with spaCy's own sentencizer, to compare with."""
    import spacy

    nlp = spacy.blank("lv")
    nlp.add_pipe("sentencizer")
    return nlp


@settings(max_examples=150, deadline=None)
@given(tokens=st.lists(st.one_of(WORDS, PUNCT), min_size=1, max_size=25))
def test_sentence_starts_agree_with_spacys_sentencizer(sentencizer_nlp, tokens: list[str]) -> None:  # type: ignore[no-untyped-def]
    from spacy.attrs import IS_PUNCT, ORTH
    from spacy.tokens import Doc

    from qualcode.nlp.cache import period_ids

    nlp = sentencizer_nlp
    doc = nlp.get_pipe("sentencizer")(Doc(nlp.vocab, words=tokens))
    arr = doc.to_array([ORTH, IS_PUNCT])
    ours = sentence_starts(np.isin(arr[:, 0], period_ids(nlp.vocab)), arr[:, 1] == 1)
    assert ours.tolist() == [bool(t.is_sent_start) for t in doc]


_NO_SPACY = """
import sys
from qualcode.cli import app
for args in ({commands}):
    try:
        app(["--project", {project!r}, *args], standalone_mode=False)
    except SystemExit:
        pass
assert "spacy" not in sys.modules, "spaCy was imported"
print("ok")
"""


def test_report_show_tag_and_transcripts_never_import_spacy(tmp_path: Path) -> None:
    from qualcode.project import Project

    with Project.init(tmp_path / "p") as p:
        p.load_codebook(DEMO_CODEBOOK)
        p.import_paths([DEMO_TRANSCRIPTS / "LV-01.txt"])
    commands = [
        ["transcripts"],
        ["show", "LV-01"],
        ["tag", "LV-01", "4", "social-work"],
        ["report"],
        ["tags"],
    ]
    code = _NO_SPACY.format(commands=", ".join(map(repr, commands)), project=str(tmp_path / "p"))
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("ok")
    bare = subprocess.run(
        [sys.executable, "-c", "import qualcode.cli, sys; assert 'spacy' not in sys.modules"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bare.returncode == 0, bare.stderr
