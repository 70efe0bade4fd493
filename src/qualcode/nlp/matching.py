"""Codebook rules compiled per language and matched against cached token keys.

Keywords and `exclude` phrases become key sequences (each run through the transcript
language's pipeline with nlp.pipe, so a phrase gets the same keys as the text). Matching
looks up each phrase's first key in the transcript's postings and checks the rest: the same
matches as spaCy's PhraseMatcher(attr="NORM") on the turn docs (a test checks it), but run
on the cached keys, so no Doc has to be rebuilt.

Precision tools on top: a negated keyword does not count (nlp/negation.py), words listed in
a code's `exclude_context` veto a keyword within CONTEXT_DISTANCE tokens of the same
sentence, and a passage scoring under the code's `min_score` is dropped. The interviewer's
question right before a respondent turn can support that turn's passage (CONTEXT_WEIGHT)
but is never suggested itself. Hits are handled as numpy arrays per code, one vectorised
pass per transcript; Hit tuples are made only for the hits that end up in a passage.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from .cache import TokenTable
from .caseless import CaselessText
from .negation import LANGUAGES as NEGATION_LANGUAGES
from .phrases import FoldedView, folded_starts, phrase_starts
from .pipeline import pipeline

if TYPE_CHECKING:
    from ..models import Code

WINDOWS = ("turn", "sentence")
# How much one distinct matched term adds to a passage's score: a phrase or a pattern is
# more specific than a single word, so it counts more.
WORD_WEIGHT = 0.5
PHRASE_WEIGHT = 0.75
# The interviewer's question supports a respondent passage less than its own words do.
CONTEXT_WEIGHT = 0.25
# A keyword found only through its diacritic-free key ("macibas" for "mācības") counts less.
FOLDED_FACTOR = 0.6
CONTEXT_DISTANCE = 4  # tokens either side of a keyword within which exclude_context vetoes


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
    # (keyword as written, or "*" for all; the words that veto it nearby)
    context_vetoes: tuple[tuple[str, tuple[Phrase, ...]], ...] = ()
    min_score: float = 0.0
    lang: str = ""
    negation: bool = True

    @property
    def empty(self) -> bool:
        """True when the code has nothing to match with."""
        return not (self.keywords or self.patterns)


class Hit(NamedTuple):
    """One occurrence of a keyword, pattern or exclude phrase in a transcript."""

    term: str  # the keyword or pattern as written in the codebook
    kind: str  # keyword | folded (typed without diacritics) | pattern | exclude | context
    start: int  # character offsets into the transcript text
    end: int
    first: int  # token indices [first, last]
    last: int

    @property
    def weight(self) -> float:
        """Score contribution of this term."""
        return _weight(self.term, self.kind)


def _weight(term: str, kind: str) -> float:
    if kind == "context":
        return CONTEXT_WEIGHT
    weight = PHRASE_WEIGHT if kind == "pattern" or " " in term else WORD_WEIGHT
    return weight * FOLDED_FACTOR if kind == "folded" else weight


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
    context: tuple[Hit, ...] = ()  # hits in the interviewer's question before the turn


def phrase_keys(texts: Sequence[str], lang: str) -> list[tuple[str, ...]]:
    """Key sequences of phrases, made with the language's pipeline (nlp.pipe)."""
    nlp = pipeline(lang).nlp
    return [tuple(t.norm_ for t in doc if not t.is_space) for doc in nlp.pipe(texts)]


def rule_phrases(codes: Sequence[Code]) -> list[str]:
    """Every phrase the codes' rules need keyed (keywords, excludes, context vetoes)."""
    texts: list[str] = []
    for code in codes:
        texts.extend(code.keywords)
        texts.extend(code.rules.get("exclude", []))
        for words in (code.rules.get("exclude_context") or {}).values():
            texts.extend(words)
    return list(dict.fromkeys(texts))


def compile_rules(
    codes: Sequence[Code], lang: str, known: Mapping[str, tuple[str, ...]] | None = None
) -> list[CodeRules]:
    """Every code's rules keyed for one language (one nlp.pipe call for all phrases).

    known: phrase -> keys already made by this language's pipeline (a cache); only the
    other phrases are run through spaCy, so a fully cached run never imports it.
    """
    unique = rule_phrases(codes)
    keyed = {t: tuple(known[t]) for t in unique if known and t in known}
    missing = [t for t in unique if t not in keyed]
    if missing:
        keyed.update(zip(missing, phrase_keys(missing, lang), strict=True))
    out = []
    for code in codes:
        rules = code.rules or {}
        vetoes = tuple(
            (str(k), tuple(Phrase(w, keyed[w]) for w in words if keyed[w]))
            for k, words in (rules.get("exclude_context") or {}).items()
        )
        out.append(
            CodeRules(
                code=code.name,
                code_id=code.id,
                keywords=tuple(Phrase(k, keyed[k]) for k in code.keywords if keyed[k]),
                excludes=tuple(Phrase(k, keyed[k]) for k in rules.get("exclude", []) if keyed[k]),
                patterns=tuple(re.compile(p, re.IGNORECASE) for p in rules.get("patterns", [])),
                window=rules.get("window", "turn") if rules.get("window") in WINDOWS else "turn",
                context_vetoes=vetoes,
                min_score=float(rules.get("min_score") or 0.0),
                lang=lang,
                negation=bool(rules.get("negation", True)),
            )
        )
    return out


