"""Keyword suggestions: run the codebook's rules over transcripts, store them, review them.

A suggestion is a proposed tag (code + passage of one turn) with its score, the matched
terms and the rule. Re-running `suggest` updates pending suggestions in place, drops the
ones the rules no longer produce, never brings back a rejected one and never touches tags.
Accepting creates a tag with origin 'suggested' in the same transaction as the status change.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from .codebook_ops import stored_codebook
from .errors import NotFound, QualcodeError
from .models import RESPONDENT, Code, Decision, MatchedTerm, Suggestion
from .store import now
from .suggest_learn import (
    Proposal,
    combine,
    evaluate_project,
    examples_for,
    has_coding,
    model_for,
)

if TYPE_CHECKING:
    from .nlp.batch import Job
    from .nlp.cache import TranscriptText
    from .nlp.learn_eval import Evaluation
    from .nlp.matching import CodeRules
    from .store import Store

# (phase description, steps just done, total steps of the phase)
Progress = Callable[[str, int, int], None]
ACTIONS = ("accept", "reject", "skip")


@dataclass(frozen=True)
class SuggestRun:
    """What one `suggest` run did."""

    transcripts: int
    tokenised: int
    from_cache: int
    codes: int
    new: int
    updated: int
    unchanged: int
    removed: int
    kept_rejected: int
    already_tagged: int
    pending: int
    warnings: tuple[str, ...] = ()
    learned: tuple[str, ...] = ()  # codes a model trained on the coding decided


@dataclass
class _Counts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    kept_rejected: int = 0
    already_tagged: int = 0


def _stamp() -> str:
    # Microseconds, so the latest decision (for undo) sorts last even within one second.
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def _select_codes(store: Store, names: Sequence[str] | None) -> list[Code]:
    if not names:
        return store.codes.all(include_inactive=False)
    picked: dict[str, Code] = {}
    for name in names:
        for c in store.codes.descendants(store.codes.get(name)):
            if c.active:
                picked.setdefault(c.name, c)
    return list(picked.values())


def _select_transcripts(
    store: Store, names: Sequence[str] | None, *, with_text: bool = True
) -> list[TranscriptText]:
    from .nlp.cache import transcript_texts

    resolved = [store.transcripts.get(n).name for n in names] if names else None
    return transcript_texts(
        store, names=resolved, default_language=_default_language(store), with_text=with_text
    )


def _default_language(store: Store) -> str | None:
    book = stored_codebook(store)
    return book.language if book else None


def _with_texts(store: Store, part: Sequence[TranscriptText]) -> list[TranscriptText]:
    """Transcripts given as heads (no text), read in full; ones with text stay as they are."""
    from .nlp.cache import transcript_texts

    heads = [i.id for i in part if not i.text]
    if not heads:
        return list(part)
    full = {
        i.id: i
        for i in transcript_texts(store, ids=heads, default_language=_default_language(store))
    }
    return [full.get(i.id, i) for i in part]


def _rule_text(hits: Sequence[Any]) -> str:
    kinds: dict[str, list[str]] = {}
    for h in hits:
        kinds.setdefault(h.kind, [])
        if h.term not in kinds[h.kind]:
            kinds[h.kind].append(h.term)
    return "; ".join(f"{kind}: {', '.join(terms)}" for kind, terms in kinds.items())


PHRASE_KEYS = "phrase-keys/"  # + pipeline version: the models-table entry of keyword keys


def _rules_for(store: Store, codes: Sequence[Code], lang: str) -> tuple[Any, str | None]:
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


def suggest(
    store: Store,
    *,
    codes: Sequence[str] | None = None,
    transcripts: Sequence[str] | None = None,
    include_interviewer: bool = False,
    learn: bool = True,
    progress: Progress | None = None,
) -> SuggestRun:
    """Run the rules of codes (default all) over transcripts (default all); store suggestions.

    With learn (the default) and some coding in the project, a per-code model trained on the
    coders' tags and decisions decides with the rules (nlp/learn.py): it can suggest a turn
    without a keyword and drop a rule hit the coding shows is wrong. Without any tag yet the
    rules alone decide, exactly as with learn=False.
    """
    if store.codes.latest_version() is None:
        raise QualcodeError("no codebook loaded; load one with `qualcode codebook load FILE`")
    selected = _select_codes(store, codes)
    with_rules = [c for c in selected if c.keywords or c.rules.get("patterns")]
    learning = learn and has_coding(store)
    if not with_rules and not learning:
        raise QualcodeError(
            "none of the selected codes has keywords or patterns; add some to "
            "the codebook (or find candidates with `qualcode keywords CODE`)"
        )
    # Learning needs every transcript's coding (and rule scores), not just the chosen ones.
    # Without learning the texts are read a chunk at a time (bounded memory at any size).
    everything = _select_transcripts(store, None if learning else transcripts, with_text=learning)
    wanted = {store.transcripts.get(n).name for n in transcripts} if transcripts else None
    items = [i for i in everything if wanted is None or i.name in wanted]
    if not items:
        raise QualcodeError("no transcripts to run on; import some with `qualcode import`")

    rules_by_lang, warnings = _compile_all(store, with_rules, everything, items)
    tokenised = _ensure_matches(store, rules_by_lang, everything, include_interviewer, progress)
    model = None
    if learning:
        from .nlp.cache import load_tables

        tables, _ = load_tables(store, everything)
        passages = _all_passages(store, rules_by_lang, everything, include_interviewer)
        examples = examples_for(store, everything, tables, _scores(passages))
        del tables
        model = model_for(store, examples, [c.name for c in selected])
    if model is None:
        # Rules alone: one chunk of transcripts at a time (bounded memory at any corpus size).
        chunks: Iterable[tuple[Sequence[TranscriptText], list[Proposal]]] = (
            (
                part,
                [
                    Proposal(item, p.turn_index, p.code_id, p.start, p.end, p.score, p.hits)
                    for item, found in _cached_passages(
                        store, rules_by_lang, part, include_interviewer
                    )
                    for p in found
                ],
            )
            for part in (_with_texts(store, p) for p in _chunked(items))
        )
        stored_codes = with_rules
    else:
        chunks = [(items, combine(items, passages, examples, model, selected))]
        stored_codes = selected
    counts = _store_passages(store, stored_codes, chunks)
    pending = store.suggestions.pending_count()
    totals = vars(counts)
    return SuggestRun(
        transcripts=len(items),
        tokenised=tokenised,
        codes=len(stored_codes),
        from_cache=len(everything) - tokenised,
        pending=pending,
        warnings=tuple(warnings),
        learned=tuple(model.learned()) if model is not None else (),
        **totals,
    )


CHUNK = 50  # transcripts whose passages are held at once while storing


def _chunked(items: Sequence[TranscriptText]) -> list[Sequence[TranscriptText]]:
    return [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]


def _compile_all(
    store: Store,
    codes: Sequence[Code],
    everything: Sequence[TranscriptText],
    items: Sequence[TranscriptText],
) -> tuple[dict[str, list[CodeRules]], list[str]]:
    """Every language's compiled rules and the pipelines' warnings."""
    warnings = []
    rules_by_lang: dict[str, list[CodeRules]] = {}
    for lang in sorted({i.language for i in everything}):
        rules_by_lang[lang], warning = _rules_for(store, codes, lang)
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


def _ensure_matches(
    store: Store,
    rules_by_lang: Mapping[str, Sequence[CodeRules]],
    everything: Sequence[TranscriptText],
    include_interviewer: bool,
    progress: Progress | None,
) -> int:
    """Match every (transcript, code) pair whose stored matches are stale; how many
    transcripts were tokenised for it.

    A transcript with every pair up to date is skipped (its token table is not even read).
    The others are tokenised (unless cached) and matched in worker processes when there is
    much to do (nlp.batch); token tables and matches are saved as they come back, so memory
    stays bounded and work done survives a later failure.
    """
    from .nlp.batch import run_jobs, worker_count

    stored = store.cache.match_fingerprints([i.id for i in everything])
    stale = {
        item.id: missing
        for item, pairs in _expected(rules_by_lang, everything, include_interviewer)
        if (missing := [(r, fp) for r, fp in pairs if stored.get((item.id, r.code_id)) != fp])
    }
    todo = [i for i in everything if i.id in stale]
    if not todo:
        return 0
    tokenised = 0
    tables: list[tuple[int, str, str, bytes]] = []
    rows: list[tuple[int, int, str, bytes]] = []
    jobs = _jobs(store, todo, stale, include_interviewer)
    languages = sorted({i.language for i in todo})
    by_id = {i.id: i for i in todo}
    for done in run_jobs(jobs, worker_count(todo), languages):
        if done.table is not None:
            item = by_id[done.item_id]
            tokenised += 1
            tables.append((item.id, _pipeline_version(item.language), item.sha256, done.table))
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


def _pipeline_version(lang: str) -> str:
    from .nlp.pipeline import pipeline_version

    return pipeline_version(lang)


def _jobs(
    store: Store,
    todo: Sequence[TranscriptText],
    stale: Mapping[int, Sequence[tuple[CodeRules, str]]],
    include_interviewer: bool,
) -> Iterator[Job]:
    """A job per transcript, with its cached token table when that is current."""
    from .nlp.batch import Job

    for part in (_with_texts(store, p) for p in _chunked(todo)):
        wanted = {i.id: i for i in part}
        cached = {
            tid: data
            for tid, version, sha, data in store.cache.get(list(wanted))
            if version == _pipeline_version(wanted[tid].language) and sha == wanted[tid].sha256
        }
        for item in part:
            only = _only_turns(item, include_interviewer)
            yield Job(
                item,
                tuple(stale[item.id]),
                frozenset(only) if only is not None else None,
                cached.get(item.id),
            )


def _cached_passages(
    store: Store,
    rules_by_lang: Mapping[str, Sequence[CodeRules]],
    items: Sequence[TranscriptText],
    include_interviewer: bool,
) -> Iterator[tuple[TranscriptText, list[Any]]]:
    """Each transcript's passages from the match cache (made current by _ensure_matches)."""
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


