"""Agreement figures against textbook values, the krippendorff package and hand-computed cases."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import krippendorff
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from qualcode.agreement import AgreementOptions, AgreementRow, CodedSpan, Unit, agreement
from qualcode.errors import QualcodeError

TURN = 10  # every invented turn is ten characters long


def turns(transcript: str, n: int) -> list[Unit]:
    """n back-to-back turns of TURN characters, numbered from 1."""
    return [Unit(transcript, i + 1, i * TURN, (i + 1) * TURN) for i in range(n)]


def coded(transcript: str, coder: str, code: str, decisions: Sequence[int]) -> list[CodedSpan]:
    """A span inside each turn whose decision is 1 (turn i+1 for decisions[i])."""
    return [
        CodedSpan(transcript, coder, code, i * TURN + 2, i * TURN + 6)
        for i, d in enumerate(decisions)
        if d
    ]


def one(table_rows: Sequence[AgreementRow], code: str) -> AgreementRow:
    return next(r for r in table_rows if r.code == code)


def test_kappa_matches_the_textbook_two_by_two_table() -> None:
    # The common textbook table (Wikipedia "Cohen's kappa"): 50 cases, 20 both yes, 5 only A,
    # 10 only B, 15 both no: p_o = 0.7, p_e = 0.5, kappa = 0.4.
    a = [1] * 20 + [1] * 5 + [0] * 10 + [0] * 15
    b = [1] * 20 + [0] * 5 + [1] * 10 + [0] * 15
    spans = coded("t", "ann", "x", a) + coded("t", "ben", "x", b)
    row = one(agreement(spans, turns("t", 50)).rows, "x")
    assert (row.both, row.only_a, row.only_b, row.neither) == (20, 5, 10, 15)
    assert row.percent_agreement == pytest.approx(70.0)
    assert row.kappa == pytest.approx(0.4)
    assert row.overlap == pytest.approx(100 * 20 / 35)


def test_alpha_matches_krippendorffs_binary_worked_example() -> None:
    # Krippendorff, "Computing Krippendorff's alpha-reliability" (2011), binary data, two
    # observers, ten units: alpha = 0.095.
    a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    spans = coded("t", "a", "x", a) + coded("t", "b", "x", b)
    row = one(agreement(spans, turns("t", 10)).rows, "x")
    assert row.alpha == pytest.approx(0.095, abs=5e-4)
    assert row.alpha == pytest.approx(2 / 21)  # 1 - (20 - 1) * 4 / (14 * 6)


def test_character_level_counts_characters_of_the_units_only() -> None:
    # Units: respondent turns [0,10) and [20,30); [10,20) is the interviewer, not compared.
    units = [Unit("t", 1, 0, 10), Unit("t", 3, 20, 30)]
    spans = [
        CodedSpan("t", "a", "x", 2, 8),
        CodedSpan("t", "a", "x", 25, 30),
        CodedSpan("t", "b", "x", 5, 10),
        CodedSpan("t", "b", "x", 12, 22),  # crosses the interviewer: only 20..22 counts
    ]
    table = agreement(spans, units, AgreementOptions(unit="character"))
    row = one(table.rows, "x")
    # a covers 2..8 and 25..30 (11 chars), b 5..10 and 20..22 (7), both 5..8 (3).
    assert (row.units, row.both, row.only_a, row.only_b, row.neither) == (20, 3, 8, 4, 5)
    assert row.coded == (11, 7)
    assert row.percent_agreement == pytest.approx(40.0)
    # p_o = 8/20, p_e = .55 * .35 + .45 * .65 = .485: kappa = -0.085 / 0.515 = -17/103.
    assert row.kappa == pytest.approx(float(Fraction(-17, 103)))
    assert row.overlap == pytest.approx(100 * 3 / 15)
    chars_a = [
        1 if 2 <= i < 8 or 25 <= i < 30 else 0 for i in list(range(10)) + list(range(20, 30))
    ]
    chars_b = [
        1 if 5 <= i < 10 or 20 <= i < 22 else 0 for i in list(range(10)) + list(range(20, 30))
    ]
    expected = krippendorff.alpha(
        reliability_data=[chars_a, chars_b], level_of_measurement="nominal"
    )
    assert row.alpha == pytest.approx(expected)


def test_uncoded_units_inflate_agreement_until_excluded() -> None:
    # 100 turns; a codes turns 1-5, b turns 3-7; nobody codes the other 93.
    a = [1] * 5 + [0] * 95
    b = [0] * 2 + [1] * 5 + [0] * 93
    spans = coded("t", "a", "x", a) + coded("t", "b", "x", b)
    inflated = one(agreement(spans, turns("t", 100)).rows, "x")
    assert inflated.percent_agreement == pytest.approx(96.0)
    assert inflated.kappa == pytest.approx((0.96 - 0.905) / 0.095)  # 0.58: "moderate"
    table = agreement(spans, turns("t", 100), AgreementOptions(exclude_uncoded=True))
    honest = one(table.rows, "x")
    assert table.excluded == 93
    assert (honest.units, honest.both, honest.only_a, honest.only_b, honest.neither) == (
        7,
        3,
        2,
        2,
        0,
    )
    assert honest.percent_agreement == pytest.approx(300 / 7)
    assert honest.kappa == pytest.approx(-0.4)  # (21/49 - 29/49) / (1 - 29/49)
    assert honest.overlap == inflated.overlap  # overlap ignores "neither" either way


def test_exclude_uncoded_keeps_units_coded_with_another_compared_code() -> None:
    spans = coded("t", "a", "x", [1, 0, 0]) + coded("t", "b", "y", [0, 1, 0])
    table = agreement(spans, turns("t", 3), AgreementOptions(exclude_uncoded=True))
    assert table.excluded == 1
    assert one(table.rows, "x").units == 2
    assert one(table.rows, "x").neither == 1  # turn 2: nobody coded x there, b coded y


def test_character_level_uncoded_text_inflates_kappa() -> None:
    units = [Unit("t", 1, 0, 1000)]
    spans = [CodedSpan("t", "a", "x", 0, 20), CodedSpan("t", "b", "x", 10, 30)]
    loose = agreement(spans, units, AgreementOptions(unit="character")).overall
    strict = agreement(spans, units, AgreementOptions(unit="character", exclude_uncoded=True))
    assert loose.percent_agreement == pytest.approx(98.0)
    assert loose.kappa is not None and loose.kappa > 0.48
    assert strict.excluded == 970
    assert strict.overall.percent_agreement == pytest.approx(100 * 10 / 30)
    assert strict.overall.kappa == pytest.approx(-0.5)


def test_one_coder_is_an_error_that_says_what_to_do() -> None:
    with pytest.raises(QualcodeError, match="at least two coders.*merge"):
        agreement(coded("t", "a", "x", [1, 0]), turns("t", 2))


def test_a_named_coder_without_tags_is_an_error_unless_transcripts_are_named() -> None:
    spans = coded("t", "a", "x", [1, 0, 1, 0])
    with pytest.raises(QualcodeError, match="'b' has no tags"):
        agreement(spans, turns("t", 4), AgreementOptions(coders=["a", "b"]))
    options = AgreementOptions(coders=["a", "b"], transcripts=["t"])
    row = one(agreement(spans, turns("t", 4), options).rows, "x")
    assert (row.both, row.only_a, row.only_b, row.neither) == (0, 2, 0, 2)
    assert row.kappa == 0.0  # b said "no" everywhere: agreement is exactly chance
    expected = krippendorff.alpha(reliability_data=[[1, 0, 1, 0], [0, 0, 0, 0]])
    assert row.alpha == pytest.approx(expected)


def test_no_variation_leaves_kappa_and_alpha_undefined_with_a_note() -> None:
    spans = coded("t", "a", "x", [1, 1, 1]) + coded("t", "b", "x", [1, 1, 1])
    table = agreement(spans, turns("t", 3), AgreementOptions(codes=["x", "unused"]))
    everywhere, nobody = one(table.rows, "x"), one(table.rows, "unused")
    assert everywhere.percent_agreement == 100.0
    assert everywhere.kappa is None and everywhere.alpha is None
    assert "everywhere" in everywhere.note
    assert nobody.kappa is None and nobody.alpha is None and "no coder" in nobody.note
    assert table.overall.kappa is None and table.overall.alpha is None
    assert "no variation" in table.overall.note


def test_transcripts_only_one_coder_tagged_are_skipped() -> None:
    spans = (
        coded("t1", "a", "x", [1, 0])
        + coded("t1", "b", "x", [1, 1])
        + coded("t2", "a", "x", [1, 1])
    )
    table = agreement(spans, turns("t1", 2) + turns("t2", 2) + turns("t3", 2))
    assert table.transcripts == ("t1",)
    assert table.skipped_transcripts == ("t2",)
    assert table.overall.units == 2


def test_three_coders_with_missing_data_match_the_krippendorff_package() -> None:
    # c did not code t2: her values there are missing, not "not coded".
    spans = (
        coded("t1", "a", "x", [1, 0, 1, 0])
        + coded("t1", "b", "x", [1, 0, 0, 0])
        + coded("t1", "c", "x", [1, 1, 1, 0])
        + coded("t2", "a", "x", [0, 1, 1])
        + coded("t2", "b", "x", [0, 1, 0])
    )
    row = one(agreement(spans, turns("t1", 4) + turns("t2", 3)).rows, "x")
    nan = np.nan
    data = [[1, 0, 1, 0, 0, 1, 1], [1, 0, 0, 0, 0, 1, 0], [1, 1, 1, 0, nan, nan, nan]]
    assert row.alpha == pytest.approx(krippendorff.alpha(reliability_data=data))
    assert row.kappa is None and row.both is None
    # Units where every coder who saw them agreed: t1 turns 1 and 4, t2 turns 1 and 2.
    assert row.percent_agreement == pytest.approx(100 * 4 / 7)
    assert row.coded == (4, 2, 3)


def test_choosing_two_of_three_coders_gives_kappa() -> None:
    spans = (
        coded("t", "a", "x", [1, 0]) + coded("t", "b", "x", [1, 0]) + coded("t", "c", "x", [0, 1])
    )
    table = agreement(spans, turns("t", 2), AgreementOptions(coders=["a", "c"]))
    assert table.coders == ("a", "c")
    assert one(table.rows, "x").kappa == pytest.approx(-1.0)


def test_a_respondent_unit_spans_several_turns() -> None:
    # Respondent R speaks in [0,10) and [20,30); one span in each extent, by different coders.
    units = [Unit("t", "R", 0, 10), Unit("t", "R", 20, 30), Unit("t", "S", 40, 50)]
    spans = [CodedSpan("t", "a", "x", 2, 4), CodedSpan("t", "b", "x", 22, 24)]
    spans.append(CodedSpan("t", "b", "y", 41, 42))
    options = AgreementOptions(unit="respondent")
    row = one(agreement(spans, units, options).rows, "x")
    assert (row.units, row.both, row.neither) == (2, 1, 1)


def test_overlapping_units_and_unknown_unit_kinds_are_errors() -> None:
    spans = coded("t", "a", "x", [1]) + coded("t", "b", "x", [1])
    with pytest.raises(QualcodeError, match="overlap"):
        agreement(spans, [Unit("t", 1, 0, 10), Unit("t", 2, 5, 15)])
    with pytest.raises(QualcodeError, match="unknown unit 'line'"):
        AgreementOptions(unit="line")  # type: ignore[arg-type]


def test_overall_row_pools_every_code_decision() -> None:
    spans = coded("t", "a", "x", [1, 1, 0, 0]) + coded("t", "b", "x", [1, 0, 0, 0])
    spans += coded("t", "a", "y", [0, 0, 1, 0]) + coded("t", "b", "y", [0, 0, 1, 1])
    table = agreement(spans, turns("t", 4))
    overall = table.overall
    assert (overall.units, overall.decisions) == (4, 8)
    assert overall.percent_agreement == pytest.approx(75.0)
    assert (overall.both, overall.only_a, overall.only_b, overall.neither) == (2, 1, 1, 4)
    # Pooled kappa: mean p_o = .75, mean p_e = .5 for both codes: (0.75 - 0.5) / 0.5.
    assert overall.kappa == pytest.approx(0.5)
    # Pooled alpha: per-code alphas weighted by their chance disagreement (n_0 * n_1 = 15 each).
    x = krippendorff.alpha(reliability_data=[[1, 1, 0, 0], [1, 0, 0, 0]])
    y = krippendorff.alpha(reliability_data=[[0, 0, 1, 0], [0, 0, 1, 1]])
    assert overall.alpha == pytest.approx((x + y) / 2)


def test_overall_figures_ignore_codes_nobody_varied_on() -> None:
    # x: every coder everywhere; y: nobody; z: real disagreement. Only z counts.
    spans = coded("t", "a", "x", [1, 1, 1, 1]) + coded("t", "b", "x", [1, 1, 1, 1])
    spans += coded("t", "a", "z", [1, 1, 0, 0]) + coded("t", "b", "z", [1, 0, 1, 0])
    table = agreement(spans, turns("t", 4), AgreementOptions(codes=["x", "y", "z"]))
    z = one(table.rows, "z")
    assert table.overall.kappa == pytest.approx(z.kappa)
    assert table.overall.alpha == pytest.approx(z.alpha)
    assert table.overall.percent_agreement == pytest.approx((100 + 100 + 50) / 3)


# Random double-coding: per transcript, which coders saw it and each coder's decisions.
coding = st.integers(min_value=2, max_value=4).flatmap(
    lambda n_coders: st.tuples(
        st.just(n_coders),
        st.lists(
            st.tuples(
                st.integers(min_value=1, max_value=6),  # turns
                st.sets(st.integers(0, n_coders - 1), min_size=2),  # coders who saw it
                st.randoms(use_true_random=False),
            ),
            min_size=1,
            max_size=4,
        ),
    )
)


def build(
    draw: tuple[int, list[tuple[int, set[int], object]]], codes: int = 2
) -> tuple[list[CodedSpan], list[Unit], dict[str, np.ndarray], list[str]]:
    """Spans and units, plus the reliability matrix per code (coders x units, nan missing)."""
    n_coders, transcripts = draw
    names = [f"c{k}" for k in range(n_coders)]
    spans: list[CodedSpan] = []
    units: list[Unit] = []
    columns: dict[str, list[list[float]]] = {f"k{j}": [] for j in range(codes)}
    for t, (n_turns, saw, rnd) in enumerate(transcripts):
        name = f"t{t}"
        units += turns(name, n_turns)
        for k in saw:  # a coder who saw it leaves a tag, so agreement knows she coded it
            spans.append(CodedSpan(name, names[k], "seen", 0, 1))
        for j in range(codes):
            for i in range(n_turns):
                col = []
                for k in range(n_coders):
                    if k not in saw:
                        col.append(np.nan)
                        continue
                    d = rnd.random() < 0.4  # type: ignore[attr-defined]
                    col.append(float(d))
                    if d:
                        spans += coded(name, names[k], f"k{j}", [0] * i + [1])
                columns[f"k{j}"].append(col)
    matrices = {code: np.array(cols).T for code, cols in columns.items()}
    return spans, units, matrices, [f"k{j}" for j in range(codes)]


def package_alpha(data: np.ndarray) -> float | None:
    pairable = (~np.isnan(data)).sum(axis=0) >= 2
    if not pairable.any() or len(set(data[:, pairable][~np.isnan(data[:, pairable])])) < 2:
        return None
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(coding)
def test_alpha_matches_the_krippendorff_package_on_random_coding(draw: tuple) -> None:
    spans, units, matrices, codes = build(draw)
    table = agreement(spans, units, AgreementOptions(codes=codes))
    for code in codes:
        expected = package_alpha(matrices[code])
        got = one(table.rows, code).alpha
        if expected is None:
            assert got is None
        else:
            assert got == pytest.approx(expected)
    # Overall: the per-code alphas weighted by chance disagreement, n_0 * n_1 of the pairable
    # values (the same weights D_e has, since every code has the same pairable values).
    weights, alphas = [], []
    for code in codes:
        data = matrices[code]
        values = data[:, (~np.isnan(data)).sum(axis=0) >= 2]
        ones = int(np.nansum(values))
        zeros = int((values == 0).sum())
        weights.append(ones * zeros)
        alphas.append(package_alpha(data) or 0.0)
    if not sum(weights):
        assert table.overall.alpha is None
    else:
        expected = sum(w * a for w, a in zip(weights, alphas, strict=True)) / sum(weights)
        assert table.overall.alpha == pytest.approx(expected)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=40))
def test_kappa_matches_scikit_learn(pairs: list[tuple[bool, bool]]) -> None:
    a = [int(x) for x, _ in pairs]
    b = [int(y) for _, y in pairs]
    spans = coded("t", "a", "x", a) + coded("t", "b", "x", b)
    spans += [CodedSpan("t", c, "seen", 0, 1) for c in "ab"]
    row = one(agreement(spans, turns("t", len(pairs)), AgreementOptions(codes=["x"])).rows, "x")
    if len(set(a) | set(b)) < 2:
        assert row.kappa is None
    else:
        assert row.kappa == pytest.approx(cohen_kappa_score(a, b))
    assert row.percent_agreement == pytest.approx(100 * np.mean(np.array(a) == np.array(b)))


def test_nine_coders_match_the_krippendorff_package() -> None:
    # Past eight coders the tally sorts instead of counting; the figures must not change.
    rnd = np.random.default_rng(7)
    data = (rnd.random((9, 12)) < 0.5).astype(int)
    spans = [s for k in range(9) for s in coded("t", f"c{k}", "x", data[k].tolist())]
    spans += [CodedSpan("t", f"c{k}", "seen", 0, 1) for k in range(9)]
    table = agreement(spans, turns("t", 12), AgreementOptions(codes=["x"]))
    assert one(table.rows, "x").alpha == pytest.approx(krippendorff.alpha(reliability_data=data))
