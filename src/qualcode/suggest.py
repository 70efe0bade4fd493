"""Keyword suggestions: run the codebook's rules over transcripts, store them, review them.

A suggestion is a proposed tag (code + passage of one turn) with its score, the matched
terms and the rule. Re-running `suggest` updates pending suggestions in place, drops the
ones the rules no longer produce, never brings back a rejected one and never touches tags.
Accepting creates a tag with origin 'suggested' in the same transaction as the status change.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from .errors import NotFound, QualcodeError
from .models import Code, Decision, Suggestion
from .nlp.batch import can_isolate, isolated, worker_count
from .store import Store, now
from .suggest_learn import (
    LARGE_CODED_CHARS,
    Coding,
    PredictionJob,
    Proposal,
    coding_fingerprint,
    coding_of,
    combine,
    evaluate_project,
    examples_for,
    has_coding,
    labelled,
    model_for,
    predicted,
    stored_model,
)
from .suggest_match import (
    cached_passages,
    chunked,
    compile_all,
    ensure_matches,
    match_fingerprints,
    select_transcripts,
    start_keying,
    with_texts,
)

if TYPE_CHECKING:
    from .nlp.cache import TranscriptText
    from .nlp.learn import Model, TrainingExample
    from .nlp.learn_eval import Evaluation
    from .nlp.matching import CodeRules

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


def _rule_text(hits: Sequence[Any]) -> str:
    kinds: dict[str, list[str]] = {}
    for h in hits:
        kinds.setdefault(h.kind, [])
        if h.term not in kinds[h.kind]:
            kinds[h.kind].append(h.term)
    return "; ".join(f"{kind}: {', '.join(terms)}" for kind, terms in kinds.items())


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
    # Learning trains on every transcript's coding, not just the chosen ones. Texts, token
    # tables and matches are read a chunk of transcripts at a time (bounded memory).
    everything = select_transcripts(store, None if learning else transcripts, with_text=False)
    wanted = {store.transcripts.get(n).name for n in transcripts} if transcripts else None
    items = [i for i in everything if wanted is None or i.name in wanted]
    if not items:
        raise QualcodeError("no transcripts to run on; import some with `qualcode import`")

    keying = start_keying(store, everything)  # while spaCy is imported and rules compiled
    staging = None if learning else _Staging.start(store, items, with_rules)
    try:
        rules_by_lang, warnings = compile_all(store, with_rules, everything, items)
        fresh = ensure_matches(
            store,
            rules_by_lang,
            everything,
            include_interviewer,
            progress,
            keying,
            staging.add if staging is not None else None,
        )
    except BaseException:
        if staging is not None:
            staging.close()
        raise
    finally:
        if keying is not None:
            keying.stop()
    tokenised = sum(1 for i in items if i.id in fresh)
    workers = worker_count(items)
    model: Model | None = None
    state = (
        _learning(store, selected, rules_by_lang, everything, include_interviewer)
        if learning
        else None
    )
    if state is not None:
        model = stored_model(store, state.fingerprint)
    # When learning, each chunk reads its transcripts' turns again, with their texts: the
    # heads' turns (for matching and the fingerprint until now; at 10 M words some 70 MB)
    # go before a training child or any worker process forks. Rules alone fork nothing
    # more, and keep them (a chunk then reads its texts only).
    light = {i.id: dataclasses.replace(i, turns=()) if state is not None else i for i in everything}
    items = [light[i.id] for i in items]
    del everything
    if state is not None and model is None:
        coded = [light[i] for i in state.coded]
        model = _train(store, rules_by_lang, coded, include_interviewer, state)
    del light
    coding = state.coding if state is not None else None
    chunks: Iterable[tuple[Sequence[TranscriptText], list[Proposal]]]
    staged = staging.finish(items) if staging is not None else None
    if staged is not None:
        counts = staged  # stored while matching (a first run)
        stored_codes = with_rules
        learned: tuple[str, ...] = ()
    elif model is None or coding is None:
        # Rules alone: one chunk of transcripts at a time (bounded memory at any corpus size).
        chunks = (
            (
                part,
                [
                    Proposal(item, p.turn_index, p.code_id, p.start, p.end, p.score, p.hits)
                    for item, found in cached_passages(
                        store, rules_by_lang, part, include_interviewer
                    )
                    for p in found
                ],
            )
            for part in (with_texts(store, p) for p in chunked(items))
        )
        stored_codes = with_rules
        learned = ()
        counts = _store_passages(store, stored_codes, chunks)
    else:
        learned = tuple(model.learned())
        chunks = (
            (part, combine(part, passages, predictions, selected))
            for part, passages, predictions in predicted(
                model,
                _prediction_chunks(store, rules_by_lang, items, include_interviewer, coding),
                workers,
            )
        )
        model = None  # predicted() has it, and keeps only what predicting needs
        stored_codes = selected
        counts = _store_passages(store, stored_codes, chunks)
    pending = store.suggestions.pending_count()
    totals = vars(counts)
    return SuggestRun(
        transcripts=len(items),
        tokenised=tokenised,
        codes=len(stored_codes),
        from_cache=len(items) - tokenised,
        pending=pending,
        warnings=tuple(warnings),
        learned=learned,
        **totals,
    )


@dataclass(frozen=True)
class _Learning:
    """What learning needs to know of the project, found while the heads have their turns."""

    coding: Coding
    coded: list[int]  # ids of the transcripts with some coding, in name order
    names: list[str]  # the selected codes
    fingerprint: str  # of what the model learns from (coding_fingerprint)
    workers: int  # processes for the whole project's work
    large: bool  # enough coded text to train for memory rather than time (LARGE_CODED_CHARS)


def _learning(
    store: Store,
    selected: Sequence[Code],
    rules_by_lang: Mapping[str, Sequence[CodeRules]],
    everything: Sequence[TranscriptText],
    include_interviewer: bool,
) -> _Learning:
    """The project's coding and the fingerprint of what a model learns from it."""
    coding = coding_of(store)
    coded = _coded(everything, coding)
    names = [c.name for c in selected]
    matches = match_fingerprints(rules_by_lang, coded, include_interviewer)
    return _Learning(
        coding,
        [i.id for i in coded],
        names,
        coding_fingerprint(coded, coding, matches, names),
        worker_count(everything),
        sum(i.turns[-1].end for i in coded if i.turns) >= LARGE_CODED_CHARS,
    )


