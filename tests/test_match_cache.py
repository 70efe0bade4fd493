"""What each code's rules found per transcript is kept and reused only while it is current."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest
from helpers import (
    assert_dead_worker_reported_and_nothing_stored,
    die,
    two_latvian_interviews,
    write_attributes,
    write_transcript,
)
from hypothesis import given
from hypothesis import strategies as st

from qualcode.nlp.match_cache import decode, encode
from qualcode.nlp.matching import Hit, Passage
from qualcode.project import Project


@pytest.fixture
def small(tmp_path: Path) -> Project:
    """Two Latvian transcripts and the test codebook (a copy the tests may edit)."""
    p = two_latvian_interviews(tmp_path)
    yield p
    p.close()


def _suggested(p: Project) -> list[tuple[str, int, str, int, int, float, str]]:
    return sorted(
        (s.transcript, s.turn, s.code, s.start, s.end, s.score, s.rule or "")
        for s in p.suggestions()
    )


def _fingerprints(p: Project) -> dict[tuple[int, int], str]:
    ids = [t.id for t in p.store.transcripts.all()]
    return p.store.cache.match_fingerprints(ids)


def test_a_rerun_with_nothing_changed_reads_no_token_table(
    small: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    small.suggest()
    before = _suggested(small)
    import qualcode.nlp.cache as cache

    def refuse(*_args: object, **_kwargs: object) -> object:
        raise AssertionError("a token table was loaded")

    monkeypatch.setattr(cache.TokenTable, "from_bytes", refuse)
    monkeypatch.setattr(cache, "tokenise_many", refuse)
    run = small.suggest()
    assert (run.new, run.updated, run.removed, run.unchanged) == (0, 0, 0, len(before))
    assert _suggested(small) == before


def test_a_codebook_edit_matches_only_the_edited_code_again(small: Project) -> None:
    small.suggest()
    before = _fingerprints(small)
    low_pay = small.store.codes.get("low-pay").id
    small.add_keywords("low-pay", ["nemaksā"])
    run = small.suggest()
    after = _fingerprints(small)
    changed = {cid for key, fp in after.items() if before.get(key) != fp for cid in [key[1]]}
    assert changed == {low_pay}
    assert run.updated == 1  # LV-02's pay complaint now matches two terms


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param("DELETE FROM match_cache", id="stored-matches-removed"),
        pytest.param("UPDATE match_cache SET data = x'0001'", id="stored-match-damaged"),
    ],
)
def test_matching_afresh_a_removed_or_damaged_stored_match_gives_the_same_suggestions(
    small: Project, tmp_path: Path, tamper: str
) -> None:
    small.suggest()
    before = _suggested(small)
    with sqlite3.connect(tmp_path / "proj" / "qualcode.db") as conn:
        conn.execute(tamper)
    run = small.suggest()
    assert (run.new, run.updated, run.removed) == (0, 0, 0)
    assert _suggested(small) == before


def test_suggesting_on_interviewer_turns_is_not_served_from_the_respondent_only_matches(
    small: Project,
) -> None:
    small.suggest()
    assert all(s.turn % 2 == 0 for s in small.suggestions())
    small.suggest(include_interviewer=True)
    assert ("LV-01", 1, "needs-training") in {
        (s.transcript, s.turn, s.code) for s in small.suggestions()
    }
    run = small.suggest()
    assert run.removed >= 1 and all(s.turn % 2 == 0 for s in small.suggestions())


def test_an_edited_transcript_is_matched_again(small: Project, tmp_path: Path) -> None:
    small.suggest()
    src = tmp_path / "edit"
    src.mkdir()
    write_transcript(src, "b.txt", [("I", "Kā iet?"), ("R", "Vajag kursus. Darba stundu par maz.")])
    write_attributes(src, [{"respondent_id": "LV-02", "file": "b.txt", "town": "Rīga"}])
    small.import_paths([src / "b.txt"], attributes=src / "attributes.csv", replace=True)
    small.suggest()
    assert ("LV-02", 2, "more-hours") in {
        (s.transcript, s.turn, s.code) for s in small.suggestions()
    }


_hits = st.tuples(
    st.text(min_size=1, max_size=12),
    st.sampled_from(["keyword", "folded", "pattern", "context"]),
    st.integers(0, 10**7),
    st.integers(0, 10**7),
    st.integers(0, 10**6),
    st.integers(0, 10**6),
).map(lambda t: Hit(*t))
_passages = st.builds(
    Passage,
    st.just("needs-training"),
    st.just(7),
    st.integers(0, 10**5),
    st.integers(0, 10**7),
    st.integers(0, 10**7),
    st.floats(0, 1, allow_nan=False),
    st.lists(_hits, max_size=4).map(tuple),
    st.lists(_hits, max_size=2).map(tuple),
)


@given(st.lists(_passages, max_size=6))
def test_stored_passages_read_back_exactly(passages: list[Passage]) -> None:
    assert decode(encode(passages), "needs-training", 7) == passages


def _alone_then_uncached(
    p: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> list[tuple[str, int, str, int, int, float, str]]:
    """The suggestions one process finds; then the caches go and two workers are asked for."""
    monkeypatch.setenv("QUALCODE_WORKERS", "1")
    p.suggest()
    alone = _suggested(p)
    with sqlite3.connect(tmp_path / "proj" / "qualcode.db") as conn:
        conn.execute("DELETE FROM match_cache")
        conn.execute("DELETE FROM token_cache")
    monkeypatch.setenv("QUALCODE_WORKERS", "2")
    return alone


def test_worker_processes_find_the_same_suggestions_as_one_process(
    small: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone = _alone_then_uncached(small, tmp_path, monkeypatch)
    run = small.suggest()
    assert run.tokenised == 2 and (run.new, run.updated, run.removed) == (0, 0, 0)
    assert _suggested(small) == alone


@pytest.mark.skipif(sys.platform != "linux", reason="keying ahead needs forked processes")
def test_words_keyed_ahead_in_a_child_give_the_same_suggestions(
    small: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qualcode.nlp import batch, keys
    from qualcode.suggest_match import start_keying

    alone = _alone_then_uncached(small, tmp_path, monkeypatch)
    monkeypatch.setattr(batch, "MIN_PARALLEL_CHARS", 10)  # the two transcripts are "much"
    taken: list[tuple[str, list[tuple[str, str]]]] = []
    real = start_keying

    def watched(store, items):  # type: ignore[no-untyped-def]
        work = real(store, items)
        assert work is not None
        original = work.take

        def take() -> list:  # type: ignore[type-arg]
            import time

            time.sleep(1.0)  # let the child finish these two small transcripts
            got = original()
            taken.extend(got)
            return got

        work.take = take  # type: ignore[method-assign]
        return work

    import qualcode.suggest as suggest_module

    monkeypatch.setattr(suggest_module, "start_keying", watched)
    small.suggest()
    assert _suggested(small) == alone
    pairs = dict(p for _, batch_pairs in taken for p in batch_pairs)
    assert pairs.get("mācību") == keys.Keyer("lv")("mācību")  # the keyer's own key
    assert all(v == keys.Keyer(lang)(w) for lang, ps in taken for w, v in ps[:50])


def test_likely_words_strip_marks_and_keep_latvian_letters() -> None:
    from qualcode.nlp.keys import likely_words

    got = likely_words("Darbs, (jā) «mācības»... ķēķis 12 t.i. -- Ļoti!")
    assert got == {"Darbs", "jā", "mācības", "ķēķis", "Ļoti"}


def test_a_reader_store_reads_while_another_connection_writes_and_cannot_write(
    small: Project,
) -> None:
    from qualcode.store import Store

    path = small.store.path
    reader = Store(path, reader=True)
    with small.store.write(record=False):
        small.store.conn.execute("UPDATE settings SET value = value")
        assert len(reader.transcripts.texts()) == 2  # WAL: the reader is not blocked
    with pytest.raises(sqlite3.OperationalError):
        reader.conn.execute("DELETE FROM match_cache")
    reader.close()


_LATVIAN = (
    "Viņai vajag mācību kursus, un alga ir maza. Darba stundu ir par maz. Pašvaldības "
    "darbinieki nezina, ko dara mediators; ķēķis, ģimene, žēl, čigāns, ūdens, Ņina, Ļoti."
)
_ENGLISH = (
    "She cannot get the training. Dont worry, gonna be fine. Hes on the payroll, wont he? "
    "Meetings with the teachers were regular; I would like more hours and a full salary."
)


@pytest.mark.parametrize(("lang", "text"), [("lv", _LATVIAN), ("en", _ENGLISH)])
def test_plain_keyword_keys_made_without_spacy_equal_the_pipelines(lang: str, text: str) -> None:
    import re

    from qualcode.nlp.keys import plain_phrase_keys
    from qualcode.nlp.matching import phrase_keys
    from qualcode.nlp.pipeline import pipeline

    rules = pipeline(lang).nlp.tokenizer.rules or {}
    specials = frozenset(s for s in rules if any(ch.isalpha() for ch in s))
    words = re.findall(r"\w+", text)
    phrases = [*words, *(" ".join(pair) for pair in zip(words, words[1:], strict=False))]
    plain = {p: plain_phrase_keys(p, lang, specials) for p in phrases}
    if lang == "en":
        assert plain["cannot"] is None  # a tokenizer special case: spaCy splits it
    made = [p for p, keys in plain.items() if keys is not None]
    assert made and [plain[p] for p in made] == phrase_keys(made, lang)


@pytest.mark.skipif(sys.platform != "linux", reason="forked workers see the stand-in")
def test_a_worker_process_that_dies_gives_a_clear_error_and_keeps_the_project(
    small: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:

    import qualcode.nlp.batch as batch

    monkeypatch.setenv("QUALCODE_WORKERS", "2")
    monkeypatch.setattr(batch, "run_job", die)
    assert_dead_worker_reported_and_nothing_stored(small)
    monkeypatch.undo()
    assert small.suggest().new > 0


def test_worker_count_reads_the_size_from_turns_so_heads_without_text_count_too(
    small: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qualcode.nlp import batch
    from qualcode.nlp.cache import transcript_texts

    monkeypatch.delenv("QUALCODE_WORKERS", raising=False)
    monkeypatch.setattr(batch, "MIN_PARALLEL_CHARS", 10)  # the two small transcripts are "much"
    full = transcript_texts(small.store)
    heads = transcript_texts(small.store, with_text=False)
    assert all(not h.text for h in heads) and all(f.text for f in full)
    assert batch.worker_count(heads) == batch.worker_count(full)
    monkeypatch.setattr(batch, "MIN_PARALLEL_CHARS", 10**9)
    assert batch.worker_count(heads) == 1
