"""Our Latvian stemmer (nlp/lv_stem.py) gives LatvianStemmer's stems, faster."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from LatvianStemmer import stem as reference

from qualcode.nlp.lv_stem import _SUFFIXES, stem

# Latvian letters (both cases), the consonant pairs the stemmer un-palatalises, and a few
# others: generated words hit every suffix and every palatalisation rule.
_LETTERS = "aābcčdeēfgģhiījkķlļmnņoprsštuūvzžAĀEĒIĪOUŪKŠŅĻ-'1"
_ENDINGS = [s for s, _, _ in _SUFFIXES] + ["kšu", "ņņu", "pju", "šņu", "žļi", "čos", "ļļa"]
GOLD = Path(__file__).resolve().parents[2] / "shared" / "data" / "lv_lemma_gold.tsv"


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=_LETTERS, max_size=12), st.sampled_from(["", *_ENDINGS]))
def test_stems_equal_latvianstemmer_on_generated_words(head: str, ending: str) -> None:
    word = head + ending
    assert stem(word) == reference(word)


@pytest.mark.parametrize(
    "word",
    [
        "mācības",
        "kursiem",
        "algu",
        "bērniem",
        "skolotājai",
        "ciekšu",
        "zvaigžņu",
        "brāļu",
        "lāču",
        "ūdeņu",
        "aitu",
        "lielajiem",
        "a",
        "",
        "ŠĶĒRSIELA",
    ],
)
def test_stems_equal_latvianstemmer_on_latvian_words(word: str) -> None:
    assert stem(word) == reference(word)


@pytest.mark.skipif(not GOLD.exists(), reason="the treebank sample is in ../shared/data")
def test_stems_equal_latvianstemmer_on_every_treebank_form_and_lemma() -> None:
    words = set()
    for line in GOLD.read_text("utf-8").splitlines():
        words.update(part for part in line.split("\t")[:2] if part)
    assert len(words) > 1000
    assert [w for w in sorted(words) if stem(w) != reference(w)] == []
    assert [w for w in sorted(words) if stem(w.lower()) != reference(w.lower())] == []
