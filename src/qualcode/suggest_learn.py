"""The store side of learning: training examples from the project's coding, the stored model.

`qualcode suggest` turns every respondent turn into a `TrainingExample` (cached token keys,
the interviewer's question before it, its tags, rejected suggestions, whether its transcript
is fully coded, this run's rule scores), trains the per-code models of `nlp.learn` on the
turns the coding says something about, and keeps the model as JSON in the `models` table
with the fingerprint of its training data, so an unchanged project reuses it. Nothing is
pickled. `evaluate_project` runs the same examples through `nlp.learn_eval.evaluate`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from .errors import QualcodeError
from .models import RESPONDENT

if TYPE_CHECKING:
    from .nlp.cache import TokenTable, TranscriptText
    from .nlp.learn import Model, TrainingExample
    from .nlp.learn_eval import Evaluation
    from .store import Store

MODEL_KEY = "suggest-model"
DONE_SETTING = "transcripts.done"  # names a coder declared fully coded (comma-separated)

# (transcript id, turn position) -> code name -> rule score of this run's matches
RuleScores = Mapping[tuple[int, int], Mapping[str, float]]


def has_coding(store: Store) -> bool:
    """True when there is anything to learn from: a tag or a rejected suggestion."""
    return store.tags.count() > 0 or bool(store.suggestions.rejected_turn_codes())


def done_transcripts(store: Store) -> list[str]:
    """Transcripts a coder declared fully coded."""
    return store.list_setting(DONE_SETTING)


def mark_done(store: Store, names: Sequence[str], *, done: bool = True) -> list[str]:
    """Declare transcripts fully coded (their untagged turns teach 'not this code')."""
    resolved = [store.transcripts.get(n).name for n in names]
    current = done_transcripts(store)
    if done:
        new = sorted({*current, *resolved})
    else:
        new = [n for n in current if n not in set(resolved)]
    with store.write():
        store.set_setting(DONE_SETTING, ",".join(new))
    return new


def examples_for(
    store: Store,
    items: Sequence[TranscriptText],
    tables: Mapping[int, TokenTable],
    rule_scores: RuleScores,
) -> list[TrainingExample]:
    """Every respondent turn of these transcripts as a training example, in name order."""
    from .nlp.learn import TrainingExample, context_of, turn_keys

    labels = store.tags.turn_labels()
    rejected = store.suggestions.rejected_turn_codes()
    complete = store.tags.complete_transcripts(done_transcripts(store))
    out = []
    for item in sorted(items, key=lambda i: i.name):
        keys = turn_keys(tables[item.id])
        roles = [t.role for t in item.turns]
        done = item.name in complete
        for pos, turn in enumerate(item.turns):
            if turn.role != RESPONDENT or pos >= len(keys):
                continue
            ctx = context_of(roles, pos)
            out.append(
                TrainingExample(
                    item.name,
                    turn.number,
                    keys[pos],
                    keys[ctx] if ctx is not None else (),
                    frozenset(labels.get(turn.id, ())),
                    frozenset(rejected.get(turn.id, ())),
                    done,
                    dict(sorted(rule_scores.get((item.id, pos), {}).items())),
                )
            )
    return out


def labelled(examples: Sequence[TrainingExample]) -> list[TrainingExample]:
    """The examples the coding says something about."""
    return [e for e in examples if e.labels or e.rejected or e.complete]


def model_for(
    store: Store, examples: Sequence[TrainingExample], codes: Sequence[str]
) -> Model | None:
    """The trained model (reused from the project when its training data is unchanged).

    None when no turn is tagged yet: suggestions then come from the rules alone.
    """
    from .nlp.learn import MIN_TAGS, THRESHOLD, Model, fingerprint, train

    training = labelled(examples)
    if not any(e.labels for e in training):
        return None
    fp = fingerprint(training, codes, min_tags=MIN_TAGS, threshold=THRESHOLD)
    stored = store.learned.get(MODEL_KEY)
    if stored is not None and stored[0] == fp:
        try:
            return Model.from_dict(json.loads(stored[1]))
        except (QualcodeError, ValueError):
            pass  # damaged or of another format: train again below
    model = train(training, codes)
    store.learned.save(MODEL_KEY, fp, json.dumps(model.to_dict(), ensure_ascii=False))
    return model


def evaluate_project(
    store: Store,
    examples: Sequence[TrainingExample],
    codes: Sequence[str],
    *,
    folds: int = 5,
    in_sample: bool = False,
) -> Evaluation:
    """k-fold cross-validation by transcript over the project's own coding."""
    from .nlp.learn_eval import evaluate

    coded = {e.transcript for e in examples if e.labels or e.rejected}
    training = [e for e in labelled(examples) if e.transcript in coded]
    if not any(e.labels for e in training):
        raise QualcodeError(
            "nothing is coded yet; tag some turns (or review suggestions) and run "
            "`qualcode suggest --evaluate` again"
        )
    return evaluate(training, codes, folds=folds, in_sample=in_sample)
