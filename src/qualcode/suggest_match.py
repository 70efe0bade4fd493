"""Running the codebook's rules for `suggest`: which transcripts and codes, kept current.

Reads transcripts as heads (no text) and their texts a chunk at a time, compiles each
language's rules (keyword keys cached in the project, plain words keyed without spaCy), and
keeps the match cache (nlp/match_cache.py) current: only stale (transcript, code) pairs are
tokenised and matched, in worker processes when there is much to do (nlp/batch.py).
"""

from __future__ import annotations

import dataclasses
import json
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .codebook_ops import stored_codebook
from .models import RESPONDENT, Code

if TYPE_CHECKING:
    from .nlp.batch import Background, Done, Job
    from .nlp.cache import TranscriptText
    from .nlp.matching import CodeRules
    from .store import Store

# (phase description, steps just done, total steps of the phase)
Progress = Callable[[str, int, int], None]
# (transcript with text and turns, all its codes matched?, the passages found)
Matched = Callable[["TranscriptText", bool, list[Any]], None]


def select_transcripts(
    store: Store, names: Sequence[str] | None, *, with_text: bool = True
) -> list[TranscriptText]:
    """Transcripts by name (None: all) in name order, in full or as heads (no text)."""
    from .nlp.cache import transcript_texts

    resolved = [store.transcripts.get(n).name for n in names] if names else None
    # The codebook's language as stored when it was loaded (parsing its YAML again costs a
    # tenth of a second); an older row without it is parsed.
    version = store.codes.latest_version()
    language = version.get("language") if version else None
    if version is not None and not language:
        book = stored_codebook(store)
        language = book.language if book else None
    return transcript_texts(store, names=resolved, default_language=language, with_text=with_text)


def with_texts(
    store: Store, part: Sequence[TranscriptText], *, new_turns: bool = False
) -> list[TranscriptText]:
    """Transcripts given as heads (no text) with their text read in, and their turns when
    the heads had none (dropped to save memory) or new_turns; ones with text stay as they
    are. A head keeps what it was resolved to (its language). A head's own turns are kept
    as they are, without their texts: nothing that matches or stores reads a turn's text.

    new_turns while worker processes run: the heads' turns were made before the workers
    forked, so the pages they sit on are shared, and using them here (each use writes a
    reference count) would copy those pages, some 40 MB at 10 M words."""
    heads = [i.id for i in part if not i.text]
    if not heads:
        return list(part)
    texts = {r["id"]: str(r["text"]) for r in store.transcripts.texts(heads)}
    bare = {i.id: texts[i.id] for i in part if i.id in texts and (new_turns or not i.turns)}
    turns = store.transcripts.turns_of(bare) if bare else {}
    return [
        (
            dataclasses.replace(i, text=texts[i.id], turns=tuple(turns[i.id]))
            if i.id in turns
            else dataclasses.replace(i, text=texts[i.id])
        )
        if i.id in texts
        else i
        for i in part
    ]


PHRASE_KEYS = "phrase-keys/"  # + pipeline version: the models-table entry of keyword keys


