"""Align two versions of a transcript text and map offsets of the old onto the new.

Words are diffed first, each reduced to a key (lower case, ASCII letters and digits, every
run of other letters one ``*``), so re-wrapped lines, CRLF -> LF, spacing, punctuation and
case changes and a mojibake -> correct-diacritics encoding fix all leave the word sequence
equal; only the gaps between matched words are diffed char by char. diff-match-patch
(Myers with a half-match speed-up and a time limit) does both diffs: difflib's
SequenceMatcher is quadratic on long texts with frequent words.
"""

from __future__ import annotations

import bisect
import os
import re

from diff_match_patch import diff_match_patch

__all__ = ["TOKEN", "Alignment", "align", "word_key"]

_DIFF_TIMEOUT = 2.0  # seconds diff-match-patch may spend before settling for a coarser diff

TOKEN = re.compile(r"[^ \t\r\n\f\v]+")  # ASCII whitespace only: NBSP/NEL occur in mojibake
_ASCII_PUNCT = re.compile(r"[\x00-\x2f\x3a-\x60\x7b-\x7f]+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_HAS_ASCII_ALNUM = re.compile(r"[a-z0-9]")


def word_key(token: str) -> str:
    """A word's alignment key: survives case, punctuation and encoding (mojibake) changes."""
    low = token.lower()
    if low.isascii():
        return _ASCII_PUNCT.sub("", low)
    skeleton = _NON_ASCII.sub("*", _ASCII_PUNCT.sub("", low))
    # A word with no ASCII letter at all (Cyrillic, a dash) keeps its own text as key.
    return skeleton if _HAS_ASCII_ALNUM.search(skeleton) else low


def _words(text: str) -> tuple[list[int], list[int], list[str]]:
    """Start, end and key of each word that has a key."""
    spans = [m.span() for m in TOKEN.finditer(text)]
    cache: dict[str, str] = {}  # words repeat: each distinct one is keyed once
    keys = []
    for t in TOKEN.findall(text):
        k = cache.get(t)
        if k is None:
            k = cache[t] = word_key(t)
        keys.append(k)
    kept = [i for i, k in enumerate(keys) if k]
    return [spans[i][0] for i in kept], [spans[i][1] for i in kept], [keys[i] for i in kept]


def _encode(a: list[str], b: list[str]) -> tuple[str, str]:
    """One character per distinct key (diff-match-patch diffs strings), no surrogates."""
    codes = {k: chr(n if n < 0xD800 else n + 0x800) for n, k in enumerate(dict.fromkeys(a + b), 1)}
    return "".join(map(codes.__getitem__, a)), "".join(map(codes.__getitem__, b))


def _lines(text: str, starts: list[int], count: int) -> list[tuple[int, int]]:
    """Word index ranges of the text's lines that hold words (blank lines vanish)."""
    breaks = [m.start() for m in re.finditer("\n", text)]
    out: list[tuple[int, int]] = []
    first, line = 0, 0
    for w in range(count):
        ln = bisect.bisect_left(breaks, starts[w], line)
        if ln != line and w > first:
            out.append((first, w))
            first = w
        line = ln
    if count > first:
        out.append((first, count))
    return out


def _runs(a: list[str], b: list[str], i0: int, j0: int, dmp: diff_match_patch) -> list[_Run]:
    """Runs of equal keys (old index, new index, length) in two key lists."""
    ea, eb = _encode(a, b)
    runs: list[_Run] = []
    i, j = i0, j0
    for op, data in dmp.diff_main(ea, eb, False):
        if op == 0:
            runs.append((i, j, len(data)))
            i, j = i + len(data), j + len(data)
        elif op < 0:
            i += len(data)
        else:
            j += len(data)
    return runs


def _word_runs(
    old: str,
    new: str,
    ow: tuple[list[int], list[int], list[str]],
    nw: tuple[list[int], list[int], list[str]],
    dmp: diff_match_patch,
) -> list[_Run]:
    """Matched words: lines (by their words' keys) first, then words in changed lines.

    Diffing lines first keeps Myers' O(N*D) small when edits are scattered over a long
    text; lines compare by their words' keys, so re-wrapping only costs its own lines.
    """
    ol, nl = _lines(old, ow[0], len(ow[2])), _lines(new, nw[0], len(nw[2]))
    sep = "\x1f"
    okeys = [sep.join(ow[2][a:b]) for a, b in ol]
    nkeys = [sep.join(nw[2][a:b]) for a, b in nl]
    runs: list[_Run] = []
    pi = pj = 0  # next unmatched line, old and new
    for li, lj, n in _runs(okeys, nkeys, 0, 0, dmp) + [(len(ol), len(nl), 0)]:
        wi = ol[pi][0] if pi < len(ol) else len(ow[2])
        wj = nl[pj][0] if pj < len(nl) else len(nw[2])
        wi2 = ol[li][0] if li < len(ol) else len(ow[2])
        wj2 = nl[lj][0] if lj < len(nl) else len(nw[2])
        if wi2 > wi and wj2 > wj:
            runs += _runs(ow[2][wi:wi2], nw[2][wj:wj2], wi, wj, dmp)
        if n:
            runs.append((wi2, wj2, ol[li + n - 1][1] - wi2))
        pi, pj = li + n, lj + n
    return runs


_Op = tuple[int, int, int, int, bool]  # old start, old end, new start, new end, survived
_Run = tuple[int, int, int]  # old word index, new word index, how many words


def _dmp() -> diff_match_patch:
    d = diff_match_patch()
    d.Diff_Timeout = _DIFF_TIMEOUT
    return d


def _char_ops(a: str, b: str, i0: int, j0: int, dmp: diff_match_patch) -> list[_Op]:
    """Char-level blocks for a gap between matched words (equal blocks survive)."""
    if a == b:
        return [(i0, i0 + len(a), j0, j0 + len(b), True)]
    if not a.strip() and not b.strip():  # re-wrap, CRLF, spacing
        return [(i0, i0 + len(a), j0, j0 + len(b), True)]
    if not a or not b:
        return [(i0, i0 + len(a), j0, j0 + len(b), False)]
    diffs = dmp.diff_main(a, b, False)
    dmp.diff_cleanupSemantic(diffs)  # drops chance one-letter equalities in rewritten text
    ops: list[_Op] = []
    i, j, di, dj = i0, j0, 0, 0
    for op, data in diffs:
        if op == 0:
            if di or dj:
                ops.append((i, i + di, j, j + dj, False))
                i, j, di, dj = i + di, j + dj, 0, 0
            ops.append((i, i + len(data), j, j + len(data), True))
            i, j = i + len(data), j + len(data)
        elif op < 0:
            di += len(data)
        else:
            dj += len(data)
    if di or dj:
        ops.append((i, i + di, j, j + dj, False))
    return ops


def _word_ops(a: str, b: str, i0: int, j0: int) -> list[_Op]:
    """Blocks for two words with the same key: shared prefix and suffix, a changed middle."""
    if a == b:
        return [(i0, i0 + len(a), j0, j0 + len(b), True)]
    p = len(os.path.commonprefix([a, b]))
    room = min(len(a), len(b)) - p
    q = len(os.path.commonprefix([a[::-1], b[::-1]]))
    q = min(q, room)
    ops: list[_Op] = []
    if p:
        ops.append((i0, i0 + p, j0, j0 + p, True))
    ops.append((i0 + p, i0 + len(a) - q, j0 + p, j0 + len(b) - q, True))
    if q:
        ops.append((i0 + len(a) - q, i0 + len(a), j0 + len(b) - q, j0 + len(b), True))
    return ops


class Alignment:
    """Aligned blocks of an old and a new text; maps old offsets to new ones."""

    def __init__(self, old: str, new: str, ops: list[_Op]) -> None:
        self.old, self.new = old, new
        # Only blocks with old characters are looked up; pure insertions sit between them.
        self._ops = [o for o in ops if o[1] > o[0]]
        self._starts = [o[0] for o in self._ops]
        self._kept = [0]
        for i1, i2, _, _, kept in self._ops:
            self._kept.append(self._kept[-1] + (i2 - i1 if kept else 0))

    def _at(self, x: int) -> int:
        return bisect.bisect_right(self._starts, x) - 1

    def map_start(self, x: int) -> int:
        """New offset for an old start offset (insertions just before it stay outside)."""
        if x >= len(self.old) or not self._ops:
            return len(self.new)
        i1, i2, j1, j2, _ = self._ops[self._at(x)]
        return j1 + (x - i1) * (j2 - j1) // (i2 - i1)

    def map_end(self, x: int) -> int:
        """New offset for an old end offset (insertions just after it stay outside)."""
        if x <= 0 or not self._ops:
            return 0
        i1, i2, j1, j2, _ = self._ops[self._at(x - 1)]
        return j1 - (-(x - i1) * (j2 - j1) // (i2 - i1))

    def survived(self, s: int, e: int) -> int:
        """How many old characters in [s, e) survive in the new text."""
        if e <= s or not self._ops:
            return 0
        a, b = self._at(s), self._at(e - 1)
        total = self._kept[b + 1] - self._kept[a]
        for k, cut in ((a, s - self._ops[a][0]), (b, self._ops[b][1] - e)):
            if self._ops[k][4]:
                total -= cut
        return total

    def surviving_ranges(self, s: int, e: int) -> list[tuple[int, int]]:
        """New-text ranges that old [s, e) survives as."""
        if e <= s or not self._ops:
            return []
        out = []
        for k in range(self._at(s), self._at(e - 1) + 1):
            i1, i2, _, _, kept = self._ops[k]
            if kept:
                a, b = max(i1, s), min(i2, e)
                out.append((self.map_start(a), self.map_end(b)))
        return out


def align(old: str, new: str) -> Alignment:
    """Align two versions of a text: words by key first, then the gaps char by char."""
    dmp = _dmp()
    if old == new:
        return Alignment(old, new, [(0, len(old), 0, len(new), True)])
    ow, nw = _words(old), _words(new)
    os_, oe = ow[0], ow[1]
    ns, ne = nw[0], nw[1]
    ops: list[_Op] = []
    pi = pj = 0  # end of the last matched word, old and new
    for i, j, n in _word_runs(old, new, ow, nw, dmp):
        ops += _char_ops(old[pi : os_[i]], new[pj : ns[j]], pi, pj, dmp)
        pi, pj = os_[i], ns[j]
        if old[pi : oe[i + n - 1]] == new[pj : ne[j + n - 1]]:
            # The usual case: a run of matched words is also the same text, one block.
            ops.append((pi, oe[i + n - 1], pj, ne[j + n - 1], True))
            pi, pj = oe[i + n - 1], ne[j + n - 1]
            continue
        for _ in range(n):
            ops += _char_ops(old[pi : os_[i]], new[pj : ns[j]], pi, pj, dmp)
            ops += _word_ops(old[os_[i] : oe[i]], new[ns[j] : ne[j]], os_[i], ns[j])
            pi, pj = oe[i], ne[j]
            i, j = i + 1, j + 1
    ops += _char_ops(old[pi:], new[pj:], pi, pj, dmp)
    return Alignment(old, new, ops)
