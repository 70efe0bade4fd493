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
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import QualcodeError
from .models import RESPONDENT

if TYPE_CHECKING:
    from .models import Code
    from .nlp.cache import TokenTable, TranscriptText
    from .nlp.learn import Model, Prediction, TrainingExample
    from .nlp.learn_eval import Evaluation
    from .store import Store

MODEL_KEY = "suggest-model"
# Coded text (characters) from which training saves memory rather than time: it runs in a
# child process, which fits the codes one after another (see suggest._train and
# model_for). About 3 M coded words.
LARGE_CODED_CHARS = 20_000_000
DONE_SETTING = "transcripts.done"  # names a coder declared fully coded (comma-separated)

# (transcript id, turn position) -> code name -> rule score of this run's matches
RuleScores = Mapping[tuple[int, int], Mapping[str, float]]
# (transcript id, turn position, code id) -> the rules' passage there
PassageMap = Mapping[tuple[int, int, int], Any]
# (transcript, turn number) and its suggested codes' predictions, for turns with some
Predicted = list[tuple[tuple[str, int], dict[str, "Prediction"]]]


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


@dataclass(frozen=True)
class Coding:
    """What the coders decided, read once per run: codes per turn id, rejected codes per turn
    id, and the transcripts known to be fully coded."""

    labels: Mapping[int, Collection[str]]
    rejected: Mapping[int, Collection[str]]
    complete: Collection[str]


def coding_of(store: Store) -> Coding:
    """The project's coding, as training examples need it."""
    return Coding(
        store.tags.turn_labels(),
        store.suggestions.rejected_turn_codes(),
        store.tags.complete_transcripts(done_transcripts(store)),
    )


def examples_for(
    items: Iterable[tuple[TranscriptText, TokenTable]],
    rule_scores: RuleScores,
    coding: Coding,
) -> list[TrainingExample]:
    """Every respondent turn of these transcripts (with their token tables, given in name
    order) as a training example."""
    return [
        e
        for item, table in items
        for e in _turn_examples(item.id, item.name, turns_of(item), table, rule_scores, coding)
    ]


# A transcript's turns as examples are made from them: (turn id, number, role) in order.
TurnRows = tuple[tuple[int, int, str], ...]


def turns_of(item: TranscriptText) -> TurnRows:
    """The (id, number, role) of each of a transcript's turns."""
    return tuple((t.id, t.number, t.role) for t in item.turns)


def _turn_examples(
    transcript_id: int,
    name: str,
    turns: TurnRows,
    table: TokenTable,
    rule_scores: RuleScores,
    coding: Coding,
) -> Iterator[TrainingExample]:
    from .nlp.learn import TrainingExample, context_of, turn_keys

    keys = turn_keys(table)
    roles = [role for _, _, role in turns]
    done = name in coding.complete
    for pos, (turn_id, number, role) in enumerate(turns):
        if role != RESPONDENT or pos >= len(keys):
            continue
        ctx = context_of(roles, pos)
        yield TrainingExample(
            name,
            number,
            keys[pos],
            keys[ctx] if ctx is not None else (),
            frozenset(coding.labels.get(turn_id, ())),
            frozenset(coding.rejected.get(turn_id, ())),
            done,
            dict(sorted(rule_scores.get((transcript_id, pos), {}).items())),
        )


def labelled(examples: Sequence[TrainingExample]) -> list[TrainingExample]:
    """The examples the coding says something about."""
    return [e for e in examples if informative(e)]


def informative(e: TrainingExample) -> bool:
    """True when the coding says something about the turn (a tag, a rejection, or its
    transcript is fully coded)."""
    return bool(e.labels or e.rejected or e.complete)


