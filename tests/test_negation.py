"""Negation scope: a negated keyword does not count, in Latvian and English."""

from __future__ import annotations

import pytest
from nlp_fixtures import make_code, make_item

from qualcode.nlp.cache import tokenise
from qualcode.nlp.matching import compile_rules, match_transcript
from qualcode.nlp.negation import is_negator


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