def rules_for(store: Store, codes: Sequence[Code], lang: str) -> tuple[Any, str | None]:
    """Compiled rules for a language, with keyword keys from the project's cache when it has
    them, or made from the keyer for plain words (then spaCy is not even imported); the
    pipeline's warning, if any."""
    from .nlp.keys import plain_phrase_keys
    from .nlp.matching import compile_rules, rule_phrases
    from .nlp.pipeline import pipeline_version

    name = PHRASE_KEYS + pipeline_version(lang)
    stored = store.learned.get(name)
    cached: dict[str, Any] = json.loads(stored[1]) if stored else {}
    known = {k: tuple(v) for k, v in cached.get("keys", {}).items()}
    phrases = rule_phrases(codes)
    missing = [p for p in phrases if p not in known]
    if not missing and "warning" in cached:
        return compile_rules(codes, lang, known), cached["warning"]
    warning: str | None = cached.get("warning")
    specials = frozenset(str(s) for s in cached.get("specials") or ())
    complete = "warning" in cached and isinstance(cached.get("specials"), list)
    if complete:
        for p in missing:
            plain = plain_phrase_keys(p, lang, specials)
            if plain is not None:
                known[p] = plain
        missing = [p for p in missing if p not in known]
    if missing or not complete:
        from .nlp.matching import phrase_keys
        from .nlp.pipeline import pipeline

        known.update(zip(missing, phrase_keys(missing, lang), strict=True))
        nlp = pipeline(lang)
        warning = nlp.warning
        rules = nlp.nlp.tokenizer.rules or {}  # type: ignore[union-attr]
        specials = frozenset(s for s in rules if any(ch.isalpha() for ch in s))
    data = {
        "keys": {k: list(v) for k, v in sorted(known.items())},
        "warning": warning,
        "specials": sorted(specials),
    }
    store.learned.save(name, "", json.dumps(data, ensure_ascii=False))
    return compile_rules(codes, lang, known), warning


# Transcripts whose passages (and, when learning, examples and predictions) are held at once
# while storing. Each prediction worker and the parent hold a chunk or two: at 10 M words
# with learning, 50 -> 20 took the peak from 772 to 645 MB, 20 -> 10 from 426-446 to
# 389-405 MB and 10 -> 6 from 390-393 to 373-375 MB, each at the same speed (also at 1 M).
CHUNK = 6


def chunked(items: Sequence[TranscriptText]) -> list[Sequence[TranscriptText]]:
    """The transcripts in chunks of CHUNK (the unit of reading texts and storing)."""
    return [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]


def compile_all(
    store: Store,
    codes: Sequence[Code],
    everything: Sequence[TranscriptText],
    items: Sequence[TranscriptText],
) -> tuple[dict[str, list[CodeRules]], list[str]]:
    """Every language's compiled rules and the pipelines' warnings."""
    warnings = []
    rules_by_lang: dict[str, list[CodeRules]] = {}
    for lang in sorted({i.language for i in everything}):
        rules_by_lang[lang], warning = rules_for(store, codes, lang)
        if warning:
            names = ", ".join(i.name for i in items if i.language == lang)
            warnings.append(f"{names}: {warning}")
    return rules_by_lang, warnings


def _only_turns(item: TranscriptText, include_interviewer: bool) -> set[int] | None:
    if include_interviewer:
        return None
    return {i for i, t in enumerate(item.turns) if t.role == RESPONDENT}


def _expected(
    rules_by_lang: Mapping[str, Sequence[CodeRules]],
    items: Sequence[TranscriptText],
    include_interviewer: bool,
) -> Iterator[tuple[TranscriptText, list[tuple[CodeRules, str]]]]:
    """Each transcript with its codes' rules and the fingerprint their matches must have."""
    from .nlp.match_cache import pair_fingerprint, rules_fingerprint, transcript_fingerprint

    by_rule = {
        id(r): rules_fingerprint(r)
        for rules in rules_by_lang.values()
        for r in rules
        if not r.empty
    }
    for item in items:
        tfp = transcript_fingerprint(item, _only_turns(item, include_interviewer))
        yield (
            item,
            [
                (r, pair_fingerprint(tfp, by_rule[id(r)]))
                for r in rules_by_lang[item.language]
                if not r.empty
            ],
        )


def match_fingerprints(
    rules_by_lang: Mapping[str, Sequence[CodeRules]],
    items: Sequence[TranscriptText],
    include_interviewer: bool,
) -> dict[int, list[str]]:
    """Transcript id -> the fingerprints its codes' matches have (text, turns, rules)."""
    return {
        item.id: [fp for _rule, fp in pairs]
        for item, pairs in _expected(rules_by_lang, items, include_interviewer)
    }


def to_tokenise(store: Store, items: Sequence[TranscriptText]) -> list[TranscriptText]:
    """The transcripts without a current token table (tokenised when matched)."""
    from .nlp.cache import is_current

    by_id = {i.id: i for i in items}
    current = {
        tid
        for tid, version, sha in store.cache.versions(list(by_id))
        if is_current(by_id[tid], version, sha)
    }
    return [i for i in items if i.id not in current]


