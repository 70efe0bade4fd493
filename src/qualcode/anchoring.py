"""Re-place tags and suggestion decisions on an edited transcript text.

Pure: text, turns and anchors in, one Placement per anchor out; no store, no Project.

Strategy, and why:
1. Identical text and turns: every anchor stays where it is (the common re-import case).
2. Align the old and the new text once. Words are diffed first, each reduced to a key
   (lower case, ASCII letters and digits, every run of other letters one ``*``), so
   re-wrapped lines, CRLF -> LF, spacing, punctuation and case changes and a mojibake ->
   correct-diacritics encoding fix all leave the word sequence equal and cost nothing;
   only the gaps between matched words are diffed char by char. diff-match-patch (Myers
   with a half-match speed-up and a time limit) does both diffs: difflib's SequenceMatcher
   is quadratic on long texts with frequent words. The result is a list of aligned blocks
   through which any old offset maps to a new one.
3. A whole-turn tag goes to the whole new turn holding most of its surviving text, so a
   turn that gained two words (or a sentence) keeps its tag and the tag covers the new turn.
4. A span tag maps through the alignment when at least half its characters survive; the
   span is widened to whole words when it was on word boundaries and clipped to one turn.
   Same text: "exact" (same offsets) or "moved"; changed text: "fuzzy".
5. Otherwise its stored text is searched for: verbatim (best context, then nearest), then
   with spacing, punctuation and case ignored, then by similarity (>= 0.8) in the turns
   around where it should be. Found: "moved" or "fuzzy".
6. Else "detached" with the old text: a tag is never dropped.
"""

from __future__ import annotations

import bisect
import os
import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal, Protocol

from .alignment import TOKEN, Alignment, align, word_key

__all__ = ["Anchor", "Placement", "Status", "TurnSpan", "reanchor"]

Status = Literal["exact", "moved", "fuzzy", "turn", "detached"]

SURVIVAL = 0.5  # share of an anchor's characters that must survive in place to map it
SIMILARITY = 0.8  # fuzzy matches below this are not trusted
CONTEXT = 40  # characters of context either side compared to choose among repeats
_SHORT = 20  # snippets shorter than this need agreeing context to be found elsewhere


class TurnSpan(Protocol):
    """A turn's extent in its text; models.ParsedTurn and models.Turn both fit."""

    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


@dataclass(frozen=True)
class Anchor:
    """A tag or decision on the old text: offsets, the stored text, whether a whole turn."""

    key: Hashable
    start: int
    end: int
    text: str
    whole_turn: bool = False
    turn_number: int | None = None


@dataclass(frozen=True)
class Placement:
    """Where an anchor landed in the new text; detached ones keep start/end None."""

    key: Hashable
    status: Status
    start: int | None
    end: int | None
    new_text: str | None
    turn_number: int | None
    note: str = ""

    @property
    def placed(self) -> bool:
        """True unless the anchor's text is gone (status detached)."""
        return self.status != "detached"


_WORD = re.compile(r"[^\W_]+")


def _is_word(ch: str) -> bool:
    return ch.isalnum()


def _fold(text: str) -> tuple[str, list[int]]:
    """Letters and digits only, lower case, with each folded char's offset in text."""
    parts: list[str] = []
    where: list[int] = []
    for m in _WORD.finditer(text):
        w = m.group()
        low = w.lower()
        if len(low) != len(w):  # a rare letter whose lower case is longer: keep as is
            low = w
        parts.append(low)
        where.extend(range(m.start(), m.end()))
    return "".join(parts), where


def _same_words(a: str, b: str) -> bool:
    return [word_key(t) for t in TOKEN.findall(a)] == [word_key(t) for t in TOKEN.findall(b)]


