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

import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import QualcodeError

if TYPE_CHECKING:
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


def _has_letters(key: str) -> bool:
    # Asked millions of times for a few thousand distinct keys: remembered per key.
    known = _LETTERS.get(key)
    if known is None:
        known = _LETTERS[key] = any(ch.isalpha() for ch in key)
    return known


def features(example: TrainingExample) -> dict[str, float]:
    """Sparse features of a turn: key unigrams and pairs, the question's keys, rule scores.

    Each text group is L2-normalised, so a long turn does not outweigh a short one by its
    length alone; rule scores enter as they are (0..1).
    """
    words = example.keys  # words only (see TrainingExample): no filtering per token here
    groups = {
        "w:": set(words),
        "p:": {f"{a} {b}" for a, b in zip(words, words[1:], strict=False)},
        "c:": set(example.context_keys),
    }
    out: dict[str, float] = {}
    for prefix, items in groups.items():
        if items:
            value = 1.0 / math.sqrt(len(items))
            for item in items:
                out[prefix + item] = value
    for code, s in example.rule_scores.items():
        if s > 0:
            out["r:" + code] = float(s)
    return out


@dataclass(frozen=True)
class CodeModel:
    """One code's learned weights (or why it has none)."""

    code: str
    tags: int  # positive examples
    negatives: int
    status: str  # model | rules
    note: str = ""
    intercept: float = 0.0
    coef: Mapping[int, float] = field(default_factory=dict)  # feature index -> weight
    calibration: tuple[float, float] | None = None  # Platt (a, b): p = 1/(1+exp(a*f+b))
    threshold: float = THRESHOLD
    positives: tuple[int, ...] = ()  # indices into Model.examples
    rule_hits: int = 0  # labelled training turns where the code's rules matched
    rule_right: int = 0  # ... of which the coders tagged the code
    rule_vetoed: bool = False  # the coding shows the rules are mostly wrong (see _vetoed)

    def rule_precision(self) -> float:
        """How often the rules were right on this project (Laplace: 0.5 with no evidence)."""
        return (self.rule_right + 1) / (self.rule_hits + 2)

    def probability(self, decision: float) -> float:
        """The probability of a decision-function value."""
        if self.calibration is not None:
            a, b = self.calibration
            return _sigmoid(-(a * decision + b))
        return _sigmoid(decision)


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


