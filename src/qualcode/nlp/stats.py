"""Keyness (log-likelihood G2 with log ratio) and TF-IDF cosine similarity over key counts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

# Critical values of G2 (one degree of freedom): p < 0.05, 0.01, 0.001.
G2_CRITICAL = ((10.83, "***"), (6.63, "**"), (3.84, "*"))


@dataclass(frozen=True)
class KeynessScore:
    """One key's frequencies on both sides and how distinctive it is for the target."""

    index: int  # position in the count vectors
    target: int
    reference: int
    g2: float
    log_ratio: float  # log2 of the relative-frequency ratio (0.5 added to both counts)


def significance(g2: float) -> str:
    """Stars for the G2 value: *** p<0.001, ** p<0.01, * p<0.05."""
    return next((stars for value, stars in G2_CRITICAL if g2 >= value), "")


def keyness(
    target: NDArray[np.int64],
    reference: NDArray[np.int64],
    *,
    min_freq: int = 3,
    limit: int | None = None,
) -> list[KeynessScore]:
    """Keys over-used in target against reference, by log-likelihood G2 (Rayson & Garside).

    target, reference: counts per key (same positions). Only keys seen at least min_freq
    times in the target and relatively more often there than in the reference are kept.
    """
    import numpy as np

    a = target.astype(np.float64)
    b = reference.astype(np.float64)
    c, d = a.sum(), b.sum()
    if c == 0 or d == 0:
        return []
    e1 = c * (a + b) / (c + d)
    e2 = d * (a + b) / (c + d)
    with np.errstate(divide="ignore", invalid="ignore"):
        t1 = np.where(a > 0, a * np.log(a / e1), 0.0)
        t2 = np.where(b > 0, b * np.log(b / e2), 0.0)
    g2 = 2.0 * (t1 + t2)
    log_ratio = np.log2(((a + 0.5) / c) / ((b + 0.5) / d))
    keep = np.flatnonzero((a >= min_freq) & (a / c > b / d))
    order = keep[np.lexsort((-log_ratio[keep], -g2[keep]))]
    if limit is not None:
        order = order[:limit]
    return [
        KeynessScore(
            int(i),
            int(target[i]),
            int(reference[i]),
            round(float(g2[i]), 2),
            round(float(log_ratio[i]), 2),
        )
        for i in order
    ]


class TfIdf:
    """L2-normalised TF-IDF vectors of documents given as arrays of key ids (sparse rows)."""

    def __init__(self, docs: list[NDArray[np.int64]], vocab_size: int) -> None:
        import numpy as np

        self.n = len(docs)
        df = np.zeros(vocab_size, dtype=np.int64)
        rows: list[tuple[NDArray[np.int64], NDArray[np.float64]]] = []
        for ids in docs:
            uniq, n = np.unique(ids, return_counts=True)
            df[uniq] += 1
            rows.append((uniq, n.astype(np.float64)))
        # Smoothed idf as in scikit-learn: a key in every document still counts a little.
        self.idf = np.log((1 + self.n) / (1 + df)) + 1.0
        self.rows: list[tuple[NDArray[np.int64], NDArray[np.float64]]] = []
        for uniq, counts in rows:
            w = (1.0 + np.log(counts)) * self.idf[uniq]
            norm = float(np.sqrt((w * w).sum())) or 1.0
            self.rows.append((uniq, w / norm))

    def centroid(self, indices: list[int]) -> dict[int, float]:
        """The normalised mean vector of some documents."""
        import numpy as np

        acc: dict[int, float] = {}
        for i in indices:
            for k, w in zip(*self.rows[i], strict=True):
                acc[int(k)] = acc.get(int(k), 0.0) + float(w)
        norm = float(np.sqrt(sum(v * v for v in acc.values()))) or 1.0
        return {k: v / norm for k, v in acc.items()}

    def cosine(self, query: dict[int, float]) -> NDArray[np.float64]:
        """Cosine similarity of the query vector with every document."""
        import numpy as np

        dense = np.zeros(len(self.idf), dtype=np.float64)
        for k, v in query.items():
            dense[k] = v
        return np.array([float(dense[uniq] @ w) for uniq, w in self.rows], dtype=np.float64)
