"""Span-by-span tokenising (nlp/span_tokens.py) gives the token table of a whole Doc."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.models import Turn
from qualcode.nlp import span_tokens
from qualcode.nlp.cache import TokenTable, TranscriptText, table_from_doc, tokenise_many
from qualcode.nlp.pipeline import pipeline

REALWORLD = Path(__file__).resolve().parents[2] / "shared" / "realworld" / "files"
LIMIT = 20_000  # characters of each real file compared

# Pieces that stress spaCy's tokenizer: affixes, special cases (abbreviations, English
# contractions), negators, clause breaks, digits, and every kind of whitespace.
WORDS = [
    "mācības",
    "Mācības",
    "MĀCĪBAS",
    "nav",
    "Nav",
    "nevajag",
    "nezinu",
    "bez",
    "ne",
    "bet",
    "darbs",
    "darba",
    "stundu",
    "skolā",
    "ģimene",
    "Ļoti",
    "kā",
    "u.c.",
    "piem.",
    "utt.",
    "t.i.",
    "Nr.",
    "training",
    "don't",
    "Don't",
    "can't",
    "cannot",
    "no",
    "never",
    "not",
    "Mr.",
    "etc.",
    "e.g.",
    "U.S.",
    "it's",
    "we'll",
    "work-life",
    "pašvaldība-",
    "3.",
    "12",
    "1,5",
    "10%",
    "€5",
    "(jā)",
    '"citāts"',
    "‘teikts’",
    "«jā»",
    "http://piem.lv",
    "a@b.lv",
    "...",
    "…",
    "–",
    "—",
    "-",
    ",",
    ".",
    "!",
    "?",
    ";",
    ":",
    "/",
    "(",
    ")",
    "n't",
    "nenāk",
    "nedēļa",
    "however",
    "Nevar",
    "NEKAD",
]
SPACES = [" ", " ", " ", " ", "  ", "\n", "\n\n", "\t", "\xa0", "\u2009", "\r\n", " \n", "\n "]


def _item(text: str, cuts: list[int], lang: str) -> TranscriptText:
    """A transcript of the text whose turns lie between the given cut points."""
    points = sorted({0, len(text), *(min(c, len(text)) for c in cuts)})
    turns = tuple(
        Turn(i, 1, i, "R", "respondent" if i % 2 else "interviewer", a, b, text[a:b])
        for i, (a, b) in enumerate(zip(points, points[1:], strict=False), start=1)
        if a < b
    )
    return TranscriptText(1, "T", "sha", lang, text, turns)


def _same(ours: TokenTable, doc: TokenTable) -> None:
    assert ours.keys == doc.keys
    for name in ("key_ids", "starts", "ends", "sent_starts", "turn_starts"):
        assert np.array_equal(getattr(ours, name), getattr(doc, name)), name
    assert ours.negation_key == doc.negation_key
    if doc.negation is None:
        assert ours.negation is None
    else:
        assert ours.negation is not None
        for a, b in zip(ours.negation, doc.negation, strict=True):
            assert np.array_equal(a, b)


def _by_doc(item: TranscriptText) -> TokenTable:
    return table_from_doc(pipeline(item.language).nlp(item.text), item)


def _by_spans(item: TranscriptText) -> TokenTable:
    assert span_tokens.for_pipeline(item.language) is not None
    return next(iter(tokenise_many([item])))


texts = st.lists(
    st.tuples(st.sampled_from(WORDS), st.sampled_from(SPACES)), min_size=0, max_size=40
).map(lambda parts: "".join(w + s for w, s in parts))


@settings(max_examples=150, deadline=None)
@given(
    lead=st.sampled_from(["", " ", "\n", "  ", "R: "]),
    body=texts,
    cuts=st.lists(st.integers(0, 400), max_size=6),
    lang=st.sampled_from(["lv", "en"]),
)
def test_span_tokens_give_the_doc_table_on_any_text(
    lead: str, body: str, cuts: list[int], lang: str
) -> None:
    item = _item(lead + body, cuts, lang)
    _same(_by_spans(item), _by_doc(item))


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=60), lang=st.just("lv"))
def test_span_tokens_give_the_doc_table_on_arbitrary_characters(text: str, lang: str) -> None:
    item = _item(text, [len(text) // 2], lang)
    _same(_by_spans(item), _by_doc(item))


def test_span_tokens_keep_latvian_negation_and_sentences() -> None:
    text = "R: Mācības nav vajadzīgas, bet darbs ir. Nezinu! Bez algas -- ne.\nI: Labi.\n"
    item = _item(text, [3, 66, 69], "lv")
    ours = _by_spans(item)
    _same(ours, _by_doc(item))
    assert ours.negation is not None and ours.negation[0].sum() >= 3  # nav, Nezinu, Bez, ne
    assert ours.sent_starts.sum() >= 4


def test_span_tokens_start_again_past_their_bound_with_the_same_tables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(span_tokens, "MAX_SPANS", 5)
    spans = span_tokens.for_pipeline("lv")
    assert spans is not None
    for words in ("viens divi trīs četri pieci seši", "septiņi astoņi deviņi desmit viens"):
        item = _item(f"R: {words}.", [3], "lv")
        _same(_by_spans(item), _by_doc(item))
    assert len(spans.index) <= 12


def test_a_special_case_with_a_space_leaves_the_doc_path() -> None:
    import spacy
    from spacy.attrs import ORTH

    nlp = spacy.blank("en")
    assert span_tokens.independent(nlp, ["qualcode_keys"]) is False  # other components
    nlp.tokenizer.add_special_case("a b", [{ORTH: "a b"}])
    assert span_tokens.independent(nlp, []) is False
    assert span_tokens.independent(spacy.blank("lv"), []) is True
    assert span_tokens.independent(spacy.blank("zh"), []) is False  # its own segmenter


def test_plain_words_get_the_keys_and_flags_spacy_gives_them() -> None:
    words = "Mācības nav nevajag ne Nezinu darbs bet strādāju macibas NEKAD".split()
    text = "R: " + " ".join(words) + "\n"
    item = _item(text, [3], "lv")
    spans = span_tokens.for_pipeline("lv")
    assert spans is not None
    spans._reset()  # every word new, so all of them take the plain-word way
    _same(_by_spans(item), _by_doc(item))
    english = _item("R: cannot gonna never nothing training\n", [3], "en")
    _same(_by_spans(english), _by_doc(english))  # "cannot", "gonna": special cases


@pytest.mark.skipif(not REALWORLD.is_dir(), reason="../shared/realworld is not here")
def test_span_tokens_give_the_doc_table_on_real_transcript_exports() -> None:
    from qualcode.errors import QualcodeError
    from qualcode.importers import parse_bytes
    from qualcode.language import guess_language

    checked = 0
    for path in sorted(REALWORLD.iterdir()):
        try:
            parsed = parse_bytes(path.read_bytes(), path.name)
        except QualcodeError:
            continue
        lang = parsed.declared_language or guess_language(parsed.text) or "xx"
        text = parsed.text[:LIMIT]  # a prefix is a text too: the suite stays quick
        turns = tuple(
            Turn(i, 1, i, t.speaker, t.role, t.start, min(t.end, LIMIT), text[t.start : t.end])
            for i, t in enumerate(parsed.turns, start=1)
            if t.start < min(t.end, LIMIT)
        )
        item = TranscriptText(1, path.name, "sha", lang.split("-")[0], text, turns)
        if item.language not in ("lv", "en"):  # others build a pipeline each: seconds
            continue
        _same(next(iter(tokenise_many([item]))), _by_doc(item))
        checked += 1
    assert checked >= 15


def test_pipeline_lexemes_keep_the_attributes_that_are_read() -> None:
    doc = pipeline("lv").nlp("Mācības, nav!\n")
    assert [t.is_punct for t in doc] == [False, True, False, True, False]
    assert [t.is_space for t in doc] == [False, False, False, False, True]
    assert doc[0].norm_ == "mācīb"  # the key, set by the key component


def test_a_keyer_keeps_a_bounded_number_of_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    from qualcode.nlp import keys

    monkeypatch.setattr(keys, "MAX_CACHED", 3)
    k = keys.Keyer("lv")
    got = [k(w) for w in ["mācības", "darbs", "alga", "stundas", "mācības"]]
    assert got == [
        keys.Keyer("lv").explain(w).key for w in ["mācības", "darbs", "alga", "stundas", "mācības"]
    ]
    assert len(k._cache) <= 3