@dataclass(frozen=True)
class Model:
    """Learned per-code models plus what is needed to explain a prediction."""

    features: tuple[str, ...]  # feature names; CodeModel.coef indexes into it
    codes: Mapping[str, CodeModel]
    examples: tuple[tuple[str, int, frozenset[str]], ...] = ()  # (transcript, turn, words)
    fingerprint: str = ""
    _index: dict[str, int] = field(default_factory=dict, compare=False, repr=False)
    _cache: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def index(self) -> dict[str, int]:
        """Feature name -> index."""
        if not self._index:
            self._index.update({f: i for i, f in enumerate(self.features)})
        return self._index

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
                for i, v in self.codes[code].coef.items():
                    w[i, j] = v
            b = np.array([self.codes[c].intercept for c in learned])
            self._cache["weights"] = (learned, w, b)
        cached: tuple[list[str], Any, Any] = self._cache["weights"]
        return cached

    def predict_many(self, examples: Iterable[TrainingExample]) -> list[dict[str, Prediction]]:
        """Predictions for many turns: one sparse product gives every code's decision, and
        the reasons of what is suggested are found per code in batches."""
        examples = list(examples)
        if not examples:
            return []
        import dataclasses

        import numpy as np
        from scipy.sparse import csr_matrix

        rows = [self._row(e) for e in examples]
        learned, w, b = self._weights()
        column = {c: j for j, c in enumerate(learned)}
        data = [v for r in rows for v in r.values()]
        cols = [i for r in rows for i in r]
        ptr = np.cumsum([0, *(len(r) for r in rows)])
        x = csr_matrix(
            (np.array(data, dtype=float), np.array(cols, dtype=np.int64), ptr),
            shape=(len(rows), len(self.features)),
        )
        x.sort_indices()  # feature indices follow the names' order: ties break by name
        decisions = np.asarray(x @ w) + b if learned else None
        out: list[dict[str, Prediction]] = []
        wanted: dict[str, list[int]] = {}
        for k, e in enumerate(examples):
            preds = self._predict_one(e, None if decisions is None else decisions[k], column)
            for code, pr in preds.items():
                # A turn that has the code already needs no reasons: it is not suggested again.
                if pr.suggested and pr.source == "model" and code not in e.labels:
                    wanted.setdefault(code, []).append(k)
            out.append(preds)
        for code, ks in wanted.items():
            cm = self.codes[code]
            similar = self._similar_many(cm, [examples[k] for k in ks])
            found = self._reasons_many(cm, x, ks, w[:, column[code]], examples, similar)
            for k, reasons in zip(ks, found, strict=True):
                out[k][code] = dataclasses.replace(out[k][code], reasons=reasons)
        return out

    def _lookups(self) -> tuple[dict[str, int], dict[str, int], dict[str, int], dict[str, int]]:
        """Feature index by name without its prefix, per group (w:, p:, c:, r:)."""
        if "lookups" not in self._cache:
            groups: dict[str, dict[str, int]] = {"w:": {}, "p:": {}, "c:": {}, "r:": {}}
            for i, f in enumerate(self.features):
                group = groups.get(f[:2])
                if group is not None:
                    group[f[2:]] = i
            self._cache["lookups"] = (groups["w:"], groups["p:"], groups["c:"], groups["r:"])
        found: tuple[dict[str, int], dict[str, int], dict[str, int], dict[str, int]]
        found = self._cache["lookups"]
        return found

    def _row(self, example: TrainingExample) -> dict[int, float]:
        """features(example) as {feature index: value}, for the features the model knows,
        made without building the prefixed names (the same values: see features())."""
        words_at, pairs_at, context_at, rules_at = self._lookups()
        words = example.keys
        row: dict[int, float] = {}
        for items, at in (
            (set(words), words_at),
            ({f"{a} {b}" for a, b in zip(words, words[1:], strict=False)}, pairs_at),
            (set(example.context_keys), context_at),
        ):
            if items:
                value = 1.0 / math.sqrt(len(items))
                for item in items:
                    i = at.get(item)
                    if i is not None:
                        row[i] = value
        for code, s in example.rule_scores.items():
            if s > 0:
                i = rules_at.get(code)
                if i is not None:
                    row[i] = float(s)
        return row

    def _predict_one(
        self, example: TrainingExample, decisions: Any, column: Mapping[str, int]
    ) -> dict[str, Prediction]:
        out: dict[str, Prediction] = {}
        for code, cm in self.codes.items():
            if cm.status != "model":
                out[code] = rule_prediction(code, example, cm)
                continue
            p = cm.probability(float(decisions[column[code]]))
            # A rule hit counts for as much as the rules were right on this project's
            # coding; the model can add turns without a keyword but not veto a good rule.
            ruled = example.rule_scores.get(code, 0.0) > 0 and not cm.rule_vetoed
            if ruled:
                p = max(p, cm.rule_precision())
            said = p >= cm.threshold or ruled
            out[code] = Prediction(code, round(p, 4), said, "model", cm.calibration is not None)
        return out

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
        from scipy.sparse import csr_matrix

        m, vocab, sizes = self._positives_index(cm)
        mt = m.T.tocsr()  # vocabulary x positives
        turn_ids: dict[tuple[str, int], int] = {}
        positive_ids = np.array(
            [turn_ids.setdefault(self.examples[i][:2], len(turn_ids)) for i in cm.positives],
            dtype=np.int64,
        )
        found: list[tuple[str, int] | None] = []
        chunk = max(1, SIMILAR_CELLS // max(len(cm.positives), 1))
        for start in range(0, len(examples), chunk):
            part = examples[start : start + chunk]
            words = [frozenset(e.keys) for e in part]
            qcols = [[vocab[w] for w in ws if w in vocab] for ws in words]
            ptr = np.cumsum([0, *(len(c) for c in qcols)])
            q = csr_matrix(
                (
                    np.ones(int(ptr[-1])),
                    np.array([c for cs in qcols for c in cs], dtype=np.int64),
                    ptr,
                ),
                shape=(len(part), mt.shape[0]),
            )
            # Dense per chunk (rows x positives, bounded): argmax takes the first best, i.e.
            # the first positive among the best, as a scan in positives order gives.
            shared = (q @ mt).toarray()
            lengths = np.array([len(ws) for ws in words], dtype=np.int64)
            sim = shared / np.sqrt(lengths[:, None] * np.maximum(sizes, 1.0)[None, :])
            own = np.array([turn_ids.get((e.transcript, e.turn), -1) for e in part])
            sim[positive_ids[None, :] == own[:, None]] = -1.0  # never the turn itself
            best = np.argmax(sim, axis=1)
            ok = sim[np.arange(len(part)), best] > 0  # shares at least one word
            for r, c in enumerate(best.tolist()):
                t, n, _ = self.examples[cm.positives[c]]
                found.append((t, n) if ok[r] else None)
        return found

    def _positives_index(self, cm: CodeModel) -> tuple[Any, dict[str, int], Any]:
        """A code's tagged turns as a word matrix (CSC, binary), its vocabulary and norms."""
        key = ("positives", cm.code)
        if key not in self._cache:
            import numpy as np
            from scipy.sparse import csc_matrix

            vocab: dict[str, int] = {}
            rows, cols = [], []
            for r, i in enumerate(cm.positives):
                for word in self.examples[i][2]:
                    rows.append(r)
                    cols.append(vocab.setdefault(word, len(vocab)))
            m = csc_matrix(
                (
                    np.ones(len(rows)),
                    (np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)),
                ),
                shape=(len(cm.positives), max(len(vocab), 1)),
            )
            sizes = np.array([len(self.examples[i][2]) for i in cm.positives], dtype=float)
            self._cache[key] = (m, vocab, sizes)
        cached: tuple[Any, dict[str, int], Any] = self._cache[key]
        return cached

    # -- plain data ----------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The model as JSON-able data (no pickles: it is stored in the project database)."""
        return {
            "format": FORMAT,
            "fingerprint": self.fingerprint,
            "features": list(self.features),
            "examples": [[t, n, sorted(w)] for t, n, w in self.examples],
            "codes": {
                code: {
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
                for code, m in self.codes.items()
            },
        }

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
                    coef=_unpack_coef(m["coef"]),
                    calibration=(float(cal[0]), float(cal[1])) if cal else None,
                    threshold=float(m["threshold"]),
                    positives=tuple(int(i) for i in m["positives"]),
                    rule_hits=int(m.get("rule_hits", 0)),
                    rule_right=int(m.get("rule_right", 0)),
                    rule_vetoed=bool(m.get("rule_vetoed", False)),
                )
                if any(not 0 <= i < len(features) for i in codes[str(code)].coef):
                    raise ValueError("feature index out of range")
            examples = tuple(
                (str(t), int(n), frozenset(str(w) for w in words))
                for t, n, words in data["examples"]
            )
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise QualcodeError(
                f"the stored suggestion model is damaged ({exc}); retrain it "
                "(run `qualcode suggest` again)"
            ) from None
        return cls(features, codes, examples, str(data.get("fingerprint", "")))