class _Placer:
    """Places anchors on one new text with one alignment."""

    def __init__(
        self,
        old: str,
        new: str,
        old_turns: Sequence[TurnSpan],
        new_turns: Sequence[TurnSpan],
        alignment: Alignment,
    ) -> None:
        self.old, self.new, self.al = old, new, alignment
        self.old_turns = sorted(_numbered(old_turns), key=lambda t: t[1])
        self.turns = sorted(_numbered(new_turns), key=lambda t: t[1])
        self._turn_starts = [t[1] for t in self.turns]
        self._folded: tuple[str, list[int]] | None = None

    # -- turns
    def _overlaps(self, s: int, e: int) -> list[tuple[int, int]]:
        """(overlap, index) of each new turn that [s, e) overlaps."""
        out = []
        k = max(bisect.bisect_right(self._turn_starts, s) - 1, 0)
        while k < len(self.turns) and self.turns[k][1] < max(e, s + 1):
            _, ts, te = self.turns[k]
            ov = min(e, te) - max(s, ts)
            if ov > 0 or (s == e and ts <= s < te):
                out.append((max(ov, 0), k))
            k += 1
        return out

    def _turn_of(self, s: int, e: int) -> int | None:
        """Index of the new turn holding most of [s, e)."""
        ovs = self._overlaps(s, e)
        return max(ovs)[1] if ovs else None

    def _one_turn(self, s: int, e: int) -> tuple[int, int, int | None]:
        """[s, e) clipped to the turn holding most of it, and that turn's number."""
        k = self._turn_of(s, e)
        if k is None:
            return s, e, None
        n, ts, te = self.turns[k]
        return max(s, ts), min(e, te), n

    # -- results
    def _result(
        self, a: Anchor, s: int, e: int, n: int | None, how: Status, note: str
    ) -> Placement:
        text = self.new[s:e]
        if how in ("exact", "moved") and text != a.text:
            how = "fuzzy"
        if how == "exact" and (s, e) != (a.start, a.end):
            how = "moved"
        if how == "fuzzy" and not note:
            same = _same_words(a.text, text)
            note = (
                "same words; spacing, punctuation, case or encoding differ"
                if same
                else (f"text changed ({self._kept(a):.0%} of it kept)")
            )
        return Placement(a.key, how, s, e, text, n, note)

    def _kept(self, a: Anchor) -> float:
        """Share of the anchor's old characters that survive in place (cheap, for notes)."""
        return self.al.survived(a.start, a.end) / max(a.end - a.start, 1)

    @staticmethod
    def _detached(a: Anchor, note: str) -> Placement:
        return Placement(a.key, "detached", None, None, None, None, note)

    # -- whole turns
    def place_turn(self, a: Anchor) -> Placement:
        """A whole-turn anchor goes to the whole new turn holding most of its text."""
        counts: dict[int, int] = {}
        for rs, re_ in self.al.surviving_ranges(a.start, a.end):
            for ov, k in self._overlaps(rs, re_):
                counts[k] = counts.get(k, 0) + ov
        size = max(len(a.text.strip()), 1)
        if counts:
            k = max(counts, key=lambda c: (counts[c], -c))
            if counts[k] >= SURVIVAL * size:
                return self._whole(a, k, "")
        found = self._find_verbatim(a)
        if found is not None:
            k2 = self._turn_of(found[0], found[1])
            if k2 is not None:
                return self._whole(a, k2, "found elsewhere")
        best, best_k = 0.0, -1
        # Short turns ("Yes.") recur by chance: they are not looked for by similarity.
        for k, (_, ts, te) in enumerate(self.turns if len(a.text) >= _SHORT else ()):
            r = _ratio(a.text, self.new[ts:te], cutoff=SIMILARITY)
            if r > best:
                best, best_k = r, k
        if best_k >= 0:
            return self._whole(a, best_k, f"matched by similarity {best:.2f}")
        return self._detached(a, "the turn's text is no longer in the transcript")

    def _whole(self, a: Anchor, k: int, note: str) -> Placement:
        n, ts, te = self.turns[k]
        text = self.new[ts:te]
        if text == a.text:
            return self._result(a, ts, te, n, "exact", note)
        note = note or f"turn text changed ({self._kept(a):.0%} of it kept)"
        return Placement(a.key, "turn", ts, te, text, n, note)

    # -- spans
    def place_span(self, a: Anchor) -> Placement:
        """A span maps through the alignment, else is searched for, else detached."""
        s, e = a.start, a.end
        if e <= s:
            p = self.al.map_start(s)
            return self._result(
                a,
                p,
                p,
                None if (k := self._turn_of(p, p)) is None else self.turns[k][0],
                "exact",
                "",
            )
        if self.al.survived(s, e) >= SURVIVAL * (e - s):
            s2, e2 = self._snap(a, self.al.map_start(s), self.al.map_end(e))
            s2, e2, n = self._one_turn(s2, e2)
            s2, e2 = self._trim(a, s2, e2)
            if e2 > s2:
                return self._result(a, s2, e2, n, "exact", "")
        found = self._find_verbatim(a)
        if found is not None:
            return self._result(a, *found, "moved", "found elsewhere")
        found2 = self._find_folded(a) or self._find_similar(a)
        if found2 is not None:
            s2, e2, note = found2
            s2, e2, n = self._one_turn(s2, e2)
            return self._result(a, s2, e2, n, "fuzzy", note)
        return self._detached(a, "the passage is no longer in the transcript")

    def _snap(self, a: Anchor, s: int, e: int) -> tuple[int, int]:
        """Widen to whole words where the old span began or ended on a word boundary."""
        old, new = self.old, self.new
        if a.start < len(old) and (a.start == 0 or not _is_word(old[a.start - 1])):
            while 0 < s < len(new) and _is_word(new[s - 1]) and _is_word(new[s]):
                s -= 1
        if a.end > 0 and (a.end == len(old) or not _is_word(old[a.end])):
            while 0 < e < len(new) and _is_word(new[e - 1]) and _is_word(new[e]):
                e += 1
        return s, max(s, e)

    def _trim(self, a: Anchor, s: int, e: int) -> tuple[int, int]:
        """Drop edge whitespace the old text did not have (mapped newlines, spaces)."""
        if a.text[:1] and not a.text[:1].isspace():
            while s < e and self.new[s].isspace():
                s += 1
        if a.text[-1:] and not a.text[-1:].isspace():
            while e > s and self.new[e - 1].isspace():
                e -= 1
        return s, e

    def _context_score(self, a: Anchor, p: int) -> int:
        """How many context characters around new position p agree with the old ones."""
        before = self.old[max(0, a.start - CONTEXT) : a.start][::-1]
        after = self.old[a.end : a.end + CONTEXT]
        q = p + len(a.text)
        nb = self.new[max(0, p - CONTEXT) : p][::-1]
        na = self.new[q : q + CONTEXT]
        return len(os.path.commonprefix([before, nb])) + len(os.path.commonprefix([after, na]))

    def _find_verbatim(self, a: Anchor) -> tuple[int, int, int | None] | None:
        """The occurrence of the stored text with the best context, then the nearest."""
        text = a.text.strip()
        if not text:
            return None
        lead = len(a.text) - len(a.text.lstrip())
        hint = self.al.map_start(a.start)
        best: tuple[int, int, int] | None = None
        p = self.new.find(text)
        seen = 0
        while p != -1 and seen < 500:
            seen += 1
            s, e = p, p + len(text)
            k = self._turn_of(s, e)
            inside = k is None or self.turns[k][1] <= s and e <= self.turns[k][2]
            if inside:
                score = self._context_score(a, p - lead)
                cand = (score, -abs(p - hint), p)
                if best is None or cand > best:
                    best = cand
            p = self.new.find(text, p + 1)
        # A short text (a one-word answer) recurs by chance: elsewhere it must bring
        # along context the old place had, more the shorter it is.
        if best is None or best[0] < 2 * _SHORT - len(text):
            return None
        s = best[2]
        k = self._turn_of(s, s + len(text))
        return s, s + len(text), None if k is None else self.turns[k][0]

    def _find_folded(self, a: Anchor) -> tuple[int, int, str] | None:
        """The stored text with spacing, punctuation and case ignored, nearest first."""
        needle, _ = _fold(a.text)
        if len(needle) < _SHORT:  # short texts recur by chance; the verbatim search had context
            return None
        if self._folded is None:
            self._folded = _fold(self.new)
        hay, where = self._folded
        hint = self.al.map_start(a.start)
        best: tuple[int, int] | None = None
        p = hay.find(needle)
        while p != -1:
            s, e = where[p], where[p + len(needle) - 1] + 1
            if best is None or abs(s - hint) < abs(best[0] - hint):
                best = (s, e)
            p = hay.find(needle, p + 1)
        if best is None:
            return None
        return best[0], best[1], "same words; spacing, punctuation or case differ"

    def _find_similar(self, a: Anchor) -> tuple[int, int, str] | None:
        """A passage at least SIMILARITY alike in the turns around where the anchor maps."""
        hint = self.al.map_start(a.start)
        k = self._turn_of(hint, max(hint, self.al.map_end(a.end)))
        if k is None:  # between turns (a label): the turn before, or the first
            k = max(bisect.bisect_right(self._turn_starts, hint) - 1, 0)
        if not self.turns or len(a.text.strip()) < _SHORT:
            return None
        best: tuple[float, int, int] | None = None
        for c in range(max(0, k - 2), min(len(self.turns), k + 3)):
            _, ts, te = self.turns[c]
            hit = _best_window(a.text, self.new[ts:te])
            if hit is not None and (best is None or hit[0] > best[0]):
                best = (hit[0], ts + hit[1], ts + hit[2])
        if best is None:
            return None
        s, e = self._snap(a, best[1], best[2])
        return s, e, f"similar text nearby (similarity {best[0]:.2f})"


