"""The features learning fits on and predicts with, as sparse matrices.

A turn's features are its words ("w:"), its word pairs ("p:") and the interviewer's question's
words ("c:"), each group L2-normalised, and each code's rule score ("r:"). `_matrix` makes
them for a chunk of turns over a model's known features (prediction, `Lookups`);
`training_matrix` makes them over a whole training set and picks the features (both with
numpy over word numbers, tested equal to the definition turn by turn).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .learn import TrainingExample


@dataclass(frozen=True, eq=False)
class Lookups:
    """A model's features by what a turn has: feature index by word ("w:"), by question word
    ("c:") and by code ("r:"), and its word pairs as numbers (the two words' "w:" indices,
    `first * width + second`, sorted, with each pair's feature index): a large project's
    hundreds of thousands of pairs take a few MB of arrays, not a string and a dict entry each.
    """

    words: dict[str, int]
    context: dict[str, int]
    rules: dict[str, int]
    pair_codes: Any  # int64, ascending
    pair_index: Any  # int64, the feature index of each pair code
    other_pairs: dict[str, int]  # a pair whose words are not both word features (by name)
    width: int


def _lookups_of(names: Sequence[str]) -> Lookups:
    """The lookups of a model's feature names (sorted within each group)."""
    import sys

    import numpy as np

    words: dict[str, int] = {}
    context: dict[str, int] = {}
    rules: dict[str, int] = {}
    pairs: list[tuple[str, int]] = []
    for i, f in enumerate(names):
        prefix = f[:2]
        if prefix == "w:":
            # Interned: a worker's turn keys (interned too) are then these very strings.
            words[sys.intern(f[2:])] = i
        elif prefix == "c:":
            context[sys.intern(f[2:])] = i
        elif prefix == "r:":
            rules[f[2:]] = i
        elif prefix == "p:":
            pairs.append((f, i))
    width = max(len(names), 1)
    codes: list[int] = []
    index: list[int] = []
    other: dict[str, int] = {}
    for f, i in pairs:
        first, space, second = f[2:].partition(" ")
        a, b = words.get(first), words.get(second)
        # A pair's words are word features in training (seen in at least as many turns), so
        # the names fallback is for a model made otherwise.
        if a is None or b is None or not space or " " in second:
            other[f[2:]] = i
        else:
            codes.append(a * width + b)
            index.append(i)
    order = np.argsort(np.array(codes, dtype=np.int64), kind="stable")
    return Lookups(
        words,
        context,
        rules,
        np.array(codes, dtype=np.int64)[order],
        np.array(index, dtype=np.int64)[order],
        other,
        width,
    )


def _matrix(examples: Sequence[TrainingExample], lookups: Lookups, width: int) -> Any:
    """The turns' features as a CSR matrix over the known features (indices sorted).

    Features: the turn's words ("w:"), its word pairs ("p:") and the question's words ("c:"),
    each group L2-normalised over the group's distinct items, known or not, so a long turn does
    not outweigh a short one by its length alone; and each code's rule score ("r:", 0..1) as
    it is. The words of all the turns are numbered once (a dictionary lookup per word); the
    rest is numpy over those numbers.
    """
    from itertools import chain, repeat

    import numpy as np
    from scipy.sparse import csr_matrix

    n = len(examples)
    keys = [e.keys for e in examples]
    contexts = [e.context_keys for e in examples]
    local = {k: i for i, k in enumerate(dict.fromkeys(chain(*keys, *contexts)))}
    size = max(len(local), 1)
    # Each local word's feature index as a turn's word (-1: not a feature) and as a question's.
    as_word = np.fromiter(map(lookups.words.get, local, repeat(-1)), np.int64, len(local))
    as_context = np.fromiter(map(lookups.context.get, local, repeat(-1)), np.int64, len(local))
    at = local.__getitem__

    def ids(turns: Sequence[Sequence[str]]) -> tuple[Any, Any]:
        lengths = np.fromiter(map(len, turns), np.int64, n)
        flat = np.fromiter(map(at, chain.from_iterable(turns)), np.int64, int(lengths.sum()))
        return flat, np.repeat(np.arange(n, dtype=np.int64), lengths)

    def distinct(values: Any, row: Any, span: int) -> tuple[Any, Any, Any]:
        """Each row's distinct values, their rows, and 1/sqrt(how many) per value."""
        unique = np.unique(row * span + values)
        value, row = unique % span, unique // span
        count = np.bincount(row, minlength=n)
        return value, row, 1.0 / np.sqrt(np.maximum(count, 1))[row]

    word, word_row = ids(keys)
    same = word_row[1:] == word_row[:-1]
    pair, pair_row = (word[:-1] * size + word[1:])[same], word_row[1:][same]
    cols, rows, vals = [], [], []
    value, row, norm = distinct(word, word_row, size)
    cols.append(as_word[value])
    rows.append(row)
    vals.append(norm)
    value, row, norm = distinct(pair, pair_row, size * size)
    first, second = as_word[value // size], as_word[value % size]
    known = (first >= 0) & (second >= 0)
    found = np.full(len(value), -1, dtype=np.int64)
    if len(lookups.pair_codes) and known.any():
        code = first[known] * lookups.width + second[known]
        at_code = np.minimum(np.searchsorted(lookups.pair_codes, code), len(lookups.pair_codes) - 1)
        hit = lookups.pair_codes[at_code] == code
        found[np.flatnonzero(known)[hit]] = lookups.pair_index[at_code[hit]]
    if lookups.other_pairs:
        names = list(local)
        for k in np.flatnonzero(found < 0).tolist():
            v = int(value[k])
            name = f"{names[v // size]} {names[v % size]}"
            found[k] = lookups.other_pairs.get(name, -1)
    cols.append(found)
    rows.append(row)
    vals.append(norm)
    value, row, norm = distinct(*ids(contexts), size)
    cols.append(as_context[value])
    rows.append(row)
    vals.append(norm)
    rule_cols: list[int] = []
    rule_rows: list[int] = []
    rule_vals: list[float] = []
    for r, e in enumerate(examples):
        for code, s in e.rule_scores.items():
            if s > 0:
                rule_cols.append(lookups.rules.get(code, -1))
                rule_rows.append(r)
                rule_vals.append(float(s))
    cols.append(np.array(rule_cols, dtype=np.int64))
    rows.append(np.array(rule_rows, dtype=np.int64))
    vals.append(np.array(rule_vals, dtype=np.float64))
    col, row, val = (np.concatenate(a) for a in (cols, rows, vals))
    keep = col >= 0
    col, row, val = col[keep], row[keep], val[keep]
    order = np.lexsort((col, row))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(row, minlength=n), out=indptr[1:])
    return csr_matrix((val[order], col[order], indptr), shape=(n, width))


def training_matrix(examples: Sequence[TrainingExample], min_df: int) -> tuple[list[str], Any]:
    """The features seen in at least min_df turns (sorted names) and the turns' matrix over
    them: the same as _matrix() over those names, made with word ids and whole-corpus numpy
    operations rather than a set of strings per turn, so a large project trains fast and in
    bounded memory.

    Each group of features (context words, word pairs, rule hits, words: the names' order,
    as each group's names share a prefix) becomes its own block of columns, and a group's
    big id arrays are let go before the next group's are made.
    """
    from itertools import chain

    import numpy as np

    n = len(examples)
    texts = chain.from_iterable(chain.from_iterable((e.keys, e.context_keys) for e in examples))
    words = list(dict.fromkeys(texts))
    vocab = {w: i for i, w in enumerate(words)}
    size = max(len(words), 1)
    rows = np.arange(n, dtype=np.int32)

    def ids_of(turns: Sequence[Sequence[str]]) -> tuple[Any, Any]:
        """Every turn's word ids end to end, and each id's turn."""
        lengths = np.fromiter(map(len, turns), dtype=np.int64, count=n)
        ids = np.fromiter(
            map(vocab.__getitem__, chain.from_iterable(turns)), dtype=np.int64, count=lengths.sum()
        )
        return ids, np.repeat(rows, lengths)

    def distinct(ids: Any, row: Any, width: int) -> tuple[Any, Any]:
        """Each turn's distinct ids (turn by turn, ascending) and their turns."""
        keys = np.sort(row.astype(np.int64) * width + ids)  # (np.unique's hashing is slower)
        unique = keys[np.concatenate(([True], keys[1:] != keys[:-1]))] if len(keys) else keys
        del keys
        return unique % width, (unique // width).astype(np.int32)

    def name_of(prefix: str) -> Callable[[Any], list[str]]:
        if prefix == "p:":
            return lambda kept: [
                f"p:{words[a]} {words[b]}"
                for a, b in zip((kept // size).tolist(), (kept % size).tolist(), strict=True)
            ]
        return lambda kept: [prefix + words[i] for i in kept.tolist()]

    blocks: dict[str, tuple[list[str], Any]] = {}
    context = distinct(*ids_of([e.context_keys for e in examples]), size)
    blocks["c:"] = _block(*context, n, min_df, name_of("c:"))
    del context
    blocks["r:"] = _rule_block(examples, min_df)
    # The big id arrays one group at a time: the words' (and from them the pairs') arrays are
    # made after the small groups, and each goes as soon as its block is made.
    words_ids, words_row = ids_of([e.keys for e in examples])
    same_turn = words_row[1:] == words_row[:-1]
    pair_ids = (words_ids[:-1] * size + words_ids[1:])[same_turn]
    pair_row = words_row[1:][same_turn]
    del same_turn
    blocks["w:"] = _block(*distinct(words_ids, words_row, size), n, min_df, name_of("w:"))
    del words_ids, words_row
    blocks["p:"] = _block(*distinct(pair_ids, pair_row, size * size), n, min_df, name_of("p:"))
    del pair_ids, pair_row
    names: list[str] = []
    for prefix in sorted(blocks):
        names.extend(blocks[prefix][0])
    return names, _stack([blocks.pop(p)[1] for p in sorted(blocks)], n)


def _stack(blocks: list[Any], n: int) -> Any:
    """The CSR blocks (same rows, sorted indices) side by side, as one CSR matrix with sorted
    indices: scipy's hstack, filled block by block and each block let go once copied, so the
    blocks and the whole matrix are not all held at once (`blocks` is emptied)."""
    import numpy as np
    from scipy.sparse import csr_matrix

    total = sum(b.nnz for b in blocks)
    index = np.int32 if total < 2**31 else np.int64
    counts = [np.diff(b.indptr) for b in blocks]
    indptr = np.zeros(n + 1, dtype=index)
    np.cumsum(np.sum(counts, axis=0) if counts else np.zeros(n, dtype=index), out=indptr[1:])
    # Pages of np.empty are only taken as they are written: the matrix grows as blocks go.
    data = np.empty(total, dtype=np.float64)
    indices = np.empty(total, dtype=index)
    before = indptr[:-1].astype(np.int64)  # where each row's next block starts
    width = 0
    while blocks:
        block, count = blocks.pop(0), counts.pop(0)
        at = np.repeat(before - block.indptr[:-1], count) + np.arange(block.nnz)
        data[at] = block.data
        indices[at] = block.indices + width
        width += block.shape[1]
        before += count
        del block, at
    return csr_matrix((data, indices, indptr), shape=(n, width))


def _block(ids: Any, row: Any, n: int, min_df: int, names_of: Any) -> tuple[list[str], Any]:
    """One feature group's sorted names (ids seen in at least min_df turns) and its CSR
    columns, from each turn's distinct ids (ascending turns). A group is L2-normalised over
    all its distinct items per turn, known or not."""
    import numpy as np
    from scipy.sparse import csr_matrix

    values, df = np.unique(ids, return_counts=True)
    kept = values[df >= min_df]
    del values, df
    label = names_of(kept)
    order = sorted(range(len(label)), key=label.__getitem__)
    rank = np.empty(len(kept), dtype=np.int32)
    rank[np.array(order, dtype=np.int64)] = np.arange(len(kept), dtype=np.int32)
    norm = 1.0 / np.sqrt(np.bincount(row, minlength=n).clip(min=1))
    if len(kept):
        at = np.minimum(np.searchsorted(kept, ids), len(kept) - 1)
        found = kept[at] == ids
        at, row = at[found], row[found]
    else:
        at, row = np.zeros(0, dtype=np.int64), row[:0]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(row, minlength=n), out=indptr[1:])
    block = csr_matrix((norm[row], rank[at], indptr), shape=(n, len(kept)))
    block.sort_indices()
    return [label[i] for i in order], block


def _rule_block(examples: Sequence[TrainingExample], min_df: int) -> tuple[list[str], Any]:
    """The rule-hit features (a code's rules matched, valued by their score) and columns."""
    from collections import Counter

    from scipy.sparse import csr_matrix

    rule_df = Counter(code for e in examples for code, s in e.rule_scores.items() if s > 0)
    codes = sorted(code for code, count in rule_df.items() if count >= min_df)
    column = {code: i for i, code in enumerate(codes)}
    data: list[float] = []
    cols: list[int] = []
    indptr = [0]
    for e in examples:
        hits = sorted(
            (column[c], float(s)) for c, s in e.rule_scores.items() if s > 0 and c in column
        )
        cols.extend(c for c, _ in hits)
        data.extend(s for _, s in hits)
        indptr.append(len(cols))
    block = csr_matrix((data, cols, indptr), shape=(len(examples), len(codes)), dtype=float)
    return ["r:" + code for code in codes], block


def _binary_rows(word_sets: Sequence[Collection[str]], vocab: Mapping[str, int]) -> Any:
    """Sets of words as a binary CSR matrix over a vocabulary (unknown words left out)."""
    from itertools import chain, repeat

    import numpy as np
    from scipy.sparse import csr_matrix

    get = vocab.get
    cols = np.fromiter(
        chain.from_iterable(map(get, ws, repeat(-1, len(ws))) for ws in word_sets),
        dtype=np.int64,
    )
    rows = np.repeat(np.arange(len(word_sets)), [len(ws) for ws in word_sets])
    known = cols >= 0
    return csr_matrix(
        (np.ones(int(known.sum())), (rows[known], cols[known])),
        shape=(len(word_sets), max(len(vocab), 1)),
    )
