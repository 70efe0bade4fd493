"""Where a keyword's key sequence occurs in a transcript's token table.

Exact occurrences come from the table's postings (the first key's positions, then the rest
checked in place); a phrase never runs from one turn into the next. Folded occurrences are
the same phrase with some words typed without diacritics ("macibas" for "mācības"), found
through the diacritic-free key.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from .cache import TokenTable
from .keys import fold


def find_phrase(table: TokenTable, keys: tuple[str, ...]) -> list[int]:
    """Token indices where a key sequence starts (within one turn)."""
    return [int(p) for p in phrase_starts(table, keys)]


def phrase_starts(table: TokenTable, keys: tuple[str, ...]) -> Any:
    """Token indices (an array) where a key sequence starts, within one turn."""
    import numpy as np

    index = table.key_index()
    ids = []
    for k in keys:  # most phrases miss a key: leave before any numpy work
        i = index.get(k)
        if i is None:
            return np.zeros(0, dtype=np.intp)
        ids.append(i)
    if not ids:
        return np.zeros(0, dtype=np.intp)
    pos = table.positions(ids[0])
    n = len(keys)
    if n > 1:
        pos = pos[pos + n <= len(table)]
        for j in range(1, n):
            pos = pos[table.key_ids[pos + j] == ids[j]]
        if len(pos):  # a phrase may not run from one turn into the next
            pos = pos[table.turn_of(pos) == table.turn_of(pos + n - 1)]
    return pos


def folded_index(table: TokenTable) -> dict[str, list[int]]:
    """Diacritic-free key -> ids of the table's keys that are written without diacritics."""
    out: dict[str, list[int]] = {}
    for i, k in enumerate(table.keys):
        if k.isascii():
            out.setdefault(k, []).append(i)
    return out


class FoldedView(Mapping[str, list[int]]):
    """folded_index(table) without building it: keys are distinct, so an ASCII key's only
    id is its own, looked up in the table's key index on demand."""

    def __init__(self, table: TokenTable) -> None:
        self._index = table.key_index()

    def __getitem__(self, key: str) -> list[int]:
        if key.isascii() and key in self._index:
            return [self._index[key]]
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.isascii() and key in self._index

    def __iter__(self) -> Iterator[str]:
        return (k for k in self._index if k.isascii())

    def __len__(self) -> int:
        return sum(1 for _ in self)


@cache
def folded_keys(keys: tuple[str, ...]) -> tuple[str, ...] | None:
    """Each key's diacritic-free form, or None when every key is already without them."""
    if all(k.isascii() for k in keys):
        return None
    return tuple(fold(k) for k in keys)


def folded_starts(
    table: TokenTable, keys: tuple[str, ...], exact: Any, folded: Mapping[str, list[int]]
) -> Any:
    """Where a phrase occurs with some words typed without diacritics (not found exactly)."""
    import numpy as np

    folds = folded_keys(keys)
    if folds is None or not any(
        f in folded for k, f in zip(keys, folds, strict=True) if not k.isascii()
    ):
        return np.zeros(0, dtype=np.intp)  # no word of it occurs without its diacritics
    index = table.key_index()
    ids = []
    for k, f in zip(keys, folds, strict=True):
        alts = list(folded.get(f, []))
        if k in index:
            alts.append(index[k])
        if not alts:
            return np.zeros(0, dtype=np.intp)
        ids.append(np.array(sorted(set(alts))))
    pos = np.sort(np.concatenate([table.positions(int(i)) for i in ids[0]]))
    n = len(keys)
    pos = pos[pos + n <= len(table)]
    for j in range(1, n):
        pos = pos[np.isin(table.key_ids[pos + j], ids[j])]
    if len(pos):
        pos = pos[table.turn_of(pos) == table.turn_of(pos + n - 1)]
    return pos[~np.isin(pos, exact)]