def _best_window(needle: str, hay: str) -> tuple[float, int, int] | None:
    """The part of hay most like needle, if at least SIMILARITY alike."""
    if not hay or not needle:
        return None
    sm = SequenceMatcher(None, hay, needle, autojunk=False)
    m = sm.find_longest_match(0, len(hay), 0, len(needle))
    if m.size == 0:
        return None
    slack = len(needle) // 4 + 2
    lo = max(0, m.a - m.b - slack)
    hi = min(len(hay), m.a - m.b + len(needle) + slack)
    blocks = [
        b
        for b in SequenceMatcher(None, hay[lo:hi], needle, autojunk=False).get_matching_blocks()
        if b.size
    ]
    if not blocks:
        return None
    s, e = lo + blocks[0].a, lo + blocks[-1].a + blocks[-1].size
    r = _ratio(needle, hay[s:e])
    return (r, s, e) if r >= SIMILARITY else None


def _ratio(a: str, b: str, cutoff: float = 0.0) -> float:
    """difflib's similarity, with its cheap upper bounds first when a cutoff is given."""
    if a == b:
        return 1.0
    sm = SequenceMatcher(None, a, b, autojunk=False)
    if cutoff and (sm.real_quick_ratio() < cutoff or sm.quick_ratio() < cutoff):
        return 0.0
    r = sm.ratio()
    return r if r >= cutoff else 0.0


