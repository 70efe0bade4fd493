"""Per-code models trained on the project's own coding, combined with the codebook rules.

Pure functions over plain data: the caller (the store) turns tags, review decisions and
cached token keys into `TrainingExample`s; `train` fits one logistic regression per code
(scikit-learn, imported lazily) on lemma-key features; `Model.predict` gives each code a
probability with its reasons ("similar to LV-04 turn 12"). A model is plain data
(`to_dict`/`from_dict`, JSON-able): it is stored in the project database, never pickled.

Which turns teach what, for a code C:
- positive: C is among the turn's tags (made by a coder or accepted from a suggestion);
- negative: C was rejected as a suggestion on the turn, or the turn is a respondent turn of
  a fully coded transcript (`complete=True`) and lacks C;
- otherwise the turn says nothing about C and is left out.
A code with fewer than `min_tags` positives (or no negative) stays on its rules.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import QualcodeError
from .example_set import ExampleSet
from .features import Lookups, _binary_rows, _lookups_of, _matrix, training_matrix

if TYPE_CHECKING:
    from .batch import Workers
    from .cache import TokenTable

# 2: each code's weights as two packed little-endian arrays (feature indices, weights) in
# base64, not a JSON list of pairs: a 1 M-word project's model saves and loads in a fraction of
# the time. A stored model of another format is simply trained again.
FORMAT = 2
MIN_TAGS = 3
# The F1-optimal cut-off on calibrated probabilities is half the attainable F1 (Lipton et
# al. 2014), so with F1 around 0.8 a turn is suggested from p >= 0.4, not 0.5.
THRESHOLD = 0.4
RANDOM_STATE = 0
# Calibrated probabilities (Platt scaling over cross-validated scores) need a few examples
# of each class in every fold; below that the logistic regression's own probabilities stand.
CALIBRATION_FOLDS = 3
CALIBRATION_MIN = 2 * CALIBRATION_FOLDS
SIMILAR_CELLS = 2_000_000  # turns x tagged turns compared at once (16 MB of floats)
# A suggestion's "similar to" reason is the most similar of at most this many of the code's
# tagged turns, evenly spread through the project: the cost of finding it (and the model's
# size) then stops growing with the coding, while a large sample still finds a close one.
MAX_SIMILAR = 1000
LARGE = 2000  # training turns from which features seen in one turn only are dropped
MIN_DF_LARGE = 2


@dataclass(frozen=True)
class TrainingExample:
    """One turn as the learner sees it: its keys, the question before it, what is known."""

    transcript: str
    turn: int  # the turn number, as `qualcode show` prints it
    keys: Sequence[str]  # lemma keys of the turn's words (tokens with a letter), in order
    context_keys: Sequence[str] = ()  # the same of the interviewer's question before it
    labels: frozenset[str] = frozenset()  # codes tagged on the turn
    rejected: frozenset[str] = frozenset()  # codes whose suggestion a coder rejected here
    complete: bool = False  # the transcript is fully coded: missing codes are negatives
    rule_scores: Mapping[str, float] = field(default_factory=dict)  # code -> rule score

    def label(self, code: str) -> bool | None:
        """True/False when the coding says whether the turn has the code, None if unknown."""
        if code in self.labels:
            return True
        if code in self.rejected or self.complete:
            return False
        return None


@dataclass(frozen=True)
class Prediction:
    """One code's verdict on one turn."""

    code: str
    probability: float  # calibrated when `calibrated`; the rule score for rules-only codes
    suggested: bool
    source: str  # model | rules
    calibrated: bool = False
    reasons: tuple[str, ...] = ()


_LETTERS: dict[str, bool] = {}
# A real corpus's vocabulary has hundreds of thousands of keys: past this many remembered,
# the memory (and the strings it keeps alive) is let go and remembering starts again.
_LETTERS_MAX = 100_000


def _has_letters(key: str) -> bool:
    # Asked millions of times for a few thousand distinct keys: remembered per key.
    known = _LETTERS.get(key)
    if known is None:
        if len(_LETTERS) >= _LETTERS_MAX:
            _LETTERS.clear()
        known = _LETTERS[key] = any(ch.isalpha() for ch in key)
    return known


def _decide(
    cm: CodeModel, decisions: Any, examples: Sequence[TrainingExample]
) -> tuple[list[float], Any]:
    """A learned code's probabilities (rounded) and whether each turn is suggested."""
    import numpy as np
    from scipy.special import expit

    if cm.calibration is not None:
        a, b = cm.calibration
        p = expit(-(a * decisions + b))
    else:
        p = expit(decisions)
    # A rule hit counts for as much as the rules were right on this project's coding; the
    # model can add turns without a keyword but not veto a good rule.
    ruled = np.array([e.rule_scores.get(cm.code, 0.0) > 0 for e in examples], dtype=bool)
    if cm.rule_vetoed:
        ruled[:] = False
    p = np.where(ruled, np.maximum(p, cm.rule_precision()), p)
    said = (p >= cm.threshold) | ruled
    return [round(v, 4) for v in p.tolist()], said