def _all_passages(
    store: Store,
    rules_by_lang: Mapping[str, Sequence[CodeRules]],
    items: Sequence[TranscriptText],
    include_interviewer: bool,
) -> dict[tuple[int, int, int], Any]:
    """Every rule passage by (transcript id, turn position, code id)."""
    return {
        (item.id, p.turn_index, p.code_id): p
        for part in _chunked(items)
        for item, found in _cached_passages(store, rules_by_lang, part, include_interviewer)
        for p in found
    }


def _scores(passages: dict[tuple[int, int, int], Any]) -> dict[tuple[int, int], dict[str, float]]:
    scores: dict[tuple[int, int], dict[str, float]] = {}
    for (tid, pos, _cid), p in passages.items():
        scores.setdefault((tid, pos), {})[p.code] = p.score
    return scores


def evaluate_suggestions(
    store: Store,
    *,
    codes: Sequence[str] | None = None,
    folds: int = 5,
    in_sample: bool = False,
    progress: Progress | None = None,
) -> Evaluation:
    """How good rules + learning are on this project: k-fold CV by transcript over its tags."""
    if store.codes.latest_version() is None:
        raise QualcodeError("no codebook loaded; load one with `qualcode codebook load FILE`")
    selected = _select_codes(store, codes)
    with_rules = [c for c in selected if c.keywords or c.rules.get("patterns")]
    everything = _select_transcripts(store, None)
    if not everything:
        raise QualcodeError("no transcripts to run on; import some with `qualcode import`")
    rules_by_lang, _ = _compile_all(store, with_rules, everything, everything)
    _ensure_matches(store, rules_by_lang, everything, False, progress)
    from .nlp.cache import load_tables

    tables, _ = load_tables(store, everything)
    passages = _all_passages(store, rules_by_lang, everything, False)
    examples = examples_for(store, everything, tables, _scores(passages))
    return evaluate_project(
        store, examples, [c.name for c in selected], folds=folds, in_sample=in_sample
    )