def coding_fingerprint(
    items: Sequence[TranscriptText],
    coding: Coding,
    matches: Mapping[int, Sequence[str]],
    codes: Sequence[str],
) -> str:
    """A hash of everything the training examples of these coded transcripts are made of,
    computed without making them: each transcript's text (sha256), language and turns
    (number, role, offsets), its tags and rejected codes by turn, whether it is fully coded,
    the fingerprints of its rules' matches (`matches`: text, turns, compiled rules, pipeline
    version), the codes, the learning parameters and this qualcode's version.

    An unchanged project reuses its model without reading the coded transcripts' token
    tables for training: at 10 M words that read cost a re-run about 100 MB and 6-9 s.
    """
    import hashlib

    from . import __version__
    from .nlp.learn import FORMAT, MIN_TAGS, THRESHOLD
    from .nlp.pipeline import pipeline_version

    h = hashlib.sha1(usedforsecurity=False)
    head = [__version__, FORMAT, MIN_TAGS, THRESHOLD, list(codes)]
    h.update(json.dumps(head, ensure_ascii=False).encode())
    versions: dict[str, str] = {}
    for item in items:
        if item.language not in versions:
            versions[item.language] = pipeline_version(item.language)
        row = [
            item.name,
            item.sha256,
            item.language,
            versions[item.language],
            [[t.number, t.role, t.start, t.end] for t in item.turns],
            [[t.number, sorted(coding.labels.get(t.id, ()))] for t in item.turns],
            [[t.number, sorted(coding.rejected.get(t.id, ()))] for t in item.turns],
            item.name in coding.complete,
            list(matches.get(item.id, ())),
        ]
        h.update(json.dumps(row, ensure_ascii=False).encode())
    return h.hexdigest()


def stored_model(store: Store, fingerprint: str) -> Model | None:
    """The project's model when it was trained on data with this fingerprint."""
    from .nlp.learn import Model

    stored = store.learned.matching(MODEL_KEY, fingerprint)
    if stored is None:
        return None
    try:
        return Model.from_dict(json.loads(stored))
    except (QualcodeError, ValueError):
        return None  # damaged or of another format: trained again


def model_for(
    store: Store,
    examples: Iterable[TrainingExample],
    codes: Sequence[str],
    workers: int,
    fingerprint: str,
    *,
    large: bool = False,
) -> Model | None:
    """Train the model (fitted in `workers` processes) and keep it with the fingerprint of
    what it learned from (`coding_fingerprint`; `stored_model` finds it again).

    `examples` may be lazy (read a chunk of transcripts at a time): they are read into an
    `ExampleSet` (numbers, not strings) one at a time and let go once the feature matrix is
    made, before the fits. The fitting workers start at once and import scikit-learn while
    this process reads the examples (quicker). With `large` the codes are fitted here, one
    after another, for memory: at 10 M words two fitting processes beside this one held
    about 110 MB more (436 against some 330 MB in all) for 1.4 s less.

    None when no turn is tagged yet: suggestions then come from the rules alone.
    """
    from .nlp.batch import Workers, give_back_memory
    from .nlp.example_set import ExampleSet
    from .nlp.learn import fit, preload, prepare

    with Workers(1 if large else workers, warm=preload) as pool:
        # Read into numbers one example at a time: the examples are never all held as objects.
        training = ExampleSet.of(e for e in examples if informative(e))
        if not any(training.labels):
            return None
        plan = prepare(training, codes, data_fingerprint=fingerprint)
        del training
        if large:
            give_back_memory()  # what reading the examples left in the heap
        model = fit(plan, 1 if large else workers, pool)
        del plan
    # ASCII JSON (\u escapes) written a piece at a time: reading it back makes a str of one
    # byte a character, where Latvian text makes Python use two (10 M words: 158 -> 127 MB).
    store.learned.save_parts(MODEL_KEY, fingerprint, model.json_parts)
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
    if not any(e.complete or e.rejected for e in training):
        raise QualcodeError(
            "no turn is known to lack a code yet, so precision cannot be measured; mark "
            "fully coded transcripts with `qualcode transcripts done NAME...` (or reject "
            "some suggestions in `qualcode review`) and run again"
        )
    tagged = {c for e in training for c in e.labels}
    return evaluate(training, [c for c in codes if c in tagged], folds=folds, in_sample=in_sample)


@dataclass(frozen=True)
class Proposal:
    """One passage to store: from a rule, the model, or both."""

    item: TranscriptText
    turn_index: int
    code_id: int
    start: int
    end: int
    score: float  # the rule score (0 when only the model suggests it)
    hits: tuple[Any, ...]
    probability: float | None = None  # calibrated, when a model made the call
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class PredictionJob:
    """A chunk of transcripts as a prediction worker needs them: it makes their examples
    itself (this process only reads), from their turns (id, number, role), their token
    tables, this run's rule scores and the chunk's part of the coding."""

    transcripts: tuple[tuple[int, str, TurnRows], ...]  # (id, name, turns)
    tables: tuple[TokenTable, ...]
    rule_scores: RuleScores
    coding: Coding

    @classmethod
    def of(
        cls,
        items: Sequence[TranscriptText],
        tables: Sequence[TokenTable],
        rule_scores: RuleScores,
        coding: Coding,
    ) -> PredictionJob:
        """The job of these transcripts, with only their turns' coding.

        Give the transcripts read for this chunk, not the heads read before the workers
        forked: going through those (or pickling them) would touch, and so copy, the memory
        the workers share with this process.
        """
        rows = [(item.id, item.name, turns_of(item)) for item in items]
        turns = [turn for _, _, turn_rows in rows for turn, _, _ in turn_rows]
        return cls(
            tuple(rows),
            tuple(tables),
            rule_scores,
            Coding(
                {t: coding.labels[t] for t in turns if t in coding.labels},
                {t: coding.rejected[t] for t in turns if t in coding.rejected},
                {name for _, name, _ in rows if name in coding.complete},
            ),
        )

    def examples(self) -> list[TrainingExample]:
        """Every respondent turn of the chunk as an example."""
        return [
            e
            for (tid, name, turns), table in zip(self.transcripts, self.tables, strict=True)
            for e in _turn_examples(tid, name, turns, table, self.rule_scores, self.coding)
        ]