@dataclass(frozen=True, eq=False)
class Weights:
    """A code's sparse weight vector: feature indices (ascending) and their weights."""

    index: Any  # numpy int32 array (a model has fewer than 2**31 features)
    weight: Any  # numpy float64 array, same length

    @classmethod
    def of(cls, weights: Mapping[int, float]) -> Weights:
        """Weights from {feature index: weight}."""
        import numpy as np

        items = sorted(weights.items())
        return cls(
            np.array([i for i, _ in items], dtype=np.int32),
            np.array([w for _, w in items], dtype=np.float64),
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Weights):
            return NotImplemented
        import numpy as np

        return bool(
            np.array_equal(self.index, other.index) and np.array_equal(self.weight, other.weight)
        )

    def __hash__(self) -> int:
        return hash((self.index.tobytes(), self.weight.tobytes()))


@dataclass(frozen=True)
class CodeModel:
    """One code's learned weights (or why it has none)."""

    code: str
    tags: int  # positive examples
    negatives: int
    status: str  # model | rules
    note: str = ""
    intercept: float = 0.0
    coef: Weights = field(default_factory=lambda: Weights.of({}))  # feature index -> weight
    calibration: tuple[float, float] | None = None  # Platt (a, b): p = 1/(1+exp(a*f+b))
    threshold: float = THRESHOLD
    positives: tuple[int, ...] = ()  # into Model.examples: up to MAX_SIMILAR tagged turns
    rule_hits: int = 0  # labelled training turns where the code's rules matched
    rule_right: int = 0  # ... of which the coders tagged the code
    rule_vetoed: bool = False  # the coding shows the rules are mostly wrong (see _vetoed)

    def rule_precision(self) -> float:
        """How often the rules were right on this project (Laplace: 0.5 with no evidence)."""
        return (self.rule_right + 1) / (self.rule_hits + 2)