def start_keying(store: Store, items: Sequence[TranscriptText]) -> Background | None:
    """Key the words of the transcripts about to be tokenised in a child process, while
    this one goes on (imports spaCy, compiles the rules); None when there is not much to
    tokenise. `ensure_matches` takes the keys before its workers fork, so they start
    knowing them: keying a word is some 30 microseconds, paid by every tokenising process
    for every word it meets, here once and on a core that would otherwise wait.
    """
    from .nlp.batch import Background, can_isolate, worker_count
    from .nlp.keys import keyer

    todo = to_tokenise(store, items)
    if not can_isolate() or worker_count(todo) <= 1:
        return None
    wanted = [(i.id, i.language) for i in todo]
    for lang in sorted({lang for _, lang in wanted}):
        keyer(lang).warm()  # the dictionary, loaded once here for every process after
    path = store.path
    return Background(lambda send: _key_words(path, wanted, send))


def _key_words(path: Any, items: Sequence[tuple[int, str]], send: Callable[[Any], None]) -> None:
    """In the keying child: (language, [(word, key)]) for the transcripts' words, sent a
    chunk of transcripts at a time, read through a read-only connection of its own."""
    from .nlp.keys import keyer, likely_words
    from .store import Store

    reader = Store(path, reader=True)
    seen: dict[str, set[str]] = {}
    for lo in range(0, len(items), 20):
        part = items[lo : lo + 20]
        texts = {r["id"]: str(r["text"]) for r in reader.transcripts.texts([i for i, _ in part])}
        out: dict[str, list[tuple[str, str]]] = {}
        for tid, lang in part:
            done = seen.setdefault(lang, set())
            words = sorted(likely_words(texts.get(tid, "")) - done)
            done.update(words)
            key = keyer(lang)
            out.setdefault(lang, []).extend((w, key(w)) for w in words)
        for lang, pairs in out.items():
            send((lang, pairs))


def ensure_matches(
    store: Store,
    rules_by_lang: Mapping[str, Sequence[CodeRules]],
    everything: Sequence[TranscriptText],
    include_interviewer: bool,
    progress: Progress | None,
    keying: Background | None = None,
    on_matched: Matched | None = None,
) -> set[int]:
    """Match every (transcript, code) pair whose stored matches are stale; how many
    transcripts were tokenised for it (their ids).

    A transcript with every pair up to date is skipped (its token table is not even read).
    keying (start_keying) hands over the words' keys made meanwhile; on_matched is called
    with each matched transcript (text and turns read in), whether all its codes were
    matched, and the passages found, as they come back.
    The others are tokenised (unless cached) and matched in worker processes when there is
    much to do (nlp.batch); token tables and matches are saved as they come back, so memory
    stays bounded and work done survives a later failure.
    """
    from .nlp.batch import run_jobs, worker_count
    from .nlp.pipeline import pipeline_version

    stored = store.cache.match_fingerprints([i.id for i in everything])
    stale = {
        item.id: missing
        for item, pairs in _expected(rules_by_lang, everything, include_interviewer)
        if (missing := [(r, fp) for r, fp in pairs if stored.get((item.id, r.code_id)) != fp])
    }
    todo = [i for i in everything if i.id in stale]
    if not todo:
        return set()
    tokenised: set[int] = set()
    tables: list[tuple[int, str, str, bytes]] = []
    rows: list[tuple[int, int, str, bytes]] = []
    by_id = {i.id: i for i in todo}
    jobs = _jobs(store, todo, stale, include_interviewer)
    # Pipelines are built up front (shared by forked workers) only for what needs tokenising:
    # a run whose token tables are all cached never imports spaCy.
    fresh = to_tokenise(store, todo)
    languages = sorted({i.language for i in fresh})
    if keying is not None:
        from .nlp.keys import keyer

        for lang, pairs in keying.take():
            keyer(lang).remember(pairs)
    # Workers pay off for tokenising; matching from cached tables is quicker in one process.
    sent: deque[Job] = deque()

    def sending() -> Iterator[Job]:
        for job in jobs:
            sent.append(job)
            yield job

    for done in run_jobs(sending(), worker_count(fresh), languages):
        job = sent.popleft()
        if on_matched is not None:
            _report(job, done, rules_by_lang, on_matched)
        if done.table is not None:
            item = by_id[done.item_id]
            tokenised.add(item.id)
            tables.append((item.id, pipeline_version(item.language), item.sha256, done.table))
        rows.extend((done.item_id, cid, fp, data) for cid, fp, data in done.matches)
        if len(tables) >= 50:
            store.cache.save(tables)
            tables = []
        if len(rows) >= 500:
            store.cache.save_matches(rows)
            rows = []
        if progress:
            progress("matching", 1, len(todo))
    if tables:
        store.cache.save(tables)
    if rows:
        store.cache.save_matches(rows)
    return tokenised