def _pack_coef(coef: Mapping[int, float]) -> dict[str, str]:
    """Weights as base64 of packed arrays (plain data: read back with numpy.frombuffer)."""
    import base64

    import numpy as np

    items = sorted(coef.items())
    index = np.array([i for i, _ in items], dtype="<i4")
    weight = np.array([w for _, w in items], dtype="<f8")
    return {
        "index": base64.b64encode(index.tobytes()).decode("ascii"),
        "weight": base64.b64encode(weight.tobytes()).decode("ascii"),
    }


def _unpack_coef(data: Mapping[str, str]) -> dict[int, float]:
    import base64

    import numpy as np

    index = np.frombuffer(base64.b64decode(data["index"], validate=True), dtype="<i4")
    weight = np.frombuffer(base64.b64decode(data["weight"], validate=True), dtype="<f8")
    if len(index) != len(weight):
        raise ValueError("weights and feature indices differ in length")
    return dict(zip(index.tolist(), weight.tolist(), strict=True))


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


def fingerprint(examples: Sequence[TrainingExample], codes: Sequence[str], **params: Any) -> str:
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
) -> Model:
    """One logistic regression per code with at least min_tags tags; rules for the rest."""
    from collections import Counter

    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    rows = [features(e) for e in examples]
    # On a large project, a feature seen in one turn only (most word pairs) cannot
    # generalise; dropping those shrinks the problem (and the stored model) several-fold.
    min_df = MIN_DF_LARGE if len(rows) >= LARGE else 1
    df = Counter(f for r in rows for f in r)
    names = sorted(f for f, n in df.items() if n >= min_df)
    index = {f: i for i, f in enumerate(names)}
    data, cols, ptr = [], [], [0]
    for r in rows:
        for f, v in sorted(r.items()):
            i = index.get(f)
            if i is not None:
                cols.append(i)
                data.append(v)
        ptr.append(len(cols))
    matrix = csr_matrix(
        (np.array(data, dtype=float), np.array(cols, dtype=np.int64), np.array(ptr)),
        shape=(len(rows), len(names)),
    )
    kept: dict[tuple[str, int], int] = {}  # (transcript, turn) -> index into stored examples
    stored: list[tuple[str, int, frozenset[str]]] = []
    out: dict[str, CodeModel] = {}
    for code in codes:
        labels = [e.label(code) for e in examples]
        idx = [i for i, y in enumerate(labels) if y is not None]
        y = np.array([labels[i] for i in idx], dtype=bool)
        pos, neg = int(y.sum()), int(len(y) - y.sum())
        hit = [i for i in idx if examples[i].rule_scores.get(code, 0.0) > 0]
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
        fit_idx = _thin_negatives(idx, y)
        x = matrix[fit_idx]
        y_fit = np.array([labels[i] for i in fit_idx], dtype=bool)
        coef, intercept, calibration = _fit(x, y_fit, LogisticRegression)
        positives = []
        for i in idx:
            e = examples[i]
            if e.label(code):
                key = (e.transcript, e.turn)
                if key not in kept:
                    kept[key] = len(stored)
                    stored.append((e.transcript, e.turn, frozenset(e.keys)))
                positives.append(kept[key])
        out[code] = CodeModel(
            code,
            pos,
            neg,
            "model",
            note="calibrated" if calibration else "too few examples to calibrate",
            intercept=round(float(intercept), 6),
            coef={int(i): round(float(w), 6) for i, w in enumerate(coef) if abs(w) >= 1e-6},
            calibration=calibration,
            threshold=threshold,
            positives=tuple(positives),
            rule_hits=rule_hits,
            rule_right=rule_right,
            rule_vetoed=rule_vetoed,
        )
    return Model(
        tuple(names),
        out,
        tuple(stored),
        fingerprint(examples, codes, min_tags=min_tags, threshold=threshold),
    )


