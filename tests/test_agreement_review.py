"""The disagreement walk and the final coding settled from reviewer decisions."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.agreement import AgreementOptions, CodedSpan, Unit
from qualcode.agreement_review import (
    CodeSplit,
    Decision,
    FinalSpan,
    UnitCode,
    disagreements,
    final_coding,
)
from qualcode.errors import QualcodeError

UNITS = [Unit(t, i, 10 * i, 10 * i + 10) for t in ("t1", "t2") for i in (1, 2, 3)]


def span(t: str, coder: str, code: str, start: int, end: int) -> CodedSpan:
    return CodedSpan(t, coder, code, start, end)


SPANS = [
    span("t2", "ann", "x", 12, 15),  # t2 turn 1: ann x, ben x+y -> y split
    span("t2", "ben", "x", 11, 19),
    span("t2", "ben", "y", 11, 13),
    span("t1", "ann", "x", 21, 24),  # t1 turn 2: only ann x
    span("t1", "ben", "y", 31, 35),  # t1 turn 3: both y, different extents: agreed
    span("t1", "ann", "y", 33, 38),
]


def test_disagreements_list_units_where_coders_differ_in_transcript_and_text_order() -> None:
    got = disagreements(SPANS, UNITS)
    assert [(d.transcript, d.key) for d in got] == [("t1", 2), ("t2", 1)]
    first, second = got
    assert (first.start, first.end, first.extents) == (20, 30, ((20, 30),))
    assert first.coders == ("ann", "ben")
    assert first.codes_by_coder == (("ann", ("x",)), ("ben", ()))
    assert first.splits == (CodeSplit("x", ("ann",), ("ben",)),)
    assert second.codes_by_coder == (("ann", ("x",)), ("ben", ("x", "y")))
    assert second.splits == (CodeSplit("y", ("ben",), ("ann",)),)


def test_disagreements_can_be_limited_to_one_code() -> None:
    got = disagreements(SPANS, UNITS, AgreementOptions(codes=["y"]))
    assert [(d.transcript, d.key) for d in got] == [("t2", 1)]
    assert got[0].codes_by_coder == (("ann", ()), ("ben", ("y",)))


def test_final_coding_keeps_agreed_tags_and_leaves_undecided_splits_open() -> None:
    final = final_coding(SPANS, UNITS, [])
    assert set(final.unresolved) == {UnitCode("t1", 2, "x"), UnitCode("t2", 1, "y")}
    # Agreed: x in t2 turn 1 (merged 11..19) and y in t1 turn 3 (merged 31..38).
    assert final.spans == (
        FinalSpan("t1", 3, "y", 31, 38, ("ann", "ben"), False),
        FinalSpan("t2", 1, "x", 11, 19, ("ann", "ben"), False),
    )


def test_decisions_keep_one_side_both_or_neither() -> None:
    keep_ann = Decision("t1", 2, "x", ("ann",))
    neither = Decision("t2", 1, "y", ())
    final = final_coding(SPANS, UNITS, [keep_ann, neither])
    assert final.unresolved == ()
    assert FinalSpan("t1", 2, "x", 21, 24, ("ann",), True) in final.spans
    assert not [s for s in final.spans if s.code == "y" and s.transcript == "t2"]
    keep_ben_only = final_coding(SPANS, UNITS, [Decision("t1", 2, "x", ("ben",))])
    assert not [s for s in keep_ben_only.spans if (s.transcript, s.key) == ("t1", 2)]


def test_a_decision_can_override_agreed_coding() -> None:
    final = final_coding(SPANS, UNITS, [Decision("t1", 3, "y", ("ben",))])
    assert FinalSpan("t1", 3, "y", 31, 35, ("ben",), True) in final.spans


def test_final_spans_are_clipped_to_their_unit() -> None:
    spans = [span("t1", "ann", "x", 15, 25), span("t1", "ben", "x", 18, 22)]
    final = final_coding(spans, UNITS, [])
    assert [(s.key, s.start, s.end, s.coders) for s in final.spans] == [
        (1, 15, 20, ("ann", "ben")),
        (2, 20, 25, ("ann", "ben")),
    ]


def test_stale_decisions_are_returned_not_applied() -> None:
    gone_unit = Decision("t1", 99, "x", ("ann",))
    nobody_coded = Decision("t1", 1, "x", ("ann",))
    final = final_coding(SPANS, UNITS, [gone_unit, nobody_coded])
    assert final.unmatched == (gone_unit, nobody_coded)


def test_a_decision_naming_an_unknown_coder_is_an_error() -> None:
    with pytest.raises(QualcodeError, match="'cleo', who is not among the compared coders"):
        final_coding(SPANS, UNITS, [Decision("t1", 2, "x", ("cleo",))])


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["ann", "ben", "cleo"]),
            st.sampled_from(["x", "y"]),
            st.integers(0, 59),
            st.integers(1, 12),
        ),
        min_size=2,
        max_size=25,
    ),
    st.sampled_from([(), ("ann",), ("ann", "ben", "cleo")]),
)
def test_ruling_every_disagreement_leaves_nothing_unresolved(
    raw: list[tuple[str, str, int, int]], keep: tuple[str, ...]
) -> None:
    spans = [span("t1", c, code, s, min(s + n, 60)) for c, code, s, n in raw]
    spans += [span("t1", c, "seen", 0, 1) for c in ("ann", "ben")]
    units = [Unit("t1", i, 10 * i, 10 * i + 10) for i in range(6)]
    options = AgreementOptions(codes=["x", "y"])
    splits = disagreements(spans, units, options)
    decisions = [
        Decision(d.transcript, d.key, s.code, tuple(c for c in keep if c in d.coders))
        for d in splits
        for s in d.splits
    ]
    final = final_coding(spans, units, decisions, options)
    assert final.unresolved == () and final.unmatched == ()
    for s in final.spans:  # every final span lies inside its unit and comes from kept tags
        unit = units[int(s.key)]
        assert unit.start <= s.start < s.end <= unit.end
        if s.decided:
            assert set(s.coders) <= set(keep)
