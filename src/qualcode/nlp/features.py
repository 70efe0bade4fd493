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
    from .example_set import ExampleSet
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


# Training turns whose numbers are reduced to each turn's distinct items at once: the big
# temporaries of that (sort keys) stay a few MB whatever the project's size.
ROWS_AT_ONCE = 4096


def training_matrix(
    examples: Sequence[TrainingExample] | ExampleSet, min_df: int
) -> tuple[list[str], Any]:
    """The features seen in at least min_df turns (sorted names) and the turns' matrix over
    them: the same as _matrix() over those names, made from the turns' word numbers
    (`ExampleSet`) with numpy rather than a set of strings per turn, so a large project
    trains fast and in bounded memory.

    Each group of features (context words, word pairs, rule hits, words: the names' order,
    as each group's names share a prefix) becomes its own block of columns. A group's
    distinct items per turn are found a slice of turns at a time, and its arrays go once
    its block is made.
    """
    import numpy as np

    from .example_set import ExampleSet

    rows_of = examples if isinstance(examples, ExampleSet) else ExampleSet.of(examples)
    keys, key_at, context, context_at = rows_of.arrays()
    words = rows_of.words_by_number()
    n = len(rows_of)
    size = max(len(words), 1)

    def per_turn(ids_of: Any, at: Any, pairs: bool) -> list[Any]:
        """[each turn's distinct numbers (pairs: first * size + second), turn by turn and
        ascending within a turn; their turns]."""
        width = size * size if pairs else size
        values: list[Any] = []
        rows: list[Any] = []
        for lo in range(0, n, ROWS_AT_ONCE):
            hi = min(n, lo + ROWS_AT_ONCE)
            ids = ids_of[at[lo] : at[hi]].astype(np.int64)
            row = np.repeat(np.arange(lo, hi, dtype=np.int64), np.diff(at[lo : hi + 1]))
            if pairs:
                same = row[1:] == row[:-1]
                ids, row = (ids[:-1] * size + ids[1:])[same], row[1:][same]
            found = np.sort(row * width + ids)  # (np.unique's hashing is slower)
            found = (
                found[np.concatenate(([True], found[1:] != found[:-1]))] if len(found) else found
            )
            values.append(found % width)
            rows.append((found // width).astype(np.int32))
        return [_joined(values, np.int64), _joined(rows, np.int32)]

    def name_of(prefix: str) -> Callable[[Any], list[str]]:
        if prefix == "p:":
            return lambda kept: [
                f"p:{words[a]} {words[b]}"
                for a, b in zip((kept // size).tolist(), (kept % size).tolist(), strict=True)
            ]
        return lambda kept: [prefix + words[i] for i in kept.tolist()]

    blocks: dict[str, tuple[list[str], Any]] = {}
    blocks["c:"] = _block(per_turn(context, context_at, False), n, min_df, name_of("c:"))
    blocks["r:"] = _rule_block(rows_of.rule_scores, min_df)
    blocks["w:"] = _block(per_turn(keys, key_at, False), n, min_df, name_of("w:"))
    blocks["p:"] = _block(per_turn(keys, key_at, True), n, min_df, name_of("p:"))
    names: list[str] = []
    for prefix in sorted(blocks):
        names.extend(blocks[prefix][0])
    return names, _stack([blocks.pop(p)[1] for p in sorted(blocks)], n)


def _joined(parts: list[Any], dtype: Any) -> Any:
    """The arrays end to end, each let go once copied (`parts` is emptied): the whole and
    the parts are not all held at once, as with np.concatenate."""
    import numpy as np

    out = np.empty(sum(len(p) for p in parts), dtype=dtype)
    at = 0
    while parts:
        part = parts.pop(0)
        out[at : at + len(part)] = part
        at += len(part)
    return out


@dataclass(frozen=True, eq=False)
class _Columns:
    """One feature group's block of columns, CSR-like: each row's column numbers (sorted)
    and either one value per row (`norm`: every item of a row has its row's weight, so the
    block holds 4 bytes an entry, not 12) or one per entry (`data`)."""

    indptr: Any  # int64, n + 1
    indices: Any  # int32
    norm: Any  # float64 per row, or None
    data: Any  # float64 per entry, or None
    width: int


def _stack(blocks: list[_Columns], n: int) -> Any:
    """The blocks (same rows) side by side, as one CSR matrix with sorted indices: scipy's
    hstack, filled a block and a slice of rows at a time, each block let go once copied
    (`blocks` is emptied), so few temporaries are held beside the blocks and the matrix."""
    import numpy as np
    from scipy.sparse import csr_matrix

    total = sum(len(b.indices) for b in blocks)
    index = np.int32 if total < 2**31 else np.int64
    counts = [np.diff(b.indptr) for b in blocks]
    indptr = np.zeros(n + 1, dtype=index)
    np.cumsum(np.sum(counts, axis=0) if counts else np.zeros(n, dtype=index), out=indptr[1:])
    data = np.empty(total, dtype=np.float64)
    indices = np.empty(total, dtype=index)
    before = indptr[:-1].astype(np.int64)  # where each row's next block starts
    width = 0
    while blocks:
        block, count = blocks.pop(0), counts.pop(0)
        for lo in range(0, n, ROWS_AT_ONCE):
            hi = min(n, lo + ROWS_AT_ONCE)
            a, b = int(block.indptr[lo]), int(block.indptr[hi])
            if a == b:
                continue
            some = count[lo:hi]
            at = np.repeat(before[lo:hi] - block.indptr[lo:hi], some) + np.arange(a, b)
            data[at] = (
                block.data[a:b] if block.data is not None else np.repeat(block.norm[lo:hi], some)
            )
            indices[at] = block.indices[a:b] + width
        width += block.width
        before += count
        del block
    return csr_matrix((data, indices, indptr), shape=(n, width))


def _block(parts: list[Any], n: int, min_df: int, names_of: Any) -> tuple[list[str], _Columns]:
    """One feature group's sorted names (ids seen in at least min_df turns) and its columns,
    from [each turn's distinct ids (ascending turns), their turns] (the list is emptied, so
    the ids go as soon as they are looked up). A group is L2-normalised over all its
    distinct items per turn, known or not. The lookups and the sorting of each row's columns
    run a slice at a time, so the temporaries stay small beside the ids."""
    import numpy as np

    ids, row = parts
    parts.clear()
    ordered = np.sort(ids)
    # Each turn's ids are distinct, so an id seen in min_df turns occurs min_df times: in
    # order, the same id min_df - 1 places on (no array of counts needed).
    reach = max(min_df, 1) - 1
    if reach:
        ordered = ordered[:-reach][ordered[reach:] == ordered[:-reach]]
    kept = (
        ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))] if len(ordered) else ordered
    )
    del ordered
    label = names_of(kept)
    order = sorted(range(len(label)), key=label.__getitem__)
    rank = np.empty(len(kept), dtype=np.int32)
    rank[np.array(order, dtype=np.int64)] = np.arange(len(kept), dtype=np.int32)
    norm = 1.0 / np.sqrt(np.bincount(row, minlength=n).clip(min=1))
    col = np.full(len(ids), -1, dtype=np.int32)
    if len(kept):
        step = 1 << 20
        for lo in range(0, len(ids), step):
            part = ids[lo : lo + step]
            at = np.minimum(np.searchsorted(kept, part), len(kept) - 1)
            col[lo : lo + step] = np.where(kept[at] == part, rank[at], -1)
    del ids
    found = col >= 0
    col, row = col[found], row[found]
    del found
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(row, minlength=n), out=indptr[1:])
    width = max(len(kept), 1)
    for lo in range(0, n, ROWS_AT_ONCE):  # each row's columns in order
        a, b = indptr[lo], indptr[min(n, lo + ROWS_AT_ONCE)]
        keys = row[a:b].astype(np.int64) * width + col[a:b]
        keys.sort()
        col[a:b] = keys % width
    return [label[i] for i in order], _Columns(indptr, col, norm, None, len(kept))


def _rule_block(scores: Sequence[Mapping[str, float]], min_df: int) -> tuple[list[str], _Columns]:
    """The rule-hit features (a code's rules matched, valued by their score) and columns,
    from each turn's rule scores."""
    from collections import Counter

    import numpy as np

    rule_df = Counter(code for turn in scores for code, s in turn.items() if s > 0)
    codes = sorted(code for code, count in rule_df.items() if count >= min_df)
    column = {code: i for i, code in enumerate(codes)}
    data: list[float] = []
    cols: list[int] = []
    indptr = [0]
    for turn in scores:
        hits = sorted((column[c], float(s)) for c, s in turn.items() if s > 0 and c in column)
        cols.extend(c for c, _ in hits)
        data.extend(s for _, s in hits)
        indptr.append(len(cols))
    return ["r:" + code for code in codes], _Columns(
        np.array(indptr, dtype=np.int64),
        np.array(cols, dtype=np.int32),
        None,
        np.array(data, dtype=np.float64),
        len(codes),
    )


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
