"""Training examples held as numbers (ExampleSet): the same examples, and the same training."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.nlp.example_set import ExampleSet
from qualcode.nlp.features import training_matrix
from qualcode.nlp.learn import TrainingExample, prepare, train

# Latvian lemma keys, as the token cache holds them, with diacritics.
WORDS = ["mācīb", "kurs", "alg", "maz", "bērn", "ģimen", "ir", "un", "nav", "ā"]
CODES = ["needs-training", "low-pay"]

_keys = st.lists(st.sampled_from(WORDS), max_size=9)
_codes = st.frozensets(st.sampled_from(CODES))
_example = st.builds(
    TrainingExample,
    st.sampled_from(["LV-01", "LV-02", "EN-01"]),
    st.integers(1, 400),
    _keys,
    _keys,
    _codes,
    _codes,
    st.booleans(),
    st.dictionaries(st.sampled_from(CODES), st.sampled_from([0.0, 0.3, 1.0]), max_size=2),
)


def _same(a: TrainingExample, b: TrainingExample) -> bool:
    return (
        a.transcript == b.transcript
        and a.turn == b.turn
        and list(a.keys) == list(b.keys)
        and list(a.context_keys) == list(b.context_keys)
        and a.labels == b.labels
        and a.rejected == b.rejected
        and a.complete == b.complete
        and dict(a.rule_scores) == dict(b.rule_scores)
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(_example, max_size=15))
def test_every_example_comes_back_as_it_went_in(examples: list[TrainingExample]) -> None:
    rows = ExampleSet.of(examples)
    assert len(rows) == len(examples)
    assert all(_same(got, e) for got, e in zip(rows, examples, strict=True))
    for code in CODES:
        assert [rows.label(i, code) for i in range(len(rows))] == [e.label(code) for e in examples]


@settings(max_examples=60, deadline=None)
@given(st.lists(_example, max_size=15), st.data())
def test_taking_rows_gives_those_examples_in_that_order(
    examples: list[TrainingExample], data: st.DataObject
) -> None:
    rows = ExampleSet.of(examples)
    picked = data.draw(st.lists(st.integers(0, max(len(examples) - 1, 0)), max_size=10))
    picked = picked if examples else []
    taken = rows.take(picked)
    assert list(taken) == [rows.example(i) for i in picked]
    assert all(_same(t, examples[i]) for t, i in zip(taken, picked, strict=True))


def test_words_are_numbers_in_one_array() -> None:
    rows = ExampleSet.of(
        [
            TrainingExample("LV-01", 2, ["mācīb", "kurs", "mācīb"], ["ir"]),
            TrainingExample("LV-01", 4, ["kurs"], []),
        ]
    )
    keys, key_at, context, context_at = rows.arrays()
    assert keys.dtype == np.int32 and keys.tolist() == [0, 1, 0, 1]
    assert key_at.tolist() == [0, 3, 4] and context_at.tolist() == [0, 1, 1]
    assert [rows.words_by_number()[n] for n in context.tolist()] == ["ir"]
    assert rows.words == ["mācīb", "kurs", "ir"]


def test_repeated_labels_and_rule_scores_are_held_once() -> None:
    examples = [
        TrainingExample(
            "LV-01", n, ["alg"], (), frozenset({"low-pay"}), rule_scores={"low-pay": 1.0}
        )
        for n in range(50)
    ]
    rows = ExampleSet.of(examples)
    assert len({id(x) for x in rows.labels}) == 1
    assert len({id(x) for x in rows.rule_scores}) == 1


@settings(max_examples=40, deadline=None)
@given(st.lists(_example, min_size=1, max_size=14), st.sampled_from([1, 2]))
def test_the_matrix_of_a_set_is_the_matrix_of_its_examples(
    examples: list[TrainingExample], min_df: int
) -> None:
    # The list path converts too; a set built one example at a time must give the same.
    names, matrix = training_matrix(examples, min_df)
    rows = ExampleSet()
    for e in examples:
        rows.add(e)
    got_names, got = training_matrix(rows, min_df)
    assert got_names == names and got.has_sorted_indices
    assert (got != matrix).nnz == 0 and got.shape == matrix.shape


def test_training_from_a_set_plans_and_fits_as_from_the_list() -> None:
    examples = [
        TrainingExample(
            f"LV-{t:02d}",
            n,
            (["mācīb", "kurs", "un"] if n == 2 else ["alg", "maz"] if n == 4 else ["bērn", "ir"]),
            ["nav"] if n == 4 else [],
            frozenset({"needs-training"} if n == 2 else {"low-pay"} if n == 4 else set()),
            complete=True,
            rule_scores={"low-pay": 0.5} if n == 4 else {},
        )
        for t in range(8)
        for n in (2, 4, 6)
    ]
    a = prepare(examples, CODES, data_fingerprint="f")
    b = prepare(ExampleSet.of(examples), CODES, data_fingerprint="f")
    assert a.names == b.names and (a.matrix != b.matrix).nnz == 0
    assert [(c, r, y.tolist()) for c, r, y in a.fits] == [(c, r, y.tolist()) for c, r, y in b.fits]
    assert a.models == b.models and a.stored == b.stored
    assert train(examples, CODES).to_dict() == train(list(ExampleSet.of(examples)), CODES).to_dict()


def test_rows_can_still_be_added_after_the_arrays_were_read() -> None:
    rows = ExampleSet.of([TrainingExample("LV-01", 2, ["mācīb"])])
    first = rows.arrays()[0].tolist()
    rows.add(TrainingExample("LV-01", 4, ["alg", "mācīb"]))  # the cached views are let go
    assert first == [0] and rows.arrays()[0].tolist() == [0, 1, 0]
    assert rows.keys(1) == ["alg", "mācīb"]