def _reason_text(proposal: Proposal) -> str:
    parts = [_rule_text(proposal.hits)] if proposal.hits else []
    # The generic "keyword rule matched" adds nothing to the matched keywords listed above,
    # except its track record on this project.
    parts.extend(r.replace("keyword rule matched ", "rule ") for r in proposal.reasons)
    return "; ".join(p for p in parts if p)


def _store_passages(
    store: Store,
    codes: Sequence[Code],
    chunks: Iterable[tuple[Sequence[TranscriptText], Sequence[Proposal]]],
) -> _Counts:
    """Store the proposals, one chunk of transcripts at a time, in one transaction."""
    version = (store.codes.latest_version() or {}).get("id")
    cids = [c.id for c in codes]
    counts = _Counts()
    with store.write():
        stamp = now()
        for items, found in chunks:
            _store_chunk(store, [i.id for i in items], cids, found, counts, version, stamp)
    return counts


def _store_chunk(
    store: Store,
    tids: Sequence[int],
    cids: Sequence[int],
    found: Sequence[Proposal],
    counts: _Counts,
    version: Any,
    stamp: str,
) -> None:
    existing = store.suggestions.existing(tids, cids)
    tagged = store.tags.tagged_turns(tids)
    seen: set[int] = set()
    new_rows: list[tuple[Any, ...]] = []
    same: list[int] = []
    for p in found:
        item = p.item
        turn = item.turns[p.turn_index]
        key = (turn.id, p.code_id)
        old = existing.get(key)
        if old is not None:
            seen.add(old[0])
        if key in tagged:
            counts.already_tagged += 1
            continue
        terms = [
            MatchedTerm(h.term, item.text[h.start : h.end], h.start, h.end, h.kind) for h in p.hits
        ]
        matched = json.dumps([vars(m) for m in terms], ensure_ascii=False)
        rule = _reason_text(p)
        if old is None:
            new_rows.append(
                (
                    item.id,
                    turn.id,
                    p.code_id,
                    p.start,
                    p.end,
                    p.score,
                    matched,
                    rule,
                    version,
                    stamp,
                    p.probability,
                )
            )
            counts.new += 1
        elif old[3] in ("rejected", "accepted"):
            counts.kept_rejected += old[3] == "rejected"
        elif tuple(old[4:10]) == (p.start, p.end, p.score, matched, rule, p.probability):
            same.append(old[0])
            counts.unchanged += 1
        else:
            store.suggestions.update_match(
                old[0],
                start=p.start,
                end=p.end,
                score=p.score,
                matched=matched,
                rule=rule,
                version=version,
                probability=p.probability,
            )
            counts.updated += 1
    store.suggestions.insert_many(new_rows)
    store.suggestions.set_version(same, version)
    # Pending or skipped suggestions the rules no longer produce (or whose turn has been
    # tagged since) go; rejected and accepted ones stay as the record of a decision.
    stale = [
        r[0]
        for key, r in existing.items()
        if r[3] in ("pending", "skipped") and (r[0] not in seen or key in tagged)
    ]
    store.suggestions.delete(stale)
    counts.removed += len(stale)


