"""Finding every place words are said: lemma-key search (Latvian inflections included) or regex.

Words are keyed with the same pipeline as codebook keywords (nlp/matching.phrase_keys) and
looked up in the cached token tables (nlp/cache.load_tables), so `search alga` finds "algas",
"algu" and "algām" exactly where `suggest` would; spaCy runs only for transcripts not cached
yet. Hits are keyword-in-context lines with transcript, turn, speaker and respondent
attributes; `tag_hits` tags the hits' turns as one recorded command.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .errors import QualcodeError
from .models import Turn

if TYPE_CHECKING:
    from .nlp.cache import TokenTable, TranscriptText
    from .store import Store
    from .tagging import TagChange

CONTEXT = 40  # characters of context either side of a hit


@dataclass(frozen=True)
class SearchHit:
    """One occurrence: where it is, who said it, and the words around it."""

    transcript: str
    turn: int
    speaker: str
    role: str
    respondent: str | None
    start: int
    end: int
    text: str  # the words found, as written
    before: str  # context before, within the turn, on one line
    after: str
    attributes: dict[str, str] = field(default_factory=dict)
    group: str = ""  # the --by attribute values, "Talsi / mediator"
    codes: tuple[str, ...] = ()  # codes tagged on the turn


@dataclass(frozen=True)
class SearchResult:
    """Every hit of a search, in (group,) transcript and text order."""

    query: str
    regex: bool
    hits: list[SearchHit]
    transcripts: int  # transcripts searched
    tokenised: int = 0  # transcripts tokenised now (not cached before)
    by: tuple[str, ...] = ()
    code: str | None = None

    def group_counts(self) -> dict[str, int]:
        """Hits per group (one group, '', without --by)."""
        out: dict[str, int] = {}
        for h in self.hits:
            out[h.group] = out.get(h.group, 0) + 1
        return out

    def turns(self) -> dict[str, list[int]]:
        """Transcript -> the distinct turn numbers with a hit, in order."""
        out: dict[str, list[int]] = {}
        for h in self.hits:
            numbers = out.setdefault(h.transcript, [])
            if h.turn not in numbers:
                numbers.append(h.turn)
        return out


def _one_line(text: str) -> str:
    # Runs of whitespace become one space; the space next to the hit stays.
    return re.sub(r"\s+", " ", text)


def _hit(
    item: TranscriptText, turn: Turn, start: int, end: int, context: int = CONTEXT
) -> tuple[int, int, str, str, str]:
    text = item.text
    before = text[max(turn.start, start - context) : start]
    after = text[end : min(turn.end, end + context)]
    if start - context > turn.start:
        before = "…" + before.lstrip()
    if end + context < turn.end:
        after = after.rstrip() + "…"
    return start, end, text[start:end], _one_line(before), _one_line(after)


def _phrases(query: str) -> list[str]:
    """'alga, par maz' -> ['alga', 'par maz']: comma-separated alternatives."""
    return [p.strip() for p in query.split(",") if p.strip()]


def _key_spans(table: TokenTable, keyed: list[tuple[str, ...]]) -> list[tuple[int, int]]:
    """Character spans where any of the key sequences occurs (also typed without diacritics)."""
    from .nlp.phrases import folded_index as _folded_index
    from .nlp.phrases import folded_starts as _folded_starts
    from .nlp.phrases import phrase_starts as _phrase_starts

    folded = _folded_index(table)
    spans = set()
    for keys in keyed:
        if not keys:
            continue
        exact = _phrase_starts(table, keys)
        for starts in (exact, _folded_starts(table, keys, exact, folded)):
            for p in starts.tolist():
                spans.add((int(table.starts[p]), int(table.ends[p + len(keys) - 1])))
    return sorted(spans)


def _regex_spans(pattern: re.Pattern[str], item: TranscriptText) -> list[tuple[int, int]]:
    out = []
    for u in item.turns:
        for m in pattern.finditer(item.text, u.start, u.end):
            if m.end() > m.start():
                out.append((m.start(), m.end()))
    return out


def search(
    store: Store,
    query: str,
    *,
    regex: bool = False,
    code: str | None = None,
    by: Sequence[str] = (),
    transcripts: Sequence[str] | None = None,
    context: int = CONTEXT,
) -> SearchResult:
    """Every occurrence of the words (any inflection; commas separate alternatives) or regex.

    `code` keeps hits in turns tagged with that code (or a code below it); `by` groups the
    hits by respondent attributes.
    """
    from .nlp.cache import load_tables, transcript_texts

    if not query.strip():
        raise QualcodeError("give the words to search for, e.g. `qualcode search alga`")
    pattern = None
    if regex:
        try:
            pattern = re.compile(query, re.IGNORECASE)
        except re.error as exc:
            raise QualcodeError(f"{query!r} is not a valid regular expression: {exc}") from None
    known = set(store.respondents.keys())
    missing = [a for a in by if a not in known]
    if missing:
        raise QualcodeError(
            f"no attribute {missing[0]!r}; known: {', '.join(sorted(known)) or 'none'}"
        )
    allowed: set[tuple[str, int]] | None = None
    if code is not None:
        ids = [c.id for c in store.codes.descendants(store.codes.get(code))]
        allowed = {
            (g.transcript, g.turn_number)
            for g in store.tags.all(code_ids=ids, include_detached=False)
            if g.turn_number is not None
        }
    items = transcript_texts(store, names=transcripts)
    if allowed is not None:  # only transcripts with a tagged turn need tokenising
        names = {t for t, _ in allowed}
        items = [i for i in items if i.name in names]
    tokenised = 0
    tables: dict[int, TokenTable] = {}
    keyed: dict[str, list[tuple[str, ...]]] = {}
    if pattern is None:
        from .nlp.matching import phrase_keys

        tables, tokenised = load_tables(store, items)
        for lang in sorted({i.language for i in items}):
            keyed[lang] = phrase_keys(_phrases(query), lang)
    meta = {t.id: t for t in store.transcripts.all()}
    turn_codes = _turn_codes(store)
    hits = []
    for item in items:
        spans = (
            _regex_spans(pattern, item)
            if pattern is not None
            else _key_spans(tables[item.id], keyed[item.language])
        )
        if not spans:
            continue
        t = meta[item.id]
        starts = [u.start for u in item.turns]
        for start, end in spans:
            pos = bisect.bisect_right(starts, start) - 1
            if pos < 0:
                continue
            turn = item.turns[pos]
            if allowed is not None and (item.name, turn.number) not in allowed:
                continue
            s, e, text, before, after = _hit(item, turn, start, end, context)
            hits.append(
                SearchHit(
                    transcript=item.name,
                    turn=turn.number,
                    speaker=turn.speaker,
                    role=turn.role,
                    respondent=t.respondent,
                    start=s,
                    end=e,
                    text=text,
                    before=before,
                    after=after,
                    attributes=dict(t.attributes),
                    group=" / ".join(t.attributes.get(a, "") or "–" for a in by),
                    codes=tuple(sorted(turn_codes.get(turn.id, ()))),
                )
            )
    hits.sort(key=lambda h: (h.group, h.transcript, h.start))
    return SearchResult(query, regex, hits, len(items), tokenised, tuple(by), code)


def _turn_codes(store: Store) -> dict[int, set[str]]:
    codes = store.codes.all()
    return store.tags.turn_codes([c.id for c in codes]) if codes else {}


def tag_hits(
    store: Store, result: SearchResult, code: str, *, coder: str | None = None
) -> list[TagChange]:
    """Tag every turn with a hit with a code, as one recorded command (one `undo`)."""
    from .tagging import tag

    store.codes.get(code)  # an unknown code fails before anything is written
    changes: list[TagChange] = []
    with store.write(coder=coder or store.default_coder()):
        for transcript, numbers in result.turns().items():
            changes += tag(
                store, transcript, [code], turns=",".join(map(str, numbers)), coder=coder
            )
    return changes
