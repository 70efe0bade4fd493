"""Training examples held compactly: every turn's word keys as numbers, in shared arrays.

A large project trains on tens of thousands of turns. As `TrainingExample`s with a list of
key strings each, the 67,000 training turns of a 10 M-word project took 114 MB; here, with
their 5 M words in one int32 array with each turn's end, and what the coding says of each
turn kept once per distinct value, 45 MB. `ExampleSet.add` takes examples one at a time, so a
caller reading them a chunk of transcripts at a time never holds them all as objects, and
`features.training_matrix` makes the feature matrix from the numbers directly.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .learn import TrainingExample


class _Vocabulary(dict[str, int]):
    """Word -> number, numbering a word the first time it is looked up."""

    def __missing__(self, word: str) -> int:
        number = self[word] = len(self)
        return number


class ExampleSet:
    """Training turns with their keys as numbers (see the module's docstring).

    Row i is the i-th example added. `words[n]` is the word numbered n, shared by every
    row; `keys(i)` and `context(i)` give a row's numbers, `example(i)` the row as a
    `TrainingExample` again.
    """

    def __init__(self) -> None:
        self.vocabulary = _Vocabulary()
        self._keys = array("i")
        self._key_ends = array("q")
        self._context = array("i")
        self._context_ends = array("q")
        self.transcripts: list[str] = []
        self.turns = array("q")
        self.labels: list[frozenset[str]] = []
        self.rejected: list[frozenset[str]] = []
        self.complete = array("b")
        self.rule_scores: list[Mapping[str, float]] = []
        # One object per distinct value: most turns share their labels and rule scores.
        self._shared: dict[Any, Any] = {}
        self._arrays: tuple[Any, Any, Any, Any] | None = None
        self._words: list[str] | None = None

    @classmethod
    def of(cls, examples: Iterable[TrainingExample]) -> ExampleSet:
        """The examples as a set (read one at a time)."""
        out = cls()
        for e in examples:
            out.add(e)
        return out

    def _one(self, value: Any) -> Any:
        return self._shared.setdefault(value, value)

    def add(self, e: TrainingExample) -> None:
        """Append one example as a row."""
        # The arrays are views of the rows' storage, which cannot grow while one is held.
        self._arrays = None
        number = self.vocabulary.__getitem__
        self._keys.extend(map(number, e.keys))
        self._key_ends.append(len(self._keys))
        self._context.extend(map(number, e.context_keys))
        self._context_ends.append(len(self._context))
        self.transcripts.append(self._one(e.transcript))
        self.turns.append(e.turn)
        self.labels.append(self._one(frozenset(e.labels)))
        self.rejected.append(self._one(frozenset(e.rejected)))
        self.complete.append(bool(e.complete))
        scores = tuple(e.rule_scores.items())
        shared = self._shared.get(("scores", scores))
        if shared is None:
            shared = self._shared[("scores", scores)] = dict(scores)
        self.rule_scores.append(shared)

    def __len__(self) -> int:
        return len(self.turns)

    @property
    def words(self) -> list[str]:
        """Every word the rows use, by number."""
        return list(self.vocabulary)

    def arrays(self) -> tuple[Any, Any, Any, Any]:
        """(key numbers, each row's start in them, context numbers, each row's start in
        them) as numpy arrays, the starts with one more entry for the end (views of the
        rows' storage, not copies)."""
        if self._arrays is None:
            import numpy as np

            def starts(ends: array[int]) -> Any:
                out = np.zeros(len(ends) + 1, dtype=np.int64)
                out[1:] = np.frombuffer(ends, dtype=np.int64) if len(ends) else []
                return out

            self._arrays = (
                np.frombuffer(self._keys, dtype=np.int32) if len(self._keys) else np.zeros(0, "i4"),
                starts(self._key_ends),
                np.frombuffer(self._context, dtype=np.int32)
                if len(self._context)
                else np.zeros(0, "i4"),
                starts(self._context_ends),
            )
        return self._arrays

    def keys(self, i: int) -> list[str]:
        """Row i's keys, in order."""
        keys, key_at, _, _ = self.arrays()
        words = self.words_by_number()
        return [words[n] for n in keys[key_at[i] : key_at[i + 1]].tolist()]

    def context(self, i: int) -> list[str]:
        """Row i's question keys, in order."""
        _, _, context, context_at = self.arrays()
        words = self.words_by_number()
        return [words[n] for n in context[context_at[i] : context_at[i + 1]].tolist()]

    def words_by_number(self) -> list[str]:
        """`words`, made once until a word is added."""
        if self._words is None or len(self._words) != len(self.vocabulary):
            self._words = self.words
        return self._words

    def label(self, i: int, code: str) -> bool | None:
        """TrainingExample.label of row i."""
        if code in self.labels[i]:
            return True
        if code in self.rejected[i] or self.complete[i]:
            return False
        return None

    def example(self, i: int) -> TrainingExample:
        """Row i as a TrainingExample."""
        from .learn import TrainingExample

        return TrainingExample(
            self.transcripts[i],
            self.turns[i],
            self.keys(i),
            self.context(i),
            self.labels[i],
            self.rejected[i],
            bool(self.complete[i]),
            self.rule_scores[i],
        )

    def __iter__(self) -> Iterator[TrainingExample]:
        return (self.example(i) for i in range(len(self)))

    def take(self, rows: Sequence[int]) -> ExampleSet:
        """These rows (in this order) as a new set, numbering words as this one does."""
        import numpy as np

        keys, key_at, context, context_at = self.arrays()
        out = ExampleSet()
        out.vocabulary = self.vocabulary  # the same numbers: words are shared, not copied
        picked = np.asarray(rows, dtype=np.int64)
        for source, at, target, ends in (
            (keys, key_at, out._keys, out._key_ends),
            (context, context_at, out._context, out._context_ends),
        ):
            lengths = at[picked + 1] - at[picked]
            offsets = np.repeat(at[picked] - np.cumsum(lengths) + lengths, lengths)
            gathered = source[offsets + np.arange(int(lengths.sum()), dtype=np.int64)]
            target.frombytes(gathered.astype(np.int32).tobytes())
            ends.frombytes(np.cumsum(lengths).astype(np.int64).tobytes())
        for i in rows:
            out.transcripts.append(self.transcripts[i])
            out.turns.append(self.turns[i])
            out.labels.append(self.labels[i])
            out.rejected.append(self.rejected[i])
            out.complete.append(self.complete[i])
            out.rule_scores.append(self.rule_scores[i])
        out._shared = self._shared
        return out
