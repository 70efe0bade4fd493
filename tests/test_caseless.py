"""Case-insensitive patterns run on the lowered text find exactly what IGNORECASE finds."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from qualcode.nlp.caseless import CaselessText, lowered_pattern

# Letters whose case `re` treats specially: uppercase, titlecase, a letter lowering to two
# characters ('İ'), re's extra case variants (dotless ı, long ſ, final ς, Kelvin sign).
ALPHABET = "aAiIısSſkKKeEēĒšŠžŽāĀnNvVİǅǆσΣςµΜ -,.'’\n0129_"
FRAGMENTS = [
    "a", "i", "s", "k", "ne", "nav", "ē", "š", "ā", "σ", "ς", "µ", "ı", "ſ", "ǆ",
    "A", "Ē", "K", "İ", "ǅ", r"\w", r"\W", r"\b", r"\B", r"\s+", r"\d", ".", "[a-z]",
    "[ā-ž]", "[0-a]", "[^i]", "[-a]", "[]a]", "[^-s]", "[A-Z]", "[a-c-e]", r"[\.-z]",
    "(", ")", "(?:", "?", "*", "+", "|", "{1,2}", r"\.", r"\x41", r"\N{LATIN SMALL LETTER A}",
    "(?i)", "(?-i:a)", "(?=s)", "(?<!\\w)", "(?!\\w)", r"(a)\1", r"\Ā", r"\ā",
]  # fmt: skip


def spans_ignorecase(
    pattern: re.Pattern[str], text: str, lo: int, hi: int
) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text, lo, hi)]


def spans_caseless(pattern: re.Pattern[str], text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    return [m.span() for m in CaselessText(text).finditer(pattern, lo, hi)]


@settings(max_examples=1500, deadline=None)
@given(
    st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=6),
    st.text(alphabet=ALPHABET, max_size=60),
    st.integers(0, 60),
    st.integers(0, 60),
)
def test_the_lowered_text_path_finds_the_ignorecase_spans(
    parts: list[str], text: str, lo: int, hi: int
) -> None:
    try:
        pattern = re.compile("".join(parts), re.IGNORECASE)
    except re.error:
        assume(False)
        raise
    lo, hi = min(lo, len(text)), min(max(lo, hi), len(text))
    assert spans_caseless(pattern, text, lo, hi) == spans_ignorecase(pattern, text, lo, hi)


@pytest.mark.parametrize(
    "text",
    [
        "Darbinieki ir JĀINFORMĒ par to. Nezinu, NAV laika.",
        "We DON'T need training; I don’t know. Nobody asked.",
        "İstanbul: darbiniekus jāinformē.",  # 'İ' lowers to two characters: the slow path
        "Strādāju ıs ſ pašvaldībā, Σ ΣΑΣ ς.",  # re's extra case variants in the text
    ],
)
@pytest.mark.parametrize(
    "source",
    [
        r"darbinie\w*\s+(ir\s+)?jāinformē",
        r"(būtu|strādātu)\s+pašvaldībā",
        r"\bdon['’]t\b",
        r"[a-z]+s\b",
        r"σ|ς",
        r"[A-Z]\w+",
        r"(?-i:nav)",
    ],
)
def test_invented_latvian_and_english_patterns_match_as_with_ignorecase(
    text: str, source: str
) -> None:
    pattern = re.compile(source, re.IGNORECASE)
    assert spans_caseless(pattern, text, 0, len(text)) == spans_ignorecase(
        pattern, text, 0, len(text)
    )


@pytest.mark.parametrize(
    ("source", "fast"),
    [
        (r"darbinie\w*\s+(ir\s+)?jāinformē", True),
        (r"municipal (payroll|employee|staff)", True),
        (r"[a-z]+\.", True),
        (r"[A-Z]x", False),  # an uppercase class
        (r"Pumpurs", False),  # an uppercase literal
        (r"(?i)a", False),  # inline flags
        (r"(?-i:a)b", False),
        (r"\x41", False),  # a character by code: 'A'
        (r"[0-a]", False),  # a range with uppercase members ('B' ~ 'b')
        (r"(a)\1", False),  # a back-reference
    ],
)
def test_only_provably_equal_patterns_take_the_lowered_path(source: str, fast: bool) -> None:
    assert (lowered_pattern(re.compile(source, re.IGNORECASE)) is not None) is fast


def test_a_text_that_lowers_to_another_length_is_searched_as_it_is() -> None:
    assert CaselessText("İzmir").lowered() is None
    assert CaselessText("Mācības NAV").lowered() == "mācības nav"
