"""Negation scope: a negated keyword does not count, in Latvian and English."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
from nlp_fixtures import make_code, make_item

from qualcode.nlp import negation
from qualcode.nlp.cache import tokenise
from qualcode.nlp.matching import compile_rules, match_transcript
from qualcode.nlp.negation import AFTER, BEFORE, flags_key, flags_of, is_negator, token_flags


def suggested(text: str, code, lang: str = "lv") -> bool:
    item = make_item([("respondent", text)], lang)
    spans = [(t.start, t.end) for t in item.turns]
    return bool(match_transcript(tokenise(item), item.text, spans, compile_rules([code], lang)))


@pytest.mark.parametrize(
    ("form", "lang", "expected"),
    [
        ("nav", "lv", True),
        ("nevajag", "lv", True),
        ("bez", "lv", True),
        ("nezinu", "lv", True),  # a ne- verb: zināt
        ("nedēļa", "lv", False),  # starts with ne-, negates nothing
        ("nepieciešams", "lv", False),
        ("vajag", "lv", False),
        ("not", "en", True),
        ("never", "en", True),
        ("n't", "en", True),
        ("now", "en", False),
    ],
)
def test_negators_are_recognised(form: str, lang: str, expected: bool) -> None:
    assert is_negator(form, lang) is expected


def test_a_predicate_negation_after_the_keyword_cancels_it() -> None:
    code = make_code("needs-training", ["mācības"])
    assert not suggested("Mācības nav vajadzīgas, viss ir skaidrs.", code)
    assert suggested("Mācības ir vajadzīgas, tas ir skaidrs.", code)


def test_a_negation_before_the_keyword_cancels_it() -> None:
    code = make_code("needs-training", ["kursi"])
    assert not suggested("Man nevajag kursus.", code)
    assert not suggested("Strādāju bez kursiem.", code)


def test_a_negated_action_after_the_keyword_does_not_cancel_it() -> None:
    # "they don't pay the salary on time" is a pay complaint, not a denial of pay
    assert suggested("Algu nemaksā laikus.", make_code("low-pay", ["alga"]))


def test_negation_stops_at_the_clause() -> None:
    code = make_code("needs-training", ["kursi"])
    assert suggested("Nē, nav laika, bet kursi gan vajadzīgi.", code)


def test_english_negations() -> None:
    code = make_code("needs-training", ["training"])
    assert not suggested("We do not need training.", code, "en")
    assert not suggested("There was never any training.", code, "en")
    assert not suggested("I don't want training.", code, "en")
    assert suggested("She needs more training.", code, "en")


def test_a_keyword_written_with_its_negation_still_matches() -> None:
    assert suggested("Man nav datora.", make_code("work-tools", ["nav dators"]))


def test_negation_can_be_turned_off_per_code() -> None:
    code = make_code("needs-training", ["kursi"], negation=False)
    assert suggested("Man nevajag kursus.", code)


def reference_flags(table, text: str, lang: str):
    """token_flags as first written: an IGNORECASE search of the original text, every
    candidate judged on its own (the optimised version must give the same arrays)."""
    import numpy as np

    from qualcode.nlp.negation import AFTER_NEGATORS, CLAUSE_BREAKS, _finders

    n = len(table)
    neg, after, brk = (np.zeros(n, dtype=bool) for _ in range(3))
    for m in re.compile(_finders(lang).pattern, re.IGNORECASE).finditer(text):
        i = int(np.searchsorted(table.starts, m.start(), side="left"))
        form = m.group().lower()
        if i < n and table.starts[i] == m.start() and is_negator(form, lang):
            neg[i] = True
            after[i] = form in AFTER_NEGATORS
    for i in np.flatnonzero(neg).tolist():
        for j in range(max(i - BEFORE, 0), min(i + AFTER, n - 1) + 1):
            brk[j] = text[table.starts[j] : table.ends[j]].lower() in CLAUSE_BREAKS
    return neg, after, brk


NEGATION_TEXTS = {
    "lv": [
        "Mācības NAV vajadzīgas, bet Nezinu. NEVAJAG kursus; Bez algas nekas nenotiek.",
        "Nedēļā ne reizi NEBIJA semināra – nē, nekad. Algu nemaksā laikus!",
        "İzmir: nav laika, nezinu.",  # 'İ' lowers to two characters: the original text
        "Strādāju ıs nav ſ nevaru.",  # re's extra case variants of 'i' and 's'
    ],
    "en": [
        "We DON'T need training, and I don’t know. NOBODY asked; Never again.",
        "There is No time without pay. It isn't, wasn't, CANNOT be.",
        "İstanbul: not now, nothing.",
    ],
}


@pytest.mark.parametrize(
    ("lang", "text"), [(lang, t) for lang, texts in NEGATION_TEXTS.items() for t in texts]
)
def test_negation_flags_are_those_of_the_ignorecase_search(lang: str, text: str) -> None:
    from qualcode.nlp.caseless import CaselessText

    item = make_item([("respondent", text), ("interviewer", text.upper())], lang)
    table = tokenise(item)
    expected = reference_flags(table, item.text, lang)
    for given_text in (item.text, CaselessText(item.text)):
        got = token_flags(table, given_text, lang)
        for a, b in zip(got, expected, strict=True):
            assert a.tolist() == b.tolist()


NEGATED_LV = (
    "Mācības nav vajadzīgas, viss ir skaidrs. Man nevajag kursus, bet algu nemaksā laikus.\n"
    "Strādāju bez kursiem. Nē, nav laika, bet kursi gan vajadzīgi. Mācības ir vajadzīgas."
)


def test_a_new_token_table_carries_the_flags_matching_would_find() -> None:
    item = make_item([("respondent", NEGATED_LV)], "lv")
    table = tokenise(item)
    assert table.negation is not None and table.negation_key == flags_key("lv")
    found = token_flags(table, item.text, "lv")
    assert all(a.tolist() == b.tolist() for a, b in zip(table.negation, found, strict=True))
    assert table.negation[0].any()  # the text has negators: the flags are not all off


def test_matching_with_stored_flags_equals_matching_without_them() -> None:
    item = make_item([("respondent", NEGATED_LV)], "lv")
    spans = [(t.start, t.end) for t in item.turns]
    rules = compile_rules([make_code("needs-training", ["mācības", "kursi"])], "lv")
    stored = tokenise(item)
    bare = dataclasses.replace(stored, negation=None, negation_key=None)
    with_flags = match_transcript(stored, item.text, spans, rules)
    assert with_flags == match_transcript(bare, item.text, spans, rules)
    assert with_flags  # "Mācības ir vajadzīgas" and "kursi gan vajadzīgi" stand


def test_flags_made_for_another_lexicon_are_found_again(monkeypatch: pytest.MonkeyPatch) -> None:
    item = make_item([("respondent", NEGATED_LV)], "lv")
    table = tokenise(item)
    wrong = tuple(np.zeros(len(table), dtype=bool) for _ in range(3))
    table.negation = wrong  # what an older lexicon might have said
    monkeypatch.setattr(negation, "LEXICON_VERSION", "older")
    assert (
        flags_of(table, item.text, "lv")[0].tolist()
        == token_flags(table, item.text, "lv")[0].tolist()
    )
    assert flags_of(table, item.text, "en") is not table.negation  # made for Latvian only