def _report(
    job: Job, done: Done, rules_by_lang: Mapping[str, Sequence[CodeRules]], to: Matched
) -> None:
    """Hand a matched transcript's passages (decoded from the match entries) to `to`."""
    from .nlp.match_cache import decode

    item = job.item
    passages: list[Any] = []
    for (rule, _fp), (_cid, _fp2, data) in zip(job.rules, done.matches, strict=True):
        found = decode(data, rule.code, rule.code_id)
        if found is None:
            to(item, False, [])
            return
        passages.extend(found)
    every = sum(1 for r in rules_by_lang[item.language] if not r.empty)
    to(item, len(job.rules) == every, passages)


def _jobs(
    store: Store,
    todo: Sequence[TranscriptText],
    stale: Mapping[int, Sequence[tuple[CodeRules, str]]],
    include_interviewer: bool,
) -> Iterator[Job]:
    """A job per transcript, with its cached token table when that is current."""
    from .nlp.batch import Job
    from .nlp.cache import is_current

    for part in (with_texts(store, p, new_turns=True) for p in chunked(todo)):
        wanted = {i.id: i for i in part}
        cached = {
            tid: data
            for tid, version, sha, data in store.cache.get(list(wanted))
            if is_current(wanted[tid], version, sha)
        }
        for item in part:
            only = _only_turns(item, include_interviewer)
            yield Job(
                item,
                tuple(stale[item.id]),
                frozenset(only) if only is not None else None,
                cached.get(item.id),
            )


def cached_passages(
    store: Store,
    rules_by_lang: Mapping[str, Sequence[CodeRules]],
    items: Sequence[TranscriptText],
    include_interviewer: bool,
) -> Iterator[tuple[TranscriptText, list[Any]]]:
    """Each transcript's passages from the match cache (made current by ensure_matches)."""
    from .nlp.match_cache import decode

    rows = {
        (tid, cid): (fp, data) for tid, cid, fp, data in store.cache.matches([i.id for i in items])
    }
    for item, pairs in _expected(rules_by_lang, items, include_interviewer):
        out: list[Any] = []
        again = []
        for rule, fp in pairs:
            entry = rows.get((item.id, rule.code_id))
            found = decode(entry[1], rule.code, rule.code_id) if entry and entry[0] == fp else None
            if found is None:
                again.append(rule)  # damaged or missing: matched now, from the token table
            else:
                out.extend(found)
        if again:
            out.extend(_match_now(store, item, again, include_interviewer))
        yield item, out


def _match_now(
    store: Store, item: TranscriptText, rules: Sequence[CodeRules], include_interviewer: bool
) -> list[Any]:
    from .nlp.cache import iter_tables
    from .nlp.matching import match_transcript

    for _, table, _ in iter_tables(store, [item]):
        spans = [(t.start, t.end) for t in item.turns]
        only = _only_turns(item, include_interviewer)
        return match_transcript(table, item.text, spans, rules, only_turns=only)
    return []