def _numbered(turns: Sequence[TurnSpan]) -> list[tuple[int, int, int]]:
    """(number, start, end) per turn: its own number if it has one, else its position."""
    return [(int(getattr(t, "number", i)), t.start, t.end) for i, t in enumerate(turns, 1)]


def reanchor(
    old_text: str,
    new_text: str,
    old_turns: Sequence[TurnSpan],
    new_turns: Sequence[TurnSpan],
    anchors: Iterable[Anchor],
) -> list[Placement]:
    """Place each anchor of old_text on new_text: one Placement per anchor, in order."""
    anchors = list(anchors)
    same_turns = [(t.start, t.end) for t in old_turns] == [(t.start, t.end) for t in new_turns]
    al = align(old_text, new_text)
    placer = _Placer(old_text, new_text, old_turns, new_turns, al)
    out = []
    for a in anchors:
        a = _checked(a, old_text)
        if old_text == new_text and same_turns and a.text == old_text[a.start : a.end]:
            k = placer._turn_of(a.start, a.end)
            n = None if k is None else placer.turns[k][0]
            out.append(Placement(a.key, "exact", a.start, a.end, a.text, n, ""))
        elif a.whole_turn:
            out.append(placer.place_turn(a))
        else:
            out.append(placer.place_span(a))
    return out


def _checked(a: Anchor, old: str) -> Anchor:
    """The anchor with offsets that fit its stored text (nearest occurrence if they drifted)."""
    s, e = max(0, min(a.start, len(old))), max(0, min(a.end, len(old)))
    if old[s:e] == a.text or not a.text:
        return Anchor(a.key, s, max(s, e), a.text, a.whole_turn, a.turn_number)
    hits = [m.start() for m in re.finditer(re.escape(a.text), old)]
    if hits:
        s = min(hits, key=lambda h: abs(h - a.start))
        e = s + len(a.text)
    # Offsets kept as given when the stored text is nowhere in the old text: compare
    # against what those offsets hold, so the tag still follows its passage.
    return Anchor(a.key, s, max(s, e), old[s : max(s, e)], a.whole_turn, a.turn_number)