class _Hits(NamedTuple):
    """Hits of one code as parallel arrays (term index into `terms`)."""

    terms: list[tuple[str, str]]  # (term, kind)
    term: Any
    first: Any
    last: Any
    start: Any
    end: Any


def _phrase_arrays(
    table: TokenTable,
    phrases: Sequence[Phrase],
    kind: str,
    terms: list[tuple[str, str]],
    folded: Mapping[str, list[int]] | None = None,
) -> list[tuple[Any, Any, Any]]:
    import numpy as np

    out = []
    for phrase in phrases:
        pos = phrase_starts(table, phrase.keys)
        if len(pos):
            out.append((np.full(len(pos), len(terms)), pos, pos + len(phrase.keys) - 1))
        terms.append((phrase.text, kind))
        if folded is not None:
            weak = folded_starts(table, phrase.keys, pos, folded)
            if len(weak):
                out.append((np.full(len(weak), len(terms)), weak, weak + len(phrase.keys) - 1))
            terms.append((phrase.text, "folded"))
    return out


def _pattern_arrays(
    table: TokenTable,
    rules: CodeRules,
    text: CaselessText,
    turns: Sequence[tuple[int, int]],
    terms: list[tuple[str, str]],
) -> tuple[list[tuple[Any, Any, Any]], Any, Any]:
    """Regex matches lying inside the given turns (one search over the whole text)."""
    import numpy as np

    parts, starts, ends = [], [], []
    if turns and rules.patterns and len(table):
        t_start = np.array([t[0] for t in turns])
        t_end = np.array([t[1] for t in turns])
        lo, hi = int(t_start.min()), int(t_end.max())
        for pattern in rules.patterns:
            spans = np.array(
                [m.span() for m in text.finditer(pattern, lo, hi)], dtype=np.int64
            ).reshape(-1, 2)
            terms.append((pattern.pattern, "pattern"))
            if not len(spans):
                continue
            i = np.searchsorted(t_start, spans[:, 0], side="right") - 1
            ok = (spans[:, 1] > spans[:, 0]) & (i >= 0)
            ok &= spans[:, 1] <= t_end[np.maximum(i, 0)]
            spans = spans[ok]
            first = np.maximum(np.searchsorted(table.starts, spans[:, 0], side="right") - 1, 0)
            last = np.maximum(np.searchsorted(table.starts, spans[:, 1] - 1, side="right") - 1, 0)
            parts.append((np.full(len(spans), len(terms) - 1), first, last))
            starts.append(spans[:, 0])
            ends.append(spans[:, 1])
    return parts, starts, ends


def _collect(
    table: TokenTable,
    rules: CodeRules,
    text: CaselessText,
    turns: Sequence[tuple[int, int]],
    folded: Mapping[str, list[int]],
) -> _Hits:
    import numpy as np

    terms: list[tuple[str, str]] = []
    words = _phrase_arrays(table, rules.keywords, "keyword", terms, folded)
    pats, p_starts, p_ends = _pattern_arrays(table, rules, text, turns, terms)

    def cat(xs: list[Any]) -> Any:
        return np.concatenate(xs) if xs else np.zeros(0, dtype=np.int64)

    term = cat([w[0] for w in words] + [p[0] for p in pats]).astype(np.int64)
    first = cat([w[1] for w in words] + [p[1] for p in pats]).astype(np.int64)
    last = cat([w[2] for w in words] + [p[2] for p in pats]).astype(np.int64)
    n_words = sum(len(w[0]) for w in words)
    start = np.concatenate([table.starts[first[:n_words]].astype(np.int64), *p_starts])
    end = np.concatenate([table.ends[last[:n_words]].astype(np.int64), *p_ends])
    return _Hits(terms, term, first, last, start, end)


