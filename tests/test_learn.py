"""Per-code models learned from the coder's tags: training, prediction, storage, evaluation."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qualcode.errors import QualcodeError
from qualcode.nlp.learn import Model, TrainingExample, Weights, _pack_coef, train
from qualcode.nlp.learn_eval import evaluate

CODES = ["needs-training", "low-pay"]

# Invented respondent turns as lemma keys (what the token cache holds), by theme.
TRAINING = ["mācīb", "kurs", "seminār", "vajag", "prasm"]
PAY = ["alg", "maz", "naud", "nepietiek", "samaks"]
OTHER = ["bērn", "skol", "ģimen", "iet", "labi", "māj"]


def turn(transcript: str, n: int, keys: list[str], labels: set[str], **kw) -> TrainingExample:
    return TrainingExample(transcript, n, keys, (), frozenset(labels), complete=True, **kw)


def corpus() -> list[TrainingExample]:
    out = []
    for t in range(6):
        name = f"LV-{t + 1:02d}"
        out.append(
            turn(name, 2, [TRAINING[t % 5], TRAINING[(t + 1) % 5], "un"], {"needs-training"})
        )
        out.append(turn(name, 4, [PAY[t % 5], PAY[(t + 2) % 5], "ir"], {"low-pay"}))
        out.append(turn(name, 6, [OTHER[t % 6], OTHER[(t + 3) % 6]], set()))
        out.append(turn(name, 8, [OTHER[(t + 1) % 6], "labi"], set()))
    return out


def test_a_turn_like_the_tagged_ones_is_suggested_without_a_keyword() -> None:
    model = train(corpus(), CODES)
    assert model.learned() == CODES
    new = TrainingExample("LV-99", 2, ["mācīb", "kurs", "vajag"])
    got = model.predict(new)
    assert got["needs-training"].suggested and not got["low-pay"].suggested
    assert got["needs-training"].probability > got["low-pay"].probability
    assert any(r.startswith("similar to LV-") for r in got["needs-training"].reasons)


def test_a_code_with_fewer_than_three_tags_stays_on_its_rules() -> None:
    examples = [e for e in corpus() if "low-pay" not in e.labels or e.transcript < "LV-03"]
    model = train(examples, CODES)
    pay = model.codes["low-pay"]
    assert pay.status == "rules" and pay.tags == 2 and "fewer than 3" in pay.note
    hit = TrainingExample("LV-99", 2, ["alg"], rule_scores={"low-pay": 0.5})
    got = model.predict(hit)["low-pay"]
    assert got.source == "rules" and got.suggested
    assert not model.predict(TrainingExample("LV-99", 2, ["alg"]))["low-pay"].suggested


def test_rejected_suggestions_teach_the_rule_is_often_wrong() -> None:
    examples = corpus()
    # "stunda" hits in four turns coders rejected and is right once: the rule is vetoed
    for i in range(4):
        examples.append(
            TrainingExample(
                f"LV-0{i + 1}",
                20,
                ["stund", "skol"],
                rejected=frozenset({"low-pay"}),
                rule_scores={"low-pay": 0.5},
            )
        )
    model = train(examples, CODES)
    assert model.codes["low-pay"].rule_hits == 4 and model.codes["low-pay"].rule_right == 0
    got = model.predict(
        TrainingExample("LV-99", 3, ["stund", "skol"], rule_scores={"low-pay": 0.5})
    )
    assert not got["low-pay"].suggested


def test_unlabelled_turns_of_partly_coded_transcripts_teach_nothing() -> None:
    examples = corpus()
    extra = TrainingExample("LV-50", 2, ["alg", "maz"], (), frozenset(), complete=False)
    assert extra.label("low-pay") is None
    assert (
        train(examples + [extra], CODES).codes["low-pay"].negatives
        == train(examples, CODES).codes["low-pay"].negatives
    )


def test_training_is_deterministic_and_the_model_round_trips_as_json() -> None:
    a, b = train(corpus(), CODES), train(corpus(), CODES)
    assert a.to_dict() == b.to_dict() and a.fingerprint == b.fingerprint
    back = Model.from_dict(json.loads(json.dumps(a.to_dict(), ensure_ascii=False)))
    probe = TrainingExample("LV-99", 2, ["alg", "naud"], ("kā", "alg"))
    assert back.predict(probe) == a.predict(probe)


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.update(format=99),
        lambda d: d.pop("features"),
        # a feature index the model does not have
        lambda d: d["codes"]["low-pay"].update(coef=_pack_coef(Weights.of({10**6: 1.0}))),
        lambda d: d["codes"]["low-pay"]["coef"].update(weight="not base64!"),
        lambda d: d["codes"]["low-pay"]["coef"].update(index=""),  # lengths differ
        lambda d: d["codes"]["low-pay"].update(coef=[[1, 1.0]]),  # format 1's shape
        lambda d: d["codes"]["low-pay"].update(intercept="x"),
    ],
)
def test_a_damaged_stored_model_is_refused_with_a_clear_error(damage) -> None:
    data = train(corpus(), CODES).to_dict()
    damage(data)
    with pytest.raises(QualcodeError, match="retrain"):
        Model.from_dict(data)


def test_cross_validation_holds_out_whole_transcripts() -> None:
    ev = evaluate(corpus(), CODES, folds=3)
    assert ev.held_out and ev.folds == 3 and ev.transcripts == 6
    by_code = {r.code: r for r in ev.codes}
    assert by_code["needs-training"].tags == 6
    assert ev.overall.tp + ev.overall.fn == 12  # every tag scored once, in its own fold
    assert 0.0 <= ev.overall.f1 <= 1.0


def test_in_sample_evaluation_says_so() -> None:
    ev = evaluate(corpus(), CODES, in_sample=True)
    assert not ev.held_out and ev.folds == 1


def test_codes_with_few_tags_need_more_hand_coding() -> None:
    ev = evaluate(corpus()[:8], CODES, folds=2)  # two transcripts: two tags per code
    assert set(ev.needs_more) == set(CODES)
    assert all(not r.learned for r in ev.codes)  # under three tags per fold: rules only


def test_suggested_only_predictions_are_exactly_the_suggested_part_of_all() -> None:
    model = train(corpus(), CODES)
    turns = [
        TrainingExample("LV-98", 2, ["mācīb", "kurs", "vajag"]),
        TrainingExample("LV-98", 4, ["alg", "maz"], rule_scores={"low-pay": 0.5}),
        TrainingExample("LV-98", 6, ["bērn", "skol"]),
        TrainingExample("LV-98", 8, ["naud", "kurs"], context_keys=["alg"]),
    ]
    everything = model.predict_many(turns)
    assert [list(p) for p in everything] == [CODES] * len(turns)  # every code, in code order
    suggested = [{c: p for c, p in preds.items() if p.suggested} for preds in everything]
    assert model.predict_many(turns, suggested_only=True) == suggested
    assert any(suggested) and not all(len(s) == len(CODES) for s in suggested)


def test_codes_fitted_in_worker_processes_give_the_same_model() -> None:
    alone = train(corpus(), CODES)
    shared = train(corpus(), CODES, workers=2)
    assert shared == alone and shared.to_dict() == alone.to_dict()


def test_codes_fitted_by_workers_that_map_the_matrix_from_files_give_the_same_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from qualcode.nlp import batch

    alone = train(corpus(), CODES)
    monkeypatch.setattr(batch, "can_isolate", lambda: False)  # as where workers are spawned
    mapped = train(corpus(), CODES, workers=2)
    assert mapped == alone and mapped.to_dict() == alone.to_dict()


def test_similar_turns_come_from_an_even_spread_of_at_most_max_similar_tagged_turns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from qualcode.nlp import learn

    full = train(corpus(), CODES)
    monkeypatch.setattr(learn, "MAX_SIMILAR", 2)
    capped = train(corpus(), CODES)
    tagged = [(e.transcript, e.turn) for e in corpus() if "needs-training" in e.labels]
    kept = [capped.examples[i][:2] for i in capped.codes["needs-training"].positives]
    assert len(tagged) == 6 and kept == [tagged[0], tagged[3]]
    assert capped.codes["needs-training"].tags == 6  # every tag still trains the model
    assert capped.codes["needs-training"].coef == full.codes["needs-training"].coef
    new = TrainingExample("LV-99", 2, ["mācīb", "kurs", "vajag"])
    reasons = capped.predict(new)["needs-training"].reasons
    assert any(r.startswith(("similar to LV-01 ", "similar to LV-04 ")) for r in reasons)


def test_a_fit_uses_an_even_spread_of_at_most_pos_cap_positives_and_their_negatives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import numpy as np

    from qualcode.nlp import learn

    monkeypatch.setattr(learn, "POS_CAP", 3)
    monkeypatch.setattr(learn, "NEG_CAP", 2)
    y = np.array([True] * 9 + [False] * 30)
    rows = learn._fit_rows(list(range(100, 139)), y)
    assert [r for r in rows if r < 109] == [100, 103, 106]  # every third of the 9 positives
    assert len([r for r in rows if r >= 109]) == learn.NEG_RATIO * 3  # 4 negatives each
    assert rows == sorted(rows) == learn._fit_rows(list(range(100, 139)), y)
    capped = train(corpus(), CODES)
    assert capped.codes["needs-training"].tags == 6  # counted whole, fitted on a spread
    assert capped.predict(TrainingExample("LV-99", 2, ["mācīb", "kurs", "vajag"]))[
        "needs-training"
    ].suggested


_WORDS = ["mācīb", "kurs", "alg", "maz", "bērn", "ir", "un", "ā"]
_keys = st.lists(st.sampled_from(_WORDS), max_size=8)


@given(
    st.lists(
        st.tuples(
            _keys,
            _keys,
            st.dictionaries(st.sampled_from(CODES), st.sampled_from([0.0, 0.5, 1.0]), max_size=2),
        ),
        min_size=1,
        max_size=12,
    ),
    st.sampled_from([1, 2]),
)
def test_the_feature_matrices_equal_the_features_turn_by_turn(
    turns: list[tuple[list[str], list[str], dict[str, float]]], min_df: int
) -> None:
    import math
    from collections import Counter

    from qualcode.nlp.features import _lookups_of, _matrix, training_matrix

    examples = [
        TrainingExample("LV-01", n, keys, context, rule_scores=scores)
        for n, (keys, context, scores) in enumerate(turns)
    ]

    def features(e: TrainingExample) -> dict[str, float]:  # the definition, one turn at a time
        groups = {
            "w:": set(e.keys),
            "p:": {f"{a} {b}" for a, b in zip(e.keys, e.keys[1:], strict=False)},
            "c:": set(e.context_keys),
        }
        out = {p + i: 1 / math.sqrt(len(items)) for p, items in groups.items() for i in items}
        return out | {"r:" + c: s for c, s in e.rule_scores.items() if s > 0}

    rows = [features(e) for e in examples]
    df = Counter(name for row in rows for name in row)
    names = sorted(name for name, n in df.items() if n >= min_df)
    got_names, got = training_matrix(examples, min_df)
    assert got_names == names and got.has_sorted_indices
    expected = [{names.index(f): v for f, v in row.items() if f in names} for row in rows]
    for matrix in (got, _matrix(examples, _lookups_of(names), len(names))):
        assert matrix.shape == (len(examples), len(names)) and matrix.has_sorted_indices
        assert [
            dict(zip(matrix[i].indices.tolist(), matrix[i].data.tolist(), strict=True))
            for i in range(len(examples))
        ] == expected


def test_a_model_made_for_prediction_predicts_the_same_and_is_not_saved() -> None:
    model = train(corpus(), CODES)
    lean = model.for_prediction()
    assert all(not m.coef.index.size for m in lean.codes.values())  # held once, as a matrix
    assert lean.predict_many(corpus()) == model.predict_many(corpus())
    with pytest.raises(ValueError, match="prediction only"):
        lean.to_dict()
    assert Model.from_dict(model.to_dict()) == model  # the one it was made from still is


def test_a_pair_whose_words_are_not_word_features_is_still_found_by_name() -> None:
    from qualcode.nlp.features import _lookups_of, _matrix

    names = ["p:alg maz", "p:maz bērn", "w:maz"]  # "alg" and "bērn" are no word features
    example = TrainingExample("LV-01", 1, ["alg", "maz", "bērn"])
    row = _matrix([example], _lookups_of(names), len(names))
    pair, word = 1 / math.sqrt(2), 1 / math.sqrt(3)
    assert dict(zip(row.indices.tolist(), row.data.tolist(), strict=True)) == {
        0: pair,
        1: pair,
        2: word,
    }


def test_a_shared_matrix_reads_back_equal_and_mapped_from_its_files(tmp_path) -> None:
    import mmap

    from qualcode.nlp.features import training_matrix
    from qualcode.nlp.learn import SharedMatrix

    _, matrix = training_matrix(corpus(), 1)
    back = SharedMatrix.save(matrix, str(tmp_path)).load()
    assert back.shape == matrix.shape and (back != matrix).nnz == 0
    for part in (back.data, back.indices, back.indptr):
        while getattr(part, "base", None) is not None and not isinstance(part, mmap.mmap):
            part = part.base
        assert isinstance(part, mmap.mmap)  # not copied into this process


def test_the_letters_memo_stays_bounded_and_still_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    from qualcode.nlp import learn

    monkeypatch.setattr(learn, "_LETTERS", {})
    monkeypatch.setattr(learn, "_LETTERS_MAX", 5)
    words = [f"vārds{i}" for i in range(12)] + ["123", "—"]
    assert [learn._has_letters(w) for w in words] == [True] * 12 + [False, False]
    assert len(learn._LETTERS) <= 5


def test_the_json_pieces_of_a_model_are_its_data() -> None:
    model = train(corpus(), CODES)
    text = "".join(model.json_parts())
    assert text.isascii()  # Latvian words as \u escapes: one byte a character
    assert json.loads(text) == json.loads(json.dumps(model.to_dict()))
    assert Model.from_dict(json.loads(text)) == model
    with pytest.raises(ValueError, match="prediction only"):
        next(model.for_prediction().json_parts())
