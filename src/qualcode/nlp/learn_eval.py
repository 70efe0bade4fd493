"""How good suggestions are on this project: cross-validation by transcript of rules + learning."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .learn import MIN_TAGS, THRESHOLD, Prediction, TrainingExample, train


@dataclass(frozen=True)
class CodeScore:
    """Precision, recall and F1 of one code's suggestions against the coders' tags."""

    code: str
    tags: int  # positive examples in the whole project
    tp: int
    fp: int
    fn: int
    learned: bool  # a model (not rules alone) made at least one fold's suggestions
    precision: float
    recall: float
    f1: float


@dataclass(frozen=True)
class Evaluation:
    """Cross-validated (by transcript) or in-sample scores of suggestions."""

    codes: tuple[CodeScore, ...]
    overall: CodeScore  # micro-averaged over codes
    folds: int
    transcripts: int
    needs_more: tuple[str, ...]  # codes that need more hand coding
    held_out: bool  # True: scored on transcripts the model never saw


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall, F1 (0 where undefined)."""
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def score_predictions(
    codes: Sequence[str],
    pairs: Iterable[tuple[TrainingExample, dict[str, Prediction]]],
    tags: Mapping[str, int],
    learned: set[str],
) -> tuple[list[CodeScore], CodeScore]:
    """Per-code and micro-averaged scores of predictions against the examples' labels."""
    """Per-code and micro-averaged scores of predictions against the examples' labels."""
    counts = {c: [0, 0, 0] for c in codes}
    for example, predicted in pairs:
        for code in codes:
            truth = example.label(code)
            if truth is None:
                continue
            said = predicted[code].suggested
            if said and truth:
                counts[code][0] += 1
            elif said:
                counts[code][1] += 1
            elif truth:
                counts[code][2] += 1
    rows = []
    for c in codes:
        tp, fp, fn = counts[c]
        rows.append(CodeScore(c, tags.get(c, 0), tp, fp, fn, c in learned, *prf(tp, fp, fn)))
    tp, fp, fn = (sum(r.tp for r in rows), sum(r.fp for r in rows), sum(r.fn for r in rows))
    overall = CodeScore("overall", sum(tags.values()), tp, fp, fn, bool(learned), *prf(tp, fp, fn))
    return rows, overall


def evaluate(
    examples: Sequence[TrainingExample],
    codes: Sequence[str],
    *,
    folds: int = 5,
    min_tags: int = MIN_TAGS,
    threshold: float = THRESHOLD,
    in_sample: bool = False,
    weak_f1: float = 0.5,
) -> Evaluation:
    """k-fold cross-validation by transcript (never by turn) of rules plus learning.

    Each fold trains on the other transcripts' coding and suggests on its own transcripts,
    so every figure is held out. in_sample=True trains and scores on everything instead
    (an optimistic figure, labelled as such). Codes needing more hand coding: fewer than
    2 x min_tags tags, or held-out F1 under weak_f1.
    """
    transcripts = sorted({e.transcript for e in examples})
    tags = {c: sum(1 for e in examples if c in e.labels) for c in codes}
    learned: set[str] = set()
    pairs: list[tuple[TrainingExample, dict[str, Prediction]]] = []
    if in_sample or len(transcripts) < 2:
        model = train(examples, codes, min_tags=min_tags, threshold=threshold)
        learned.update(model.learned())
        pairs = list(zip(examples, model.predict_many(examples), strict=True))
        k = 1
    else:
        k = max(2, min(folds, len(transcripts)))
        # Transcripts dealt round-robin into k folds in name order: deterministic, and
        # every fold gets a share of the transcripts.
        fold_of = {t: i % k for i, t in enumerate(transcripts)}
        for fold in range(k):
            train_set = [e for e in examples if fold_of[e.transcript] != fold]
            test_set = [e for e in examples if fold_of[e.transcript] == fold]
            model = train(train_set, codes, min_tags=min_tags, threshold=threshold)
            learned.update(model.learned())
            pairs.extend(zip(test_set, model.predict_many(test_set), strict=True))
    rows, overall = score_predictions(codes, pairs, tags, learned)
    needs = tuple(r.code for r in rows if r.tags < 2 * min_tags or r.f1 < weak_f1)
    return Evaluation(
        tuple(rows), overall, k, len(transcripts), needs, held_out=not (in_sample or k == 1)
    )