def _train(
    store: Store,
    rules_by_lang: Mapping[str, Sequence[CodeRules]],
    coded: Sequence[TranscriptText],
    include_interviewer: bool,
    state: _Learning,
) -> Model | None:
    """Train the model on the coded transcripts and store it (None when nothing is tagged).

    Only the turns the coding says something about are kept for training, and only
    transcripts with some coding are read for it, a chunk at a time. A large project (from
    LARGE_CODED_CHARS of coded text, with worker processes) trains in a child process with
    its own connection to the project: the examples, the feature matrix and what fitting
    leaves behind go with it, so they are not held while suggestions are made (at 10 M words
    about 200 MB), and this process reads the stored model back as a re-run does.
    """

    def run(on: Store) -> Model | None:
        # model_for keeps the turns the coding says something about.
        training = (
            e
            for _part, examples, _passages in _learning_chunks(
                on, rules_by_lang, coded, include_interviewer, state.coding
            )
            for e in examples
        )
        return model_for(
            on, training, state.names, state.workers, state.fingerprint, large=state.large
        )

    if not state.large or state.workers <= 1 or not can_isolate() or not store.path.is_file():
        return run(store)

    def in_child() -> bool:
        return run(Store(store.path)) is not None

    return stored_model(store, state.fingerprint) if isolated(in_child) else None


def _scores(passages: dict[tuple[int, int, int], Any]) -> dict[tuple[int, int], dict[str, float]]:
    scores: dict[tuple[int, int], dict[str, float]] = {}
    for (tid, pos, _cid), p in passages.items():
        scores.setdefault((tid, pos), {})[p.code] = p.score
    return scores


def _coded(items: Sequence[TranscriptText], coding: Coding) -> list[TranscriptText]:
    """The transcripts with a tag, a rejected suggestion or declared fully coded."""
    turns = set(coding.labels) | set(coding.rejected)
    return [i for i in items if i.name in coding.complete or any(t.id in turns for t in i.turns)]


def _learning_chunks(
    store: Store,
    rules_by_lang: Mapping[str, Sequence[CodeRules]],
    items: Sequence[TranscriptText],
    include_interviewer: bool,
    coding: Coding,
) -> Iterator[tuple[list[TranscriptText], list[TrainingExample], dict[tuple[int, int, int], Any]]]:
    """Per chunk of transcripts (in name order): the transcripts with their texts, their
    respondent turns as training examples, and their rule passages."""
    from .nlp.cache import iter_tables

    for heads in chunked(items):
        part = with_texts(store, heads)
        passages = _passages_of(store, rules_by_lang, part, include_interviewer)
        tables = ((item, table) for item, table, _ in iter_tables(store, part))
        yield part, examples_for(tables, _scores(passages), coding), passages


def _prediction_chunks(
    store: Store,
    rules_by_lang: Mapping[str, Sequence[CodeRules]],
    items: Sequence[TranscriptText],
    include_interviewer: bool,
    coding: Coding,
) -> Iterator[tuple[list[TranscriptText], dict[tuple[int, int, int], Any], PredictionJob]]:
    """Per chunk of transcripts (heads, in name order): the transcripts with their texts,
    their rule passages, and the job a prediction worker makes their examples from."""
    from .nlp.cache import iter_tables

    for heads in chunked(items):
        part = with_texts(store, heads)
        passages = _passages_of(store, rules_by_lang, part, include_interviewer)
        tables = [table for _item, table, _ in iter_tables(store, part)]
        yield part, passages, PredictionJob.of(part, tables, _scores(passages), coding)