# -- listing ------------------------------------------------------------------------------


def list_suggestions(
    store: Store,
    *,
    status: str | Sequence[str] | None = "pending",
    code: str | None = None,
    transcript: str | None = None,
    min_score: float | None = None,
    likely_first: bool = False,
) -> list[Suggestion]:
    """Suggestions filtered by status (None: all), code (with children), transcript, score
    (likely_first: the most probable first, else in text order)."""
    statuses = None if status is None else ([status] if isinstance(status, str) else list(status))
    ids = [c.id for c in store.codes.descendants(store.codes.get(code))] if code else None
    tid = store.transcripts.get(transcript).id if transcript is not None else None
    return store.suggestions.all(
        statuses=statuses,
        code_ids=ids,
        transcript_id=tid,
        min_score=min_score,
        likely_first=likely_first,
    )


def get_suggestion(store: Store, suggestion_id: int) -> Suggestion:
    """One suggestion by id."""
    found = store.suggestions.get(suggestion_id)
    if found is None:
        raise NotFound(f"no suggestion {suggestion_id}; list them with `qualcode suggestions`")
    return found


def review_queue(
    store: Store,
    *,
    code: str | None = None,
    transcript: str | None = None,
    min_score: float | None = None,
) -> list[Suggestion]:
    """What `review` goes through: pending suggestions, then the skipped ones, each most
    probable first."""
    opts: dict[str, Any] = {"code": code, "transcript": transcript, "min_score": min_score}
    return list_suggestions(store, status="pending", likely_first=True, **opts) + (
        list_suggestions(store, status="skipped", likely_first=True, **opts)
    )


# -- decisions ----------------------------------------------------------------------------