def predicted(
    model: Model,
    chunks: Iterable[tuple[Sequence[TranscriptText], PassageMap, PredictionJob]],
    workers: int = 1,
) -> Iterator[tuple[Sequence[TranscriptText], PassageMap, Predicted]]:
    """Per chunk of transcripts: the chunk, its rule passages and the model's suggested
    predictions for its turns, in chunk order.

    With workers > 1 the examples are made and the predictions computed in worker processes
    (which get the model once) while this process reads the next chunks and stores what came
    back: at most one chunk per worker is in flight, so memory stays bounded.
    """
    from collections import deque

    from .nlp.batch import ordered_map

    if workers > 1:
        # What every prediction needs is made once, before the workers fork.
        model = model.for_prediction()
    waiting: deque[tuple[Sequence[TranscriptText], PassageMap]] = deque()

    def jobs() -> Iterator[PredictionJob]:
        for part, passages, job in chunks:
            waiting.append((part, passages))
            yield job

    try:
        for predictions in ordered_map(
            _predict_job, jobs(), workers, ahead=1, setup=(_use_model, (model,))
        ):
            part, passages = waiting.popleft()
            yield part, passages, predictions
    finally:
        _WORKER_MODEL.clear()  # with one worker, that is this process: let the model go


_WORKER_MODEL: list[Model] = []  # where predictions are made: the model they are made with


def _use_model(model: Model) -> None:
    _WORKER_MODEL[:] = [model]


def _predict_job(job: PredictionJob) -> Predicted:
    examples = job.examples()
    predictions = _WORKER_MODEL[0].predict_many(examples, suggested_only=True)
    return [((e.transcript, e.turn), p) for e, p in zip(examples, predictions, strict=True) if p]


def combine(
    items: Sequence[TranscriptText],
    passages: PassageMap,
    predictions: Predicted,
    codes: Sequence[Code],
) -> list[Proposal]:
    """The model's suggestions for these turns (their suggested predictions), with the rules'
    passage where one hit."""
    by_name = {c.name: c for c in codes}
    position = {(i.name, t.number): (i, pos) for i in items for pos, t in enumerate(i.turns)}
    out: list[Proposal] = []
    seen: set[tuple[int, int, int]] = set()
    for where, predicted_turn in predictions:
        item, pos = position[where]
        turn = item.turns[pos]
        for name, pred in predicted_turn.items():
            code = by_name.get(name)
            if code is None or not pred.suggested:
                continue
            p = passages.get((item.id, pos, code.id))
            seen.add((item.id, pos, code.id))
            probability = pred.probability if pred.source == "model" else None
            if p is not None:
                out.append(
                    Proposal(
                        item,
                        pos,
                        code.id,
                        p.start,
                        p.end,
                        p.score,
                        p.hits,
                        probability,
                        pred.reasons,
                    )
                )
            elif pred.source == "model":
                out.append(
                    Proposal(
                        item,
                        pos,
                        code.id,
                        turn.start,
                        turn.end,
                        0.0,
                        (),
                        probability,
                        pred.reasons,
                    )
                )
    # Interviewer turns (--include-interviewer) are not learned: their rule passages stand.
    by_id = {i.id: i for i in items}
    code_ids = {c.id for c in codes}
    for (tid, pos, cid), p in passages.items():
        if tid in by_id and (tid, pos, cid) not in seen and cid in code_ids:
            item = by_id[tid]
            if item.turns[pos].role != RESPONDENT:
                out.append(Proposal(item, pos, cid, p.start, p.end, p.score, p.hits))
    return out
