"""Keyword discovery: keyness of a code's turns or of attribute groups (with KWIC lines),
turns similar to a turn or a code, and explanations of matching keys."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .codebook_ops import stored_codebook
from .errors import NotFound, QualcodeError
from .models import RESPONDENT

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from .codebook_ops import CodebookLoad
    from .nlp.cache import TokenTable, TranscriptText
    from .nlp.keys import KeyInfo
    from .store import Store

KWIC_WIDTH = 45
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Context:
    """A keyword-in-context line."""

    transcript: str
    turn: int
    left: str
    word: str
    right: str


@dataclass(frozen=True)
class KeyTerm:
    """A key distinctive of the target passages, with a form to use as a keyword."""

    term: str  # candidate keyword (the dictionary lemma when it has the same key)
    key: str
    target: int  # occurrences in target turns
    reference: int  # occurrences in the other respondent turns
    g2: float
    log_ratio: float
    significance: str  # *, **, ***
    in_codebook: bool
    forms: tuple[str, ...]
    contexts: tuple[Context, ...]


@dataclass(frozen=True)
class KeynessResult:
    """Keyness of one target (a code's turns, or one attribute group) against the rest."""

    target: str  # "needs-training" or "town=Rīga"
    target_turns: int
    reference_turns: int
    target_tokens: int
    reference_tokens: int
    terms: tuple[KeyTerm, ...]


@dataclass(frozen=True)
class SimilarTurn:
    """A turn ranked by similarity to the query."""

    transcript: str
    turn: int
    score: float
    text: str
    codes: tuple[str, ...]
    shared: tuple[str, ...]  # the keys that contribute most


@dataclass(frozen=True)
class SimilarResult:
    """The query and the turns most like it."""

    query: str
    turns: tuple[SimilarTurn, ...]


@dataclass(frozen=True)
class KeyExplanation:
    """How one word (or phrase) is keyed, and which codes' keywords share its key."""

    word: str
    lang: str
    tokens: tuple[KeyInfo, ...]
    key: str
    codes: tuple[str, ...]


@dataclass(frozen=True)
class KeywordsAdded:
    """Keywords written into the codebook file, and the reload that followed."""

    path: Path
    code: str
    added: tuple[str, ...]
    load: CodebookLoad | None


@dataclass
class _Corpus:
    """Every respondent turn as global key ids, with what it came from."""

    items: list[TranscriptText]
    tables: dict[int, TokenTable]
    keys: list[str]
    content: NDArray[np.bool_]  # per global key: not a stop word, number or punctuation
    turns: list[tuple[TranscriptText, int]]  # (transcript, turn position)
    token_ids: list[NDArray[np.int64]]  # global key ids of each turn's tokens
    token_pos: list[NDArray[np.int64]]  # token indices in the transcript's table


def _corpus(store: Store) -> _Corpus:
    import numpy as np

    from .nlp.cache import load_tables, transcript_texts
    from .nlp.pipeline import stop_keys

    book = stored_codebook(store)
    items = transcript_texts(store, default_language=book.language if book else None)
    if not items:
        raise QualcodeError("no transcripts yet; import some with `qualcode import`")
    tables, _ = load_tables(store, items)
    index: dict[str, int] = {}
    stops: set[str] = set()
    corpus = _Corpus(items, tables, [], np.zeros(0, bool), [], [], [])
    for item in items:
        stops |= stop_keys(item.language)
        table = tables[item.id]
        mapping = np.array([index.setdefault(k, len(index)) for k in table.keys], dtype=np.int64)
        bounds = [*table.turn_starts.tolist(), len(table)]
        for pos, turn in enumerate(item.turns):
            if turn.role != RESPONDENT:
                continue
            idx = np.arange(bounds[pos], bounds[pos + 1], dtype=np.int64)
            corpus.turns.append((item, pos))
            corpus.token_ids.append(mapping[table.key_ids[idx]] if len(idx) else idx)
            corpus.token_pos.append(idx)
    corpus.keys = list(index)
    corpus.content = np.array(
        [len(k) > 1 and any(ch.isalpha() for ch in k) and k not in stops for k in corpus.keys],
        dtype=bool,
    )
    return corpus


def _tagged_turns(store: Store, code_ids: Sequence[int]) -> dict[int, set[str]]:
    """Turn id -> names of these codes tagged on it."""
    return store.tags.turn_codes(code_ids)


def _counts(corpus: _Corpus, turns: Sequence[int]) -> NDArray[np.int64]:
    import numpy as np

    n = len(corpus.keys)
    if not turns:
        return np.zeros(n, dtype=np.int64)
    ids = np.concatenate([corpus.token_ids[i] for i in turns])
    counts: NDArray[np.int64] = np.bincount(ids, minlength=n).astype(np.int64)
    counts[~corpus.content] = 0
    return counts


def _kwic(
    corpus: _Corpus, turns: Sequence[int], gid: int, limit: int
) -> tuple[list[Context], Counter[str]]:
    contexts: list[Context] = []
    forms: Counter[str] = Counter()
    for i in turns:
        item, pos = corpus.turns[i]
        turn = item.turns[pos]
        table = corpus.tables[item.id]
        for j in corpus.token_pos[i][corpus.token_ids[i] == gid].tolist():
            s, e = int(table.starts[j]), int(table.ends[j])
            forms[item.text[s:e]] += 1
            if len(contexts) < limit:
                left = _SPACES.sub(" ", item.text[max(turn.start, s - KWIC_WIDTH) : s])
                right = _SPACES.sub(" ", item.text[e : min(turn.end, e + KWIC_WIDTH)])
                contexts.append(Context(item.name, turn.number, left, item.text[s:e], right))
    return contexts, forms


def _keyword_form(forms: Counter[str], key: str, lang: str) -> str:
    """The form to propose as a keyword: the dictionary lemma if it keeps the key."""
    from .nlp.keys import keyer

    common = forms.most_common(1)[0][0] if forms else key
    k = keyer(lang)
    lemma = k.explain(common).lemma
    word = lemma if lemma and k(lemma) == key else common
    # Names and abbreviations (NVA, Pumpurs) keep their capitals; other words are lowercased.
    proper = all(f[:1].isupper() for f in forms) and bool(forms)
    return word if proper else word.lower()


def _rank(
    corpus: _Corpus,
    label: str,
    target: list[int],
    reference: list[int],
    *,
    limit: int,
    min_freq: int,
    contexts: int,
    known: set[str],
) -> KeynessResult:
    from .nlp.stats import keyness, significance

    a, b = _counts(corpus, target), _counts(corpus, reference)
    terms = []
    for s in keyness(a, b, min_freq=min_freq, limit=limit):
        key = corpus.keys[s.index]
        lines, forms = _kwic(corpus, target, s.index, contexts)
        lang = corpus.turns[target[0]][0].language
        terms.append(
            KeyTerm(
                _keyword_form(forms, key, lang),
                key,
                s.target,
                s.reference,
                s.g2,
                s.log_ratio,
                significance(s.g2),
                key in known,
                tuple(f for f, _ in forms.most_common(5)),
                tuple(lines),
            )
        )
    return KeynessResult(
        label, len(target), len(reference), int(a.sum()), int(b.sum()), tuple(terms)
    )


def keyness(
    store: Store,
    code: str | None = None,
    *,
    by: str | None = None,
    limit: int = 20,
    min_freq: int = 2,
    contexts: int = 3,
) -> list[KeynessResult]:
    """Keys distinguishing a code's respondent turns from the other respondent turns, or
    (by=ATTR) each attribute group's respondent turns from everyone else's."""
    if (code is None) == (by is None):
        raise QualcodeError("name a code, or give --by ATTRIBUTE (one of the two)")
    corpus = _corpus(store)
    if code is not None:
        c = store.codes.get(code)
        family = store.codes.descendants(c)
        tagged = _tagged_turns(store, [x.id for x in family])
        target = [i for i, (item, pos) in enumerate(corpus.turns) if item.turns[pos].id in tagged]
        if not target:
            raise QualcodeError(
                f"no respondent turn is tagged with {c.name} yet; tag a few "
                "(or accept suggestions) and run this again"
            )
        reference = [i for i in range(len(corpus.turns)) if i not in set(target)]
        known = _known_keys(store, family, {corpus.turns[i][0].language for i in target})
        return [
            _rank(
                corpus,
                c.name,
                target,
                reference,
                limit=limit,
                min_freq=min_freq,
                contexts=contexts,
                known=known,
            )
        ]
    assert by is not None
    values = _attribute_values(store, by)
    groups: dict[str, list[int]] = {}
    for i, (item, _) in enumerate(corpus.turns):
        value = values.get(item.id)
        if value is not None:
            groups.setdefault(value, []).append(i)
    everyone = [i for members in groups.values() for i in members]
    out = []
    for value, members in sorted(groups.items()):
        inside = set(members)
        out.append(
            _rank(
                corpus,
                f"{by}={value}",
                members,
                [i for i in everyone if i not in inside],
                limit=limit,
                min_freq=min_freq,
                contexts=contexts,
                known=set(),
            )
        )
    return out


def _attribute_values(store: Store, attr: str) -> dict[int, str]:
    """Transcript id -> its respondent's value of an attribute."""
    keys = store.respondents.keys()
    if attr not in keys:
        from .errors import not_found

        raise not_found(
            "attribute", attr, keys, hint="load attributes with `qualcode import --attributes FILE`"
        )
    return store.respondents.transcript_values(attr)


def _known_keys(store: Store, codes: Sequence[Any], langs: set[str]) -> set[str]:
    from .nlp.matching import phrase_keys

    words = [w for c in codes for w in c.keywords]
    known: set[str] = set()
    for lang in langs:
        for keys in phrase_keys(words, lang) if words else []:
            known.update(keys)
    return known


def add_keywords(store: Store, code: str, words: Sequence[str]) -> KeywordsAdded:
    """Append keywords to a code in the codebook file (comments kept) and reload it."""
    from .codebook import add_keywords as add_to_file
    from .codebook_ops import load_codebook

    c = store.codes.get(code)
    row = store.codes.latest_version()
    source = Path(row["source"]) if row and row["source"] else None
    if source is None or not source.is_file():
        raise QualcodeError(
            f"the codebook file {source or '(unknown)'} is not there any more; "
            "load the codebook again with `qualcode codebook load FILE`"
        )
    cleaned = [w.strip() for w in words if w.strip()]
    if not cleaned:
        raise QualcodeError('no keywords given; write e.g. --add "kursi,apmācība"')
    added = add_to_file(source, c.name, cleaned)
    load = load_codebook(store, source) if added else None
    return KeywordsAdded(source, c.name, tuple(added), load)


def similar(
    store: Store,
    *,
    transcript: str | None = None,
    turn: int | None = None,
    code: str | None = None,
    limit: int = 10,
    include_tagged: bool = False,
) -> SimilarResult:
    """Respondent turns most like one turn or like all turns of a code (TF-IDF cosine).

    Turns already tagged with the query's codes are left out unless include_tagged.
    """
    import numpy as np

    from .nlp.stats import TfIdf

    corpus = _corpus(store)
    docs = [ids[corpus.content[ids]] if len(ids) else ids for ids in corpus.token_ids]
    model = TfIdf(docs, len(corpus.keys))
    codes = store.codes.all(include_inactive=True)
    tags = _tagged_turns(store, [c.id for c in codes]) if codes else {}
    position = {
        (item.name, item.turns[pos].number): i for i, (item, pos) in enumerate(corpus.turns)
    }
    if code is not None:
        c = store.codes.get(code)
        names = {x.name for x in store.codes.descendants(c)}
        query = [
            i
            for i, (item, pos) in enumerate(corpus.turns)
            if tags.get(item.turns[pos].id, set()) & names
        ]
        if not query:
            raise QualcodeError(f"no respondent turn is tagged with {c.name} yet")
        label = f"turns tagged {c.name} ({len(query)})"
    else:
        if transcript is None or turn is None:
            raise QualcodeError("give a transcript and a turn number, or --code CODE")
        t = store.transcripts.get(transcript)
        if (t.name, turn) not in position:
            raise NotFound(f"{t.name} has no respondent turn {turn}; see `qualcode show {t.name}`")
        query = [position[(t.name, turn)]]
        item, pos = corpus.turns[query[0]]
        names = tags.get(item.turns[pos].id, set())
        label = f"{t.name} turn {turn}"
    vector = model.centroid(query)
    scores = model.cosine(vector)
    skip = set(query)
    rows: list[SimilarTurn] = []
    for i in np.argsort(-scores, kind="stable").tolist():
        if len(rows) >= limit or scores[i] <= 0:
            break
        item, pos = corpus.turns[i]
        u = item.turns[pos]
        have = tags.get(u.id, set())
        if i in skip or (names and not include_tagged and names & have):
            continue
        uniq, weights = model.rows[i]
        contrib = sorted(
            (
                (vector.get(int(k), 0.0) * float(w), corpus.keys[int(k)])
                for k, w in zip(uniq, weights, strict=True)
            ),
            reverse=True,
        )
        rows.append(
            SimilarTurn(
                item.name,
                u.number,
                round(float(scores[i]), 3),
                u.text,
                tuple(sorted(have)),
                tuple(k for v, k in contrib[:5] if v > 0),
            )
        )
    return SimilarResult(label, tuple(rows))


def explain_keys(
    words: Sequence[str], *, lang: str | None = None, store: Store | None = None
) -> list[KeyExplanation]:
    """Each word's (or phrase's) lemma and matching key, and the codes whose keywords share it."""
    from .nlp.keys import keyer
    from .nlp.matching import phrase_keys
    from .nlp.pipeline import pipeline

    book = stored_codebook(store) if store is not None else None
    lang = (lang or (book.language if book else None) or "lv").lower()
    words = [w.strip() for w in words if w.strip()]
    if not words:
        raise QualcodeError("give at least one word (or `-` to read words from stdin)")
    nlp = pipeline(lang).nlp
    k = keyer(lang)
    codes = store.codes.all(include_inactive=False) if store is not None else []
    keyword_keys: dict[tuple[str, ...], list[str]] = {}
    all_words = [w for c in codes for w in c.keywords]
    keyed = phrase_keys(all_words, lang) if all_words else []
    for word, keys in zip(all_words, keyed, strict=True):
        keyword_keys.setdefault(keys, []).append(word)
    owners = {w: c.name for c in codes for w in c.keywords}
    out = []
    for word, doc in zip(words, nlp.pipe(words), strict=True):
        infos = tuple(k.explain(t.text) for t in doc if not t.is_space)
        keys = tuple(t.norm_ for t in doc if not t.is_space)
        hits = [
            f"{owners[w]}:{w}"
            for kk, ws in keyword_keys.items()
            for w in ws
            if _contains(kk, keys) or _contains(keys, kk)
        ]
        out.append(KeyExplanation(word, lang, infos, " ".join(keys), tuple(dict.fromkeys(hits))))
    return out


def _contains(outer: tuple[str, ...], inner: tuple[str, ...]) -> bool:
    n = len(inner)
    return n > 0 and any(outer[i : i + n] == inner for i in range(len(outer) - n + 1))