def decide(
    store: Store,
    suggestion_id: int,
    action: str,
    *,
    coder: str | None = None,
    as_code: str | None = None,
) -> Decision:
    """Accept (optionally as another code), reject or skip a suggestion; saved at once.

    Accepting a passage inside a turn this coder already tagged with the code links the
    decision to that tag instead of counting the passage twice.
    """
    if action not in ACTIONS:
        raise QualcodeError(f"unknown decision {action!r}; use one of {', '.join(ACTIONS)}")
    coder = coder or store.default_coder()
    target = store.codes.get(as_code) if as_code else None
    with store.write(coder=coder):
        s = store.suggestions.raw(suggestion_id)
        if s is None:
            raise NotFound(f"no suggestion {suggestion_id}")
        if s["status"] in ("accepted", "rejected"):
            raise QualcodeError(
                f"suggestion {suggestion_id} is {s['status']} already; "
                "undo it first to decide again"
            )
        if action != "accept":
            status = "rejected" if action == "reject" else "skipped"
            store.suggestions.set_status(s["id"], status, coder=coder, at=_stamp())
            return Decision(s["id"], status)
        code_id = target.id if target else s["code_id"]
        rule = s["rule"] or ""
        if target is not None and target.id != s["code_id"]:
            rule = f"{rule} (suggested for {s['code']})".strip()
        existing = (
            store.tags.covering(
                transcript_id=s["transcript_id"],
                code_id=code_id,
                turn_id=s["turn_id"],
                coder=coder,
            )
            if s["turn_id"] is not None
            else None
        )
        tag_id = None
        if existing is None:
            tag_id = store.tags.insert(
                transcript_id=s["transcript_id"],
                turn_id=s["turn_id"],
                code_id=code_id,
                start=s["start"],
                end=s["end"],
                text=store.suggestions.passage_text(s["id"]),
                coder=coder,
                origin="suggested",
                rule=rule or None,
            )
        # tag_id stays NULL when the tag existed: undo must not delete someone's tag.
        store.suggestions.set_status(s["id"], "accepted", coder=coder, at=_stamp(), tag_id=tag_id)
        return Decision(s["id"], "accepted", tag_id, target.name if target else s["code"])


def undo(
    store: Store, suggestion_id: int | None = None, *, coder: str | None = None
) -> Suggestion | None:
    """Put a decided suggestion back to pending (default: the coder's latest decision).

    A tag made by accepting it is deleted. Returns the suggestion, None if nothing to undo.
    """
    who = coder or store.default_coder()
    with store.write(coder=who):
        if suggestion_id is None:
            suggestion_id = store.suggestions.latest_decision(who)
            if suggestion_id is None:
                return None
        s = store.suggestions.raw(suggestion_id)
        if s is None:
            raise NotFound(f"no suggestion {suggestion_id}")
        tag_id = s["tag_id"]
        store.suggestions.set_status(suggestion_id, "pending", coder=None, at=None)
        if tag_id is not None:
            tag = store.tags.get(tag_id)
            if tag is not None and tag.origin == "suggested":
                store.tags.delete([tag_id])
    return get_suggestion(store, suggestion_id)


def decide_all(
    store: Store,
    action: str,
    *,
    code: str | None = None,
    transcript: str | None = None,
    min_score: float | None = None,
    coder: str | None = None,
) -> list[Decision]:
    """Accept or reject every pending or skipped suggestion that passes the filters.

    Set-based (store.suggestions.accept_many / reject_many write all the tags and all the
    decisions at once), in one transaction recorded as one command, so
    `qualcode undo` takes the whole bulk decision back.
    """
    if action not in ("accept", "reject"):
        raise QualcodeError("bulk decisions are accept or reject")
    coder = coder or store.default_coder()
    ids = [c.id for c in store.codes.descendants(store.codes.get(code))] if code else None
    tid = store.transcripts.get(transcript).id if transcript is not None else None
    chosen = store.suggestions.ids(
        statuses=("pending", "skipped"), code_ids=ids, transcript_id=tid, min_score=min_score
    )
    status = "accepted" if action == "accept" else "rejected"
    with store.write(coder=coder):
        if action == "accept":
            store.suggestions.accept_many(chosen, coder=coder, at=_stamp())
        else:
            store.suggestions.reject_many(chosen, coder=coder, at=_stamp())
    return [Decision(i, status) for i in chosen]
