"""Codebook rules compiled per language and matched against cached token keys.

Keywords and `exclude` phrases become key sequences (each run through the transcript
language's pipeline with nlp.pipe, so a phrase gets the same keys as the text). Matching
looks up each phrase's first key in the transcript's postings and checks the rest: the same
matches as spaCy's PhraseMatcher(attr="NORM") on the turn docs (a test checks it), but run
on the cached keys, so no Doc has to be rebuilt.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .cache import TokenTable
from .pipeline import pipeline

if TYPE_CHECKING:
    from ..models import Code

WINDOWS = ("turn", "sentence")
# How much one distinct matched term adds to a passage's score: a phrase or a pattern is
# more specific than a single word, so it counts more.
WORD_WEIGHT = 0.5
PHRASE_WEIGHT = 0.75


@dataclass(frozen=True)
class Phrase:
    """A keyword or exclude phrase as written, with its keys in one language."""

    text: str
    keys: tuple[str, ...]


@dataclass(frozen=True)
class CodeRules:
    """One code's compiled rules for one language."""

    code: str
    code_id: int
    keywords: tuple[Phrase, ...]
    excludes: tuple[Phrase, ...]
    patterns: tuple[re.Pattern[str], ...]
    window: str = "turn"

    @property
    def empty(self) -> bool:
        """True when the code has nothing to match with."""
        return not (self.keywords or self.patterns)


@dataclass(frozen=True)
class Hit:
    """One occurrence of a keyword, pattern or exclude phrase in a transcript."""

    term: str  # the keyword or pattern as written in the codebook
    kind: str  # keyword | pattern | exclude
    start: int  # character offsets into the transcript text
    end: int
    first: int  # token indices [first, last]
    last: int

    @property
    def weight(self) -> float:
        """Score contribution of this term."""
        return PHRASE_WEIGHT if self.kind == "pattern" or " " in self.term else WORD_WEIGHT


@dataclass(frozen=True)
class Passage:
    """A suggested passage of one turn for one code: its span, score and matched hits."""

    code: str
    code_id: int
    turn_index: int  # position of the turn in the transcript's turn order
    start: int
    end: int
    score: float
    hits: tuple[Hit, ...]


def phrase_keys(texts: Sequence[str], lang: str) -> list[tuple[str, ...]]:
    """Key sequences of phrases, made with the language's pipeline (nlp.pipe)."""
    nlp = pipeline(lang).nlp
    return [tuple(t.norm_ for t in doc if not t.is_space) for doc in nlp.pipe(texts)]


def compile_rules(codes: Sequence[Code], lang: str) -> list[CodeRules]:
    """Every code's rules keyed for one language (one nlp.pipe call for all phrases)."""
    texts: list[str] = []
    for code in codes:
        texts.extend(code.keywords)
        texts.extend(code.rules.get("exclude", []))
    unique = list(dict.fromkeys(texts))
    keyed = dict(zip(unique, phrase_keys(unique, lang), strict=True))
    out = []
    for code in codes:
        rules = code.rules or {}
        out.append(
            CodeRules(
                code=code.name,
                code_id=code.id,
                keywords=tuple(Phrase(k, keyed[k]) for k in code.keywords if keyed[k]),
                excludes=tuple(Phrase(k, keyed[k]) for k in rules.get("exclude", []) if keyed[k]),
                patterns=tuple(re.compile(p, re.IGNORECASE) for p in rules.get("patterns", [])),
                window=rules.get("window", "turn") if rules.get("window") in WINDOWS else "turn",
            )
        )
    return out


def find_phrase(table: TokenTable, keys: tuple[str, ...]) -> list[int]:
    """Token indices where a key sequence starts (within one turn)."""
    index = table.key_index()
    ids = [index.get(k) for k in keys]
    if not ids or any(i is None for i in ids):
        return []
    pos = table.positions(ids[0])  # type: ignore[arg-type]
    n = len(keys)
    if n > 1:
        pos = pos[pos + n <= len(table)]
        for j in range(1, n):
            pos = pos[table.key_ids[pos + j] == ids[j]]
        if len(pos):  # a phrase may not run from one turn into the next
            pos = pos[table.turn_of(pos) == table.turn_of(pos + n - 1)]
    return [int(p) for p in pos]


def _phrase_hits(table: TokenTable, phrases: Sequence[Phrase], kind: str) -> list[Hit]:
    hits = []
    for phrase in phrases:
        n = len(phrase.keys)
        for p in find_phrase(table, phrase.keys):
            hits.append(
                Hit(
                    phrase.text,
                    kind,
                    int(table.starts[p]),
                    int(table.ends[p + n - 1]),
                    p,
                    p + n - 1,
                )
            )
    return hits