def _vetoed(table: TokenTable, rules: CodeRules, hits: _Hits, sentence_of: Any) -> Any:
    """Hits with an exclude_context word within CONTEXT_DISTANCE tokens, same sentence."""
    import numpy as np

    out = np.zeros(len(hits.term), dtype=bool)
    n = len(table)
    for keyword, words in rules.context_vetoes:
        near = np.zeros(n, dtype=bool)
        for w in words:
            for p in phrase_starts(table, w.keys):
                near[p : p + len(w.keys)] = True
        if not near.any():
            continue
        applies = np.array(
            [keyword == "*" or hits.terms[t][0] == keyword for t in hits.term.tolist()],
            dtype=bool,
        )
        if not applies.any():
            continue
        for off in range(-CONTEXT_DISTANCE, CONTEXT_DISTANCE + 1):
            for anchor in (hits.first, hits.last):
                j = anchor + off
                ok = (j >= 0) & (j < n)
                jj = np.clip(j, 0, n - 1)
                ok &= sentence_of[jj] == sentence_of[anchor]
                ok &= (jj < hits.first) | (jj > hits.last)  # not the keyword itself
                out |= applies & ok & near[jj]
    return out


def _nested(turn: Any, start: Any, end: Any) -> Any:
    """Mask of hits lying inside a longer hit of the same turn ('slodze' in 'pilna slodze').

    Hits sorted by (turn, start, longest first): a hit is nested exactly when an earlier
    hit of its turn reaches past its end, or to its end from an earlier start. Nesting is
    transitive, so the running maximum over all earlier hits equals the one over kept hits.
    """
    import numpy as np

    n = len(turn)
    out = np.zeros(n, dtype=bool)
    if n < 2:
        return out
    order = np.lexsort((-(end - start), start, turn))
    t, s, e = turn[order], start[order], end[order]
    big = int(e.max()) + 1
    val = e + t * big  # turns sorted ascending: the running max never crosses into a turn
    run = np.maximum.accumulate(val)
    prev = np.concatenate(([-1], run[:-1]))
    nested = val < prev
    ties = np.flatnonzero(val == prev)
    if len(ties):
        # Same end as an earlier hit: nested if the earliest such hit (sorted by start, so
        # it starts first) starts before this one; an identical span is not nested.
        first_start: dict[int, int] = {}
        for v, st in zip(val.tolist(), s.tolist(), strict=True):
            first_start.setdefault(v, st)
        for i in ties.tolist():
            nested[i] = first_start[int(val[i])] < s[i]
    out[order] = nested
    return out


def _drop_nested(hits: list[Hit]) -> list[Hit]:
    """Drop a hit lying inside a longer one ('slodze' inside 'pilna slodze')."""
    import numpy as np

    if len(hits) < 2:
        return list(hits)
    start = np.array([h.start for h in hits], dtype=np.int64)
    end = np.array([h.end for h in hits], dtype=np.int64)
    nested = _nested(np.zeros(len(hits), dtype=np.int64), start, end)
    kept = [h for h, n in zip(hits, nested.tolist(), strict=True) if not n]
    return sorted(kept, key=lambda h: (h.start, -(h.end - h.start)))


def score(hits: Sequence[Hit]) -> float:
    """1 - prod(1 - weight) over distinct matched terms: more and longer terms score higher."""
    return _score([(h.term, h.weight) for h in hits])