# On a large project most turns are negatives for any one code; past this many (and past
# NEG_RATIO per positive) an evenly spaced subset of them trains as well, in a fraction of
# the time. class_weight="balanced" keeps the classes' weights, so probabilities stay honest
# after calibration.
NEG_CAP = 3000
NEG_RATIO = 4


def _thin_negatives(idx: Sequence[int], y: Any) -> list[int]:
    """idx with the negatives evenly thinned when there are far more than positives."""
    pos = [i for i, yes in zip(idx, y, strict=True) if yes]
    neg = [i for i, yes in zip(idx, y, strict=True) if not yes]
    keep = max(NEG_CAP, NEG_RATIO * len(pos))
    if len(neg) <= keep:
        return list(idx)
    step = len(neg) / keep
    thinned = [neg[int(k * step)] for k in range(keep)]
    return sorted([*pos, *thinned])


def _vetoed(right: int, wrong: int, *, below: float = 0.5, sure: float = 0.9) -> bool:
    """True when the coding makes it likely (P > sure) that the rules are right < below.

    A Beta(1 + right, 1 + wrong) posterior on the rules' precision: a rule keeps suggesting
    until the coders' decisions show it is mostly wrong, not after one or two rejections.
    """
    from scipy.special import betainc

    return bool(betainc(right + 1, wrong + 1, below) > sure)


def _fit(x: Any, y: Any, lr_class: Any) -> tuple[Any, float, tuple[float, float] | None]:
    """Weights, intercept and (when there is enough data) Platt calibration of one code."""
    pos, neg = int(y.sum()), int(len(y) - y.sum())
    # liblinear: exact on these small sparse problems and ~10x faster than lbfgs here.
    lr = lr_class(
        class_weight="balanced", C=1.0, solver="liblinear", max_iter=1000, random_state=RANDOM_STATE
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

    keys = table.keys
    # Which distinct keys are words, decided once per key rather than once per token.
    wordish = np.array([_has_letters(k) for k in keys], dtype=bool)
    kept = wordish[table.key_ids] if len(keys) else np.zeros(0, dtype=bool)
    ids = table.key_ids[kept].tolist()
    # Turn boundaries among the kept tokens: how many were kept before each turn's start.
    before = np.concatenate(([0], np.cumsum(kept)))
    starts = np.minimum(table.turn_starts, len(kept))
    bounds = [*before[starts].tolist(), len(ids)]
    out = []
    for i in range(len(table.turn_starts)):
        lo, hi = bounds[i], max(bounds[i], bounds[i + 1])
        out.append([keys[k] for k in ids[lo:hi]])
    return out


def context_of(roles: Sequence[str], position: int, interviewer: str = "interviewer") -> int | None:
    """Position of the interviewer turn right before a turn (its question), if any."""
    j = position - 1
    if j >= 0 and roles[j] == interviewer:
        return j
    return None