def _passages_of(
    store: Store,
    rules_by_lang: Mapping[str, Sequence[CodeRules]],
    part: Sequence[TranscriptText],
    include_interviewer: bool,
) -> dict[tuple[int, int, int], Any]:
    """The rules' passages of these transcripts by (transcript id, turn position, code id)."""
    return {
        (item.id, p.turn_index, p.code_id): p
        for item, found in cached_passages(store, rules_by_lang, part, include_interviewer)
        for p in found
    }


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
    everything = select_transcripts(store, None, with_text=False)
    if not everything:
        raise QualcodeError("no transcripts to run on; import some with `qualcode import`")
    rules_by_lang, _ = compile_all(store, with_rules, everything, everything)
    ensure_matches(store, rules_by_lang, everything, False, progress)
    coding = coding_of(store)
    examples = [
        e
        for _part, chunk, _passages in _learning_chunks(
            store, rules_by_lang, _coded(everything, coding), False, coding
        )
        for e in labelled(chunk)
    ]
    return evaluate_project(
        store, examples, [c.name for c in selected], folds=folds, in_sample=in_sample
    )


class _Staging:
    """A first run's suggestions (none stored yet for its transcripts and codes), made as
    each transcript's matches come back from the workers and staged in the connection's
    TEMP table, then inserted in one statement: making them overlaps the matching instead
    of following it, and what is stored is what _store_chunk would store. Used only when
    every transcript was matched now, for all its codes; otherwise nothing staged is used.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.version = (store.codes.latest_version() or {}).get("id")
        self.stamp = now()
        self.counts = _Counts()
        self.done: set[int] = set()
        self.whole = True
        store.suggestions.stage_start()

    @classmethod
    def start(
        cls, store: Store, items: Sequence[TranscriptText], codes: Sequence[Code]
    ) -> _Staging | None:
        """Staging for a first run, or None when some suggestion of these exists."""
        if store.suggestions.any_for([i.id for i in items], [c.id for c in codes]):
            return None
        return cls(store)

    def add(self, item: TranscriptText, complete: bool, passages: Sequence[Any]) -> None:
        """Stage a matched transcript's suggestions (complete: every code was matched)."""
        if not complete:
            self.whole = False
            return
        tagged = self.store.tags.tagged_turns([item.id])
        rows = []
        for found in passages:
            turn = item.turns[found.turn_index]
            if (turn.id, found.code_id) in tagged:
                self.counts.already_tagged += 1
                continue
            p = Proposal(
                item,
                found.turn_index,
                found.code_id,
                found.start,
                found.end,
                found.score,
                found.hits,
            )
            rows.append(
                _new_row(p, turn.id, _matched(p), _reason_text(p), self.version, self.stamp)
            )
        self.store.suggestions.stage(rows)
        self.done.add(item.id)

    def finish(self, items: Sequence[TranscriptText]) -> _Counts | None:
        """Insert what was staged when it covers every transcript, in one write
        transaction; the counts. None (nothing stored) when it does not."""
        try:
            if not self.whole or self.done != {i.id for i in items}:
                return None
            with self.store.write():
                inserted, tagged = self.store.suggestions.insert_staged()
            self.counts.new = inserted
            self.counts.already_tagged += tagged  # tagged since they were staged
            return self.counts
        finally:
            self.close()

    def close(self) -> None:
        """Drop the staging table."""
        self.store.suggestions.stage_end()


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


# json.dumps(..., ensure_ascii=False) with one encoder for every suggestion: the same text,
# in half the time of a new encoder (and a MatchedTerm) for each of them.
_encode = json.JSONEncoder(ensure_ascii=False).encode


def _matched(p: Proposal) -> str:
    """A proposal's matched terms as stored: the MatchedTerm fields, in their order (what
    `suggestions` reads back)."""
    text = p.item.text
    return _encode(
        [
            {
                "term": h.term,
                "text": text[h.start : h.end],
                "start": h.start,
                "end": h.end,
                "kind": h.kind,
            }
            for h in p.hits
        ]
    )


def _new_row(
    p: Proposal, turn_id: int, matched: str, rule: str, version: Any, stamp: str
) -> tuple[Any, ...]:
    """A new pending suggestion's row, as insert_many and stage take it."""
    return (
        p.item.id,
        turn_id,
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
        matched = _matched(p)
        rule = _reason_text(p)
        if old is None:
            new_rows.append(_new_row(p, turn.id, matched, rule, version, stamp))
            counts.new += 1
        elif old[3] in ("rejected", "accepted"):
            counts.kept_rejected += old[3] == "rejected"
        elif tuple(old[4:10]) == (p.start, p.end, p.score, matched, rule, p.probability):
            if old[10] != version:  # a re-run under the same codebook writes nothing
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