def _score(pairs: Sequence[tuple[str, float]]) -> float:
    """score() of hits given as (term, weight) pairs, in the hits' order."""
    miss = 1.0
    # The set is built in the hits' order, so the product runs in score()'s order.
    for _term, weight in set(pairs):
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
    keyword and pattern match in the same window (turn or sentence). A turn outside
    only_turns right before a suggested turn (the interviewer's question) adds support.
    """
    import numpy as np

    if not len(table) or not turns:
        return []
    sentence_of = table.sentence_ids()
    sent_first = np.flatnonzero(table.sent_starts)
    sent_last = np.concatenate((sent_first[1:] - 1, [len(table) - 1]))
    allowed = np.ones(len(turns), dtype=bool)
    if only_turns is not None:
        allowed[:] = False
        allowed[[i for i in only_turns if 0 <= i < len(turns)]] = True
    # Patterns are searched in wanted turns and the questions before them only.
    if only_turns is None:
        searched = list(turns)
    else:
        searched = [
            t for i, t in enumerate(turns) if allowed[i] or (i + 1 < len(turns) and allowed[i + 1])
        ]
    flags: dict[str, tuple[Any, Any, Any, Any]] = {}
    folded = FoldedView(table)
    caseless = CaselessText(text)  # lowered once per transcript, for every code's patterns
    out: list[Passage] = []
    for rule in rules:
        if rule.empty:
            continue
        hits = _collect(table, rule, caseless, searched, folded)
        if not len(hits.term):
            continue
        turn = table.turn_of(hits.first).astype(np.int64)
        sentence = rule.window == "sentence"
        win = sentence_of[hits.first] if sentence else np.full(len(turn), -1)
        keep = np.ones(len(turn), dtype=bool)
        if rule.excludes:
            ex_terms: list[tuple[str, str]] = []
            parts = _phrase_arrays(table, rule.excludes, "exclude", ex_terms)
            if parts:
                ex_first = np.concatenate([p[1] for p in parts])
                ex_turn = table.turn_of(ex_first).astype(np.int64)
                ex_win = sentence_of[ex_first] if sentence else np.full(len(ex_turn), -1)
                # (turn, window) pairs as one number each: window ids are below len(table)
                size = len(table) + 1
                blocked = ex_turn * size + (ex_win + 1)
                keep &= ~np.isin(turn * size + (win + 1), blocked)
        if rule.negation and rule.lang in NEGATION_LANGUAGES:
            from .negation import break_sums, flags_of, negated

            if rule.lang not in flags:  # once per transcript, when a code first has hits
                neg, after, brk = flags_of(table, caseless, rule.lang)
                flags[rule.lang] = (neg, after, brk, break_sums(brk))
            neg, after, brk, sums = flags[rule.lang]
            keep &= ~negated(hits.first, hits.last, neg, after, brk, sentence_of, sums=sums)
        if rule.context_vetoes:
            keep &= ~_vetoed(table, rule, hits, sentence_of)
        keep &= ~_nested(turn, hits.start, hits.end)
        own = keep & allowed[turn]
        if not own.any():
            continue
        spans = (sentence_of, sent_first, sent_last)
        out.extend(_passages(table, rule, hits, turn, own, keep, allowed, turns, spans))
    return out


def _passages(
    table: TokenTable,
    rule: CodeRules,
    hits: _Hits,
    turn: Any,
    own: Any,
    keep: Any,
    allowed: Any,
    turns: Sequence[tuple[int, int]],
    spans: tuple[Any, Any, Any],
) -> list[Passage]:
    """One passage per wanted turn with hits: span, score (with the question's support)."""
    import numpy as np

    sentence_of, sent_first, sent_last = spans
    idx = np.flatnonzero(own)
    idx = idx[np.lexsort((-(hits.end[idx] - hits.start[idx]), hits.start[idx], turn[idx]))]
    terms = hits.terms
    pairs = [(term, _weight(term, kind)) for term, kind in terms]  # for score()
    by_support: dict[int, list[int]] = {}
    support = np.flatnonzero(keep & ~allowed[turn])
    for i, t in zip(support.tolist(), turn[support].tolist(), strict=True):
        by_support.setdefault(t, []).append(i)
    # Every Hit at once from plain lists (no per-hit numpy scalar access).
    columns = (hits.term, hits.start, hits.end, hits.first, hits.last)
    rows = zip(*(c[idx].tolist() for c in columns), strict=True)
    made_all = [Hit(terms[k][0], terms[k][1], s, e, f, la) for k, s, e, f, la in rows]
    kinds = hits.term[idx].tolist()
    group_turn = turn[idx]
    cuts = np.flatnonzero(np.diff(group_turn)) + 1
    lo_all = np.concatenate(([0], cuts)).tolist()
    hi_all = np.concatenate((cuts, [len(idx)])).tolist()
    if rule.window == "sentence":  # from the first to the last matched sentence
        first_sent = sentence_of[np.minimum.reduceat(hits.first[idx], lo_all)].tolist()
        last_sent = sentence_of[np.maximum.reduceat(hits.last[idx], lo_all)].tolist()
    out = []
    for g, (lo, hi, t) in enumerate(zip(lo_all, hi_all, group_turn[lo_all].tolist(), strict=True)):
        made = made_all[lo:hi]
        ctx_ids = by_support.get(t - 1, []) if t > 0 else []
        ctx = [_hit(hits, i, "context") for i in ctx_ids]
        found = [pairs[k] for k in kinds[lo:hi]]
        found += [(terms[int(hits.term[i])][0], CONTEXT_WEIGHT) for i in ctx_ids]
        value = _score(found)
        if value < rule.min_score:
            continue
        start, end = turns[t]
        if rule.window == "sentence":
            s_start = max(int(table.starts[sent_first[first_sent[g]]]), start)
            s_end = min(int(table.ends[sent_last[last_sent[g]]]), end)
            if s_start < s_end:
                start, end = s_start, s_end
        out.append(Passage(rule.code, rule.code_id, t, start, end, value, tuple(made), tuple(ctx)))
    return out


def _hit(hits: _Hits, i: int, kind: str | None) -> Hit:
    term, own_kind = hits.terms[int(hits.term[i])]
    return Hit(
        term,
        kind or own_kind,
        int(hits.start[i]),
        int(hits.end[i]),
        int(hits.first[i]),
        int(hits.last[i]),
    )