def _pattern_hits(
    table: TokenTable, rules: CodeRules, text: str, turns: Sequence[tuple[int, int]]
) -> list[Hit]:
    """Regex matches lying inside the given turns (one search over the whole text)."""
    import numpy as np

    if not turns or not rules.patterns:
        return []
    t_start = np.array([t[0] for t in turns])
    t_end = np.array([t[1] for t in turns])
    hits = []
    for pattern in rules.patterns:
        for m in pattern.finditer(text, int(t_start.min()), int(t_end.max())):
            i = int(np.searchsorted(t_start, m.start(), side="right")) - 1
            if m.end() <= m.start() or i < 0 or m.end() > t_end[i]:
                continue
            first = int(np.searchsorted(table.starts, m.start(), side="right")) - 1
            last = int(np.searchsorted(table.starts, m.end() - 1, side="right")) - 1
            hits.append(
                Hit(pattern.pattern, "pattern", m.start(), m.end(), max(first, 0), max(last, 0))
            )
    return hits


def _drop_nested(hits: list[Hit]) -> list[Hit]:
    """Drop a hit lying inside a longer one ('slodze' inside 'pilna slodze')."""
    hits = sorted(hits, key=lambda h: (h.start, -(h.end - h.start)))
    kept: list[Hit] = []
    for h in hits:
        if any(
            k.start <= h.start and h.end <= k.end and (k.end - k.start) > (h.end - h.start)
            for k in kept
        ):
            continue
        kept.append(h)
    return kept


def score(hits: Sequence[Hit]) -> float:
    """1 - prod(1 - weight) over distinct matched terms: more and longer terms score higher."""
    miss = 1.0
    for _term, weight in {(h.term, h.weight) for h in hits}:
        miss *= 1.0 - weight
    return round(1.0 - miss, 3)


def match_transcript(
    table: TokenTable,
    text: str,
    turns: Sequence[tuple[int, int]],
    rules: Sequence[CodeRules],
    *,
    only_turns: set[int] | None = None,
) -> list[Passage]:
    """Passages suggested for each code in one transcript.

    turns: (start, end) of every turn in turn order; only_turns: positions of the turns to
    suggest on (e.g. respondent turns), None for all. An exclude phrase cancels every
    keyword and pattern match in the same window (turn or sentence).
    """
    sentence_of = table.sentence_ids() if len(table) else None
    wanted = [(i, t) for i, t in enumerate(turns) if only_turns is None or i in only_turns]
    out: list[Passage] = []
    for rule in rules:
        if rule.empty:
            continue
        hits = _phrase_hits(table, rule.keywords, "keyword")
        hits += _pattern_hits(table, rule, text, [t for _, t in wanted])
        if not hits:
            continue
        excl = _phrase_hits(table, rule.excludes, "exclude")

        def window(h: Hit, rule: CodeRules = rule) -> tuple[int, int]:
            turn = int(table.turn_of(h.first))
            if rule.window == "sentence" and sentence_of is not None:
                return turn, int(sentence_of[h.first])
            return turn, -1

        blocked = {window(h) for h in excl}
        by_turn: dict[int, list[Hit]] = {}
        for h in hits:
            w = window(h)
            if w in blocked or (only_turns is not None and w[0] not in only_turns):
                continue
            by_turn.setdefault(w[0], []).append(h)
        for turn_index, turn_hits in sorted(by_turn.items()):
            turn_hits = _drop_nested(turn_hits)
            start, end = _passage_span(
                table, turns[turn_index], turn_hits, rule.window, sentence_of
            )
            out.append(
                Passage(
                    rule.code,
                    rule.code_id,
                    turn_index,
                    start,
                    end,
                    score(turn_hits),
                    tuple(turn_hits),
                )
            )
    return out


def _passage_span(
    table: TokenTable, turn: tuple[int, int], hits: Sequence[Hit], window: str, sentence_of: Any
) -> tuple[int, int]:
    """The whole turn, or (sentence window) from the first to the last matched sentence."""
    import numpy as np

    if window != "sentence" or sentence_of is None:
        return turn
    first = min(int(sentence_of[h.first]) for h in hits)
    last = max(int(sentence_of[h.last]) for h in hits)
    tokens = np.flatnonzero((sentence_of >= first) & (sentence_of <= last))
    start = max(int(table.starts[tokens[0]]), turn[0])
    end = min(int(table.ends[tokens[-1]]), turn[1])
    return (start, end) if start < end else turn