@dataclass(frozen=True)
class Model:
    """Learned per-code models plus what is needed to explain a prediction."""

    features: tuple[str, ...]  # feature names; CodeModel.coef indexes into it
    codes: Mapping[str, CodeModel]
    # The tagged turns "similar to" points at: (transcript, turn, its distinct words sorted;
    # a tuple is a fraction of a frozenset's memory).
    examples: tuple[tuple[str, int, tuple[str, ...]], ...] = ()
    fingerprint: str = ""
    _cache: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def warm(self) -> None:
        """Make now what predictions build on first use (weights, lookups, the tagged turns'
        word index), e.g. before worker processes fork and share it."""
        self._weights()
        self._lookups()
        self._feature_kinds()
        for code in self.learned():
            self._positives_index(self.codes[code])

    def for_prediction(self) -> Model:
        """This model made ready to predict (`warm`) without the per-code weight vectors the
        weight matrix was made from: the same predictions, held once instead of twice (at
        10 M words some 40 MB). It cannot be saved (`to_dict`): keep this one for that."""
        self.warm()
        empty = Weights.of({})
        lean = dataclasses.replace(
            self,
            codes={c: dataclasses.replace(m, coef=empty) for c, m in self.codes.items()},
            _cache={},
        )
        lean._cache.update(self._cache)
        lean._cache["lean"] = True
        return lean

    def learned(self) -> list[str]:
        """Codes that have a model (the rest use their rules only)."""
        return [c for c, m in self.codes.items() if m.status == "model"]

    def predict(self, example: TrainingExample) -> dict[str, Prediction]:
        """Every code's prediction for one turn (rules-only codes pass their rule score)."""
        return self.predict_many([example])[0]

    def _weights(self) -> tuple[list[str], Any, Any]:
        """(learned codes, feature x code weight matrix, intercepts), made once."""
        if "weights" not in self._cache:
            import numpy as np

            learned = self.learned()
            w = np.zeros((len(self.features), len(learned)))
            for j, code in enumerate(learned):
                coef = self.codes[code].coef
                w[coef.index, j] = coef.weight
            b = np.array([self.codes[c].intercept for c in learned])
            self._cache["weights"] = (learned, w, b)
        cached: tuple[list[str], Any, Any] = self._cache["weights"]
        return cached

    def predict_many(
        self, examples: Iterable[TrainingExample], *, suggested_only: bool = False
    ) -> list[dict[str, Prediction]]:
        """Predictions for many turns (every code's, in code order; with suggested_only just
        the suggested ones): one sparse product gives every code's decision, probabilities
        are computed per code over all turns, and the reasons of what is suggested are found
        per code in batches."""
        examples = list(examples)
        if not examples:
            return []

        import numpy as np

        x = _matrix(examples, self._lookups(), len(self.features))
        learned, w, b = self._weights()
        column = {c: j for j, c in enumerate(learned)}
        decisions = np.asarray(x @ w) + b if learned else None
        out: list[dict[str, Prediction]] = [{} for _ in examples]
        wanted: dict[str, list[int]] = {}
        for code, cm in self.codes.items():
            if cm.status != "model" or decisions is None:
                for k, e in enumerate(examples):
                    if not suggested_only or e.rule_scores.get(code, 0.0) > 0:
                        pred = rule_prediction(code, e, cm)
                        if pred.suggested or not suggested_only:
                            out[k][code] = pred
                continue
            probability, said = _decide(cm, decisions[:, column[code]], examples)
            calibrated = cm.calibration is not None
            for k in range(len(examples)) if not suggested_only else np.flatnonzero(said).tolist():
                yes = bool(said[k])
                out[k][code] = Prediction(code, probability[k], yes, "model", calibrated)
                # A turn that has the code already needs no reasons: it is not suggested again.
                if yes and code not in examples[k].labels:
                    wanted.setdefault(code, []).append(k)
        for code, ks in wanted.items():
            cm = self.codes[code]
            similar = self._similar_many(cm, [examples[k] for k in ks])
            found = self._reasons_many(cm, x, ks, w[:, column[code]], examples, similar)
            for k, reasons in zip(ks, found, strict=True):
                out[k][code] = dataclasses.replace(out[k][code], reasons=reasons)
        return out

    def _lookups(self) -> Lookups:
        """Feature index by name without its prefix, per group (w:, p:, c:, r:)."""
        if "lookups" not in self._cache:
            self._cache["lookups"] = _lookups_of(self.features)
        found: Lookups = self._cache["lookups"]
        return found

    def _feature_kinds(self) -> Any:
        """Per feature: 0 a word or pair of the turn, 1 a word of the question, 2 other."""
        if "kinds" not in self._cache:
            import numpy as np

            self._cache["kinds"] = np.array(
                [0 if f[:2] in ("w:", "p:") else 1 if f[:2] == "c:" else 2 for f in self.features],
                dtype=np.int8,
            )
        return self._cache["kinds"]

    def _reasons_many(
        self,
        cm: CodeModel,
        x: Any,
        ks: Sequence[int],
        weights: Any,
        examples: Sequence[TrainingExample],
        similar: Sequence[tuple[str, int] | None],
    ) -> list[tuple[str, ...]]:
        """Why each of these turns is suggested for the code: the tagged turn it is most like,
        the rule's track record, and the words (up to 3) and question words (up to 2) that
        added most to the decision, strongest first (ties in feature order)."""
        import numpy as np

        sub = x[np.asarray(ks, dtype=np.int64)]
        row = np.repeat(np.arange(len(ks)), np.diff(sub.indptr))
        idx = sub.indices
        contrib = sub.data * weights[idx]
        kind = self._feature_kinds()[idx]
        entry = np.arange(len(idx))
        keep = (contrib > 0) & (kind < 2)
        row, idx, contrib, kind, entry = (a[keep] for a in (row, idx, contrib, kind, entry))
        order = np.lexsort((entry, -contrib, kind, row))
        row, idx, kind = row[order], idx[order], kind[order]
        group = np.flatnonzero(np.r_[True, (row[1:] != row[:-1]) | (kind[1:] != kind[:-1])])
        rank = np.arange(len(row)) - np.repeat(group, np.diff(np.r_[group, len(row)]))
        chosen = rank < np.where(kind == 0, 3, 2)
        words: list[list[str]] = [[] for _ in ks]
        context: list[list[str]] = [[] for _ in ks]
        for r, i, kd in zip(
            row[chosen].tolist(), idx[chosen].tolist(), kind[chosen].tolist(), strict=True
        ):
            (words if kd == 0 else context)[r].append(self.features[i][2:])
        rule = (
            f"keyword rule matched (right {cm.rule_right} of {cm.rule_hits} times on this project)"
        )
        out = []
        for r, k in enumerate(ks):
            reasons: list[str] = []
            best = similar[r]
            if best is not None:
                reasons.append(f"similar to {best[0]} turn {best[1]}")
            if examples[k].rule_scores.get(cm.code, 0.0) > 0:
                reasons.append(rule)
            if words[r]:
                reasons.append("words: " + ", ".join(words[r]))
            if context[r]:
                reasons.append("question: " + ", ".join(context[r]))
            out.append(tuple(reasons))
        return out

    def _similar_many(
        self, cm: CodeModel, examples: Sequence[TrainingExample]
    ) -> list[tuple[str, int] | None]:
        """For each turn, the code's tagged turn sharing most words (cosine over word sets),
        never the turn itself; one sparse product per chunk of turns."""
        if not cm.positives:
            return [None] * len(examples)
        import numpy as np

        mt, sizes, positives = self._positives_index(cm)
        _, vocab, stored_at = self._stored_words()
        found: list[tuple[str, int] | None] = []
        chunk = max(1, SIMILAR_CELLS // max(len(cm.positives), 1))
        for start in range(0, len(examples), chunk):
            part = examples[start : start + chunk]
            words = [frozenset(e.keys) for e in part]
            q = _binary_rows(words, vocab)
            # Dense per chunk (rows x positives, bounded): argmax takes the first best, i.e.
            # the first positive among the best, as a scan in positives order gives.
            shared = (q @ mt).toarray()
            lengths = np.array([len(ws) for ws in words], dtype=np.int64)
            sim = shared / np.sqrt(lengths[:, None] * np.maximum(sizes, 1.0)[None, :])
            own = np.array([stored_at.get((e.transcript, e.turn), -1) for e in part])
            sim[positives[None, :] == own[:, None]] = -1.0  # never the turn itself
            best = np.argmax(sim, axis=1)
            ok = sim[np.arange(len(part)), best] > 0  # shares at least one word
            for r, c in enumerate(best.tolist()):
                t, n, _ = self.examples[cm.positives[c]]
                found.append((t, n) if ok[r] else None)
        return found

    def _stored_words(self) -> tuple[Any, dict[str, int], dict[tuple[str, int], int]]:
        """The stored (tagged) turns as a binary matrix over their words (CSR), that
        vocabulary, and each stored turn's row by (transcript, turn)."""
        if "stored" not in self._cache:
            from itertools import chain

            word_sets = [words for _, _, words in self.examples]
            vocab = {w: i for i, w in enumerate(dict.fromkeys(chain.from_iterable(word_sets)))}
            stored_at = {(t, n): i for i, (t, n, _) in enumerate(self.examples)}
            self._cache["stored"] = (_binary_rows(word_sets, vocab), vocab, stored_at)
        cached: tuple[Any, dict[str, int], dict[tuple[str, int], int]] = self._cache["stored"]
        return cached

    def _positives_index(self, cm: CodeModel) -> tuple[Any, Any, Any]:
        """A code's tagged turns as a (vocabulary x positives) binary matrix, their word
        counts, and their rows among the stored turns."""
        key = ("positives", cm.code)
        if key not in self._cache:
            import numpy as np

            m, _, _ = self._stored_words()
            rows = np.array(cm.positives, dtype=np.int64)
            sizes = np.diff(m.indptr)[rows].astype(float)
            self._cache[key] = (m[rows].T.tocsr(), sizes, rows)
        cached: tuple[Any, Any, Any] = self._cache[key]
        return cached

    # -- plain data ----------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The model as JSON-able data (no pickles: it is stored in the project database)."""
        self._check_saveable()
        return {
            "format": FORMAT,
            "fingerprint": self.fingerprint,
            "features": list(self.features),
            "examples": [[t, n, list(w)] for t, n, w in self.examples],
            "codes": {code: _code_dict(m) for code, m in self.codes.items()},
        }

    def json_parts(self) -> Iterator[str]:
        """`to_dict()` as ASCII JSON text, a piece at a time (the features, the tagged turns,
        each code): a large model is never one string, nor all of its data at once (at 10 M
        words saving it that way held some 160 MB beside the model)."""
        self._check_saveable()
        yield f'{{"format": {FORMAT}, "fingerprint": {json.dumps(self.fingerprint)}, "features": '
        yield json.dumps(list(self.features))
        yield ', "examples": '
        yield json.dumps([[t, n, list(w)] for t, n, w in self.examples])
        yield ', "codes": {'
        for k, (code, m) in enumerate(self.codes.items()):
            yield f"{', ' if k else ''}{json.dumps(code)}: {json.dumps(_code_dict(m))}"
        yield "}}"

    def _check_saveable(self) -> None:
        if self._cache.get("lean"):
            raise ValueError("a model made for prediction only (for_prediction) is not saved")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Model:
        """A model from to_dict() data; QualcodeError when it is damaged or of another format."""
        try:
            if data.get("format") != FORMAT:
                raise QualcodeError(
                    "the stored suggestion model is of another format; retrain it "
                    "(run `qualcode suggest` again)"
                )
            features = tuple(str(f) for f in data["features"])
            codes = {}
            for code, m in data["codes"].items():
                cal = m.get("calibration")
                codes[str(code)] = CodeModel(
                    code=str(code),
                    tags=int(m["tags"]),
                    negatives=int(m["negatives"]),
                    status=str(m["status"]),
                    note=str(m.get("note", "")),
                    intercept=float(m["intercept"]),
                    coef=_unpack_coef(m["coef"], len(features)),
                    calibration=(float(cal[0]), float(cal[1])) if cal else None,
                    threshold=float(m["threshold"]),
                    positives=tuple(int(i) for i in m["positives"]),
                    rule_hits=int(m.get("rule_hits", 0)),
                    rule_right=int(m.get("rule_right", 0)),
                    rule_vetoed=bool(m.get("rule_vetoed", False)),
                )
            # One string per distinct word (JSON gives each occurrence its own): at 10 M words
            # the tagged turns' words shrink from about 55 MB to a few.
            examples = tuple(
                (str(t), int(n), tuple(sorted({sys.intern(str(w)) for w in words})))
                for t, n, words in data["examples"]
            )
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise QualcodeError(
                f"the stored suggestion model is damaged ({exc}); retrain it "
                "(run `qualcode suggest` again)"
            ) from None
        return cls(features, codes, examples, str(data.get("fingerprint", "")))


def _code_dict(m: CodeModel) -> dict[str, Any]:
    """One code's model as JSON-able data."""
    return {
        "tags": m.tags,
        "negatives": m.negatives,
        "status": m.status,
        "note": m.note,
        "intercept": m.intercept,
        "coef": _pack_coef(m.coef),
        "calibration": list(m.calibration) if m.calibration else None,
        "threshold": m.threshold,
        "positives": list(m.positives),
        "rule_hits": m.rule_hits,
        "rule_right": m.rule_right,
        "rule_vetoed": m.rule_vetoed,
    }


def _pack_coef(coef: Weights) -> dict[str, str]:
    """Weights as base64 of packed arrays (plain data: read back with numpy.frombuffer)."""
    import base64

    return {
        "index": base64.b64encode(coef.index.astype("<i4").tobytes()).decode("ascii"),
        "weight": base64.b64encode(coef.weight.astype("<f8").tobytes()).decode("ascii"),
    }


def _unpack_coef(data: Mapping[str, str], width: int) -> Weights:
    """Weights from _pack_coef() data; ValueError when damaged or out of 0..width-1."""
    import base64

    import numpy as np

    index = np.frombuffer(base64.b64decode(data["index"], validate=True), dtype="<i4")
    weight = np.frombuffer(base64.b64decode(data["weight"], validate=True), dtype="<f8")
    if len(index) != len(weight):
        raise ValueError("weights and feature indices differ in length")
    if len(index) and (int(index.min()) < 0 or int(index.max()) >= width):
        raise ValueError("feature index out of range")
    return Weights(index.astype(np.int32), weight.astype(np.float64))


def rule_prediction(code: str, example: TrainingExample, cm: CodeModel | None = None) -> Prediction:
    """A rules-only verdict: suggested when a rule matched, unless coders mostly said no."""
    s = float(example.rule_scores.get(code, 0.0))
    if s <= 0:
        return Prediction(code, 0.0, False, "rules")
    p = cm.rule_precision() if cm is not None else 0.5
    vetoed = cm is not None and cm.rule_vetoed
    reason = "keyword rule matched"
    if cm is not None and cm.rule_hits:
        reason += f" (right {cm.rule_right} of {cm.rule_hits} times on this project)"
    return Prediction(code, round(p, 4), not vetoed, "rules", False, (reason,))


def fingerprint(examples: Iterable[TrainingExample], codes: Sequence[str], **params: Any) -> str:
    """A hash of the training data and settings: equal fingerprints give the same model."""
    h = hashlib.sha256()
    h.update(json.dumps([FORMAT, list(codes), params], sort_keys=True).encode())
    for e in examples:
        row = [
            e.transcript,
            e.turn,
            list(e.keys),
            list(e.context_keys),
            sorted(e.labels),
            sorted(e.rejected),
            e.complete,
            sorted(e.rule_scores.items()),
        ]
        h.update(json.dumps(row, ensure_ascii=False).encode())
    return h.hexdigest()


def train(
    examples: Sequence[TrainingExample],
    codes: Sequence[str],
    *,
    min_tags: int = MIN_TAGS,
    threshold: float = THRESHOLD,
    data_fingerprint: str | None = None,
    workers: int = 1,
) -> Model:
    """One logistic regression per code with at least min_tags tags; rules for the rest.

    data_fingerprint: fingerprint(examples, codes, ...) when the caller has it already.
    workers: fit the codes in this many worker processes (nlp.batch), with the same results.
    """
    plan = prepare(
        examples, codes, min_tags=min_tags, threshold=threshold, data_fingerprint=data_fingerprint
    )
    return fit(plan, workers)


@dataclass(frozen=True)
class Plan:
    """What fitting needs, made from the training examples (which can go once it is made):
    the feature names and matrix, each learned code's rows and labels, the models so far (the
    rules-only codes' final), and the tagged turns "similar to" points at."""

    names: list[str]
    matrix: Any  # CSR, one row per turn some code fits on (None when none does)
    fits: list[tuple[str, list[int], Any]]  # (code, its rows of matrix, their labels)
    models: dict[str, CodeModel]
    stored: tuple[tuple[str, int, tuple[str, ...]], ...]
    fingerprint: str


def prepare(
    examples: Sequence[TrainingExample] | ExampleSet,
    codes: Sequence[str],
    *,
    min_tags: int = MIN_TAGS,
    threshold: float = THRESHOLD,
    data_fingerprint: str | None = None,
) -> Plan:
    """The first half of `train`: which turns each code fits on, and their feature matrix.

    The examples may come as an `ExampleSet` (a large project's caller reads them into
    one a chunk at a time, never holding them all as objects), and a caller lets them go
    after this and before `fit`, so their memory is free again while fitting runs.
    """
    import numpy as np

    rows = examples if isinstance(examples, ExampleSet) else ExampleSet.of(examples)
    # On a large project, a feature seen in one turn only (most word pairs) cannot
    # generalise; dropping those shrinks the problem (and the stored model) several-fold.
    min_df = MIN_DF_LARGE if len(rows) >= LARGE else 1
    kept: dict[tuple[str, int], int] = {}  # (transcript, turn) -> index into stored examples
    stored: list[tuple[str, int, tuple[str, ...]]] = []
    out: dict[str, CodeModel] = {}
    plans: list[tuple[list[int], Any]] = []  # per learned code: the rows it fits on, labels
    for code in codes:
        labels = [rows.label(i, code) for i in range(len(rows))]
        idx = [i for i, y in enumerate(labels) if y is not None]
        y = np.array([labels[i] for i in idx], dtype=bool)
        pos, neg = int(y.sum()), int(len(y) - y.sum())
        hit = [i for i in idx if rows.rule_scores[i].get(code, 0.0) > 0]
        rule_hits, rule_right = len(hit), sum(1 for i in hit if labels[i])
        rule_vetoed = _vetoed(rule_right, rule_hits - rule_right)
        if pos < min_tags or neg == 0:
            why = (
                f"{pos} tag{'s' if pos != 1 else ''}, fewer than {min_tags}: rules only"
                if pos < min_tags
                else "no negative examples yet (code a whole transcript): rules only"
            )
            out[code] = CodeModel(
                code,
                pos,
                neg,
                "rules",
                note=why,
                threshold=threshold,
                rule_hits=rule_hits,
                rule_right=rule_right,
                rule_vetoed=rule_vetoed,
            )
            continue
        fit_idx = _fit_rows(idx, y)
        plans.append((fit_idx, np.array([labels[i] for i in fit_idx], dtype=bool)))
        positives = []
        for i in _spread([i for i in idx if labels[i]], MAX_SIMILAR):
            key = (rows.transcripts[i], rows.turns[i])
            if key not in kept:
                kept[key] = len(stored)
                stored.append((*key, tuple(sorted(set(rows.keys(i))))))
            positives.append(kept[key])
        out[code] = CodeModel(
            code,
            pos,
            neg,
            "model",
            threshold=threshold,
            positives=tuple(positives),
            rule_hits=rule_hits,
            rule_right=rule_right,
            rule_vetoed=rule_vetoed,
        )
    learned = [c for c, m in out.items() if m.status == "model"]
    # The features come from the turns some code fits on: every coded turn of a smaller
    # project, a bounded share of a large one's (POS_CAP, NEG_CAP), so the matrix is too.
    used = sorted({i for rows, _ in plans for i in rows})
    names, matrix = training_matrix(rows.take(used), min_df) if used else ([], None)
    at = {i: k for k, i in enumerate(used)}
    return Plan(
        names,
        matrix,
        [(code, [at[i] for i in rows], y) for code, (rows, y) in zip(learned, plans, strict=True)],
        out,
        tuple(stored),
        data_fingerprint or fingerprint(examples, codes, min_tags=min_tags, threshold=threshold),
    )


def fit(plan: Plan, workers: int = 1, pool: Workers | None = None) -> Model:
    """The second half of `train`: fit each learned code's model (in this many worker
    processes, with the same results) and put the model together.

    pool: worker processes started earlier (e.g. importing scikit-learn while the examples
    were read); they map the matrix from files. Otherwise the workers start now, when the
    matrix exists: forked, they share it (and what this process imported) instead of each
    holding a copy; spawned, they map it from files.
    """
    from .batch import Workers, can_isolate

    out = dict(plan.models)
    learned = [code for code, _, _ in plan.fits]
    jobs = ((rows, y) for _, rows, y in plan.fits)
    if pool is not None and pool.n > 1 or workers > 1 and not can_isolate():
        import tempfile

        with tempfile.TemporaryDirectory(
            prefix="qualcode-fit-", ignore_cleanup_errors=True
        ) as folder:
            shared = SharedMatrix.save(plan.matrix, folder)
            mapped = ((shared, rows, y) for rows, y in jobs)
            if pool is not None and pool.n > 1:
                _replace_fits(out, learned, pool.map(_fit_job, mapped, ahead=1))
            else:
                with Workers(workers) as spawned:
                    _replace_fits(out, learned, spawned.map(_fit_job, mapped, ahead=1))
    elif workers <= 1 or len(plan.fits) <= 1:
        _replace_fits(out, learned, (_fit_job((plan.matrix, rows, y)) for rows, y in jobs))
    else:
        with Workers(workers, setup=(_use_matrix, (plan.matrix,))) as forked:
            _replace_fits(out, learned, forked.map(_fit_job, jobs, ahead=1))
    return Model(tuple(plan.names), out, plan.stored, plan.fingerprint)


# On a large project most turns are negatives for any one code; past this many (and past
# NEG_RATIO per positive) an evenly spaced subset of them trains as well, in a fraction of
# the time. class_weight="balanced" keeps the classes' weights, so probabilities stay honest
# after calibration. Past POS_CAP positives an evenly spaced subset of those trains as well
# too: a fit's rows, and so a fitting worker's memory and time, stay bounded at any corpus
# size (a linear model's gains from more of the same coder's positives are small by then).
NEG_CAP = 3000
NEG_RATIO = 4
POS_CAP = 1500


def _sparse(coef: Any) -> Weights:
    """A fitted weight vector without its (near) zeros, rounded to 6 decimals."""
    import numpy as np

    keep = np.flatnonzero(np.abs(coef) >= 1e-6)
    return Weights(keep.astype(np.int32), np.round(coef[keep], 6))


def _fit_rows(idx: Sequence[int], y: Any) -> list[int]:
    """The rows of idx a code's model fits on: at most POS_CAP positives, and the negatives
    evenly thinned when there are far more than positives."""
    pos = _spread([i for i, yes in zip(idx, y, strict=True) if yes], POS_CAP)
    neg = [i for i, yes in zip(idx, y, strict=True) if not yes]
    return sorted([*pos, *_spread(neg, max(NEG_CAP, NEG_RATIO * len(pos)))])


def _spread(items: Sequence[int], keep: int) -> list[int]:
    """At most `keep` of the items, evenly spaced through them (all when there are fewer)."""
    if len(items) <= keep:
        return list(items)
    step = len(items) / keep
    return [items[int(k * step)] for k in range(keep)]


def _vetoed(right: int, wrong: int, *, below: float = 0.5, sure: float = 0.9) -> bool:
    """True when the coding makes it likely (P > sure) that the rules are right < below.

    A Beta(1 + right, 1 + wrong) posterior on the rules' precision: a rule keeps suggesting
    until the coders' decisions show it is mostly wrong, not after one or two rejections.
    """
    from scipy.special import betainc

    return bool(betainc(right + 1, wrong + 1, below) > sure)


def preload() -> None:
    """Import what fitting needs (scikit-learn takes a second or more to import)."""
    import sklearn.calibration  # noqa: F401
    import sklearn.linear_model  # noqa: F401
    import sklearn.model_selection  # noqa: F401


def _replace_fits(
    out: dict[str, CodeModel],
    learned: Sequence[str],
    fits: Iterable[tuple[Any, float, tuple[float, float] | None]],
) -> None:
    """Put each learned code's fitted weights into its CodeModel."""
    for code, (coef, intercept, calibration) in zip(learned, fits, strict=True):
        out[code] = dataclasses.replace(
            out[code],
            note="calibrated" if calibration else "too few examples to calibrate",
            intercept=round(float(intercept), 6),
            coef=_sparse(coef),
            calibration=calibration,
        )


@dataclass(frozen=True)
class SharedMatrix:
    """A CSR matrix saved as .npy files that worker processes map into memory."""

    folder: str
    shape: tuple[int, int]

    @classmethod
    def save(cls, matrix: Any, folder: str) -> SharedMatrix:
        """Save the matrix's arrays into folder."""
        import numpy as np

        for part in ("data", "indices", "indptr"):
            np.save(f"{folder}/{part}.npy", getattr(matrix, part))
        return cls(folder, (int(matrix.shape[0]), int(matrix.shape[1])))

    def load(self) -> Any:
        """The matrix, its arrays mapped from the files (read once per process)."""
        if self.folder not in _MAPPED:
            import numpy as np
            from scipy.sparse import csr_matrix

            parts = [
                np.load(f"{self.folder}/{part}.npy", mmap_mode="r")
                for part in ("data", "indices", "indptr")
            ]
            _MAPPED.clear()  # one training's matrix at a time
            _MAPPED[self.folder] = csr_matrix(tuple(parts), shape=self.shape, copy=False)
        return _MAPPED[self.folder]


_MAPPED: dict[str, Any] = {}  # in a fitting worker: the shared matrix it has mapped
_FIT_MATRIX: list[Any] = []  # in a forked fitting worker: the matrix it inherited


def _use_matrix(matrix: Any) -> None:
    _FIT_MATRIX[:] = [matrix]


def _fit_job(job: tuple[Any, ...]) -> tuple[Any, float, tuple[float, float] | None]:
    """_fit() of one code: (the matrix or a SharedMatrix, its rows, their labels), or (its rows,
    their labels) of the matrix a forked worker inherited (`_use_matrix`)."""
    from sklearn.linear_model import LogisticRegression

    *source, rows, y = job
    matrix = source[0] if source else _FIT_MATRIX[0]
    if isinstance(matrix, SharedMatrix):
        matrix = matrix.load()
    return _fit(matrix[rows], y, LogisticRegression)


def _fit(x: Any, y: Any, lr_class: Any) -> tuple[Any, float, tuple[float, float] | None]:
    """Weights, intercept and (when there is enough data) Platt calibration of one code."""
    pos, neg = int(y.sum()), int(len(y) - y.sum())
    # liblinear: exact on these small sparse problems and ~10x faster than lbfgs here. The
    # dual problem is the one to solve with far more features than turns (word pairs): the
    # same optimum (weights within 1e-3) in half the time of the primal.
    lr = lr_class(
        class_weight="balanced",
        C=1.0,
        solver="liblinear",
        dual=True,
        max_iter=1000,
        random_state=RANDOM_STATE,
    )
    if min(pos, neg) < CALIBRATION_MIN:
        lr.fit(x, y)
        return lr.coef_[0], float(lr.intercept_[0]), None
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.model_selection import StratifiedKFold

    # ensemble=False: one model fitted on all the data plus one sigmoid fitted on
    # cross-validated scores, so the stored state is one weight vector and two numbers.
    folds = StratifiedKFold(CALIBRATION_FOLDS, shuffle=True, random_state=RANDOM_STATE)
    cal = CalibratedClassifierCV(lr, method="sigmoid", cv=folds, ensemble=False)
    cal.fit(x, y)
    fitted = cal.calibrated_classifiers_[0]
    est = fitted.estimator
    sig = fitted.calibrators[0]
    return (
        est.coef_[0],
        float(est.intercept_[0]),
        (round(float(sig.a_), 6), round(float(sig.b_), 6)),
    )


# -- building examples from token tables ----------------------------------------------


def turn_keys(table: TokenTable) -> list[list[str]]:
    """The keys of each turn's words (tokens with a letter: no punctuation or numbers), in
    turn order, from a cached token table."""
    import numpy as np

    # One string per distinct key across transcripts (each table has its own copies): the
    # training examples of a large project share them.
    keys = list(map(sys.intern, table.keys))
    # Which distinct keys are words, decided once per key rather than once per token.
    wordish = np.array([_has_letters(k) for k in keys], dtype=bool)
    kept = wordish[table.key_ids] if len(keys) else np.zeros(0, dtype=bool)
    words = list(map(keys.__getitem__, table.key_ids[kept].tolist()))
    # Turn boundaries among the kept tokens: how many were kept before each turn's start.
    before = np.concatenate(([0], np.cumsum(kept)))
    starts = np.minimum(table.turn_starts, len(kept))
    bounds = [*before[starts].tolist(), len(words)]
    return [words[bounds[i] : max(bounds[i], bounds[i + 1])] for i in range(len(bounds) - 1)]


def context_of(roles: Sequence[str], position: int, interviewer: str = "interviewer") -> int | None:
    """Position of the interviewer turn right before a turn (its question), if any."""
    j = position - 1
    if j >= 0 and roles[j] == interviewer:
        return j
    return None
