"""A first run stores its suggestions as the matches come back (suggest._Staging): the same
rows, ids and counts as storing them afterwards, and only when nothing is stored yet."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from helpers import two_latvian_interviews

import qualcode.suggest as suggest_module
from qualcode.project import Project

_COLUMNS = (
    'id, transcript_id, turn_id, code_id, start, "end", score, matched, rule, '
    "codebook_version, status, probability"
)


@pytest.fixture
def small(tmp_path: Path) -> Project:
    p = two_latvian_interviews(tmp_path)
    yield p
    p.close()


def _rows(p: Project) -> list[tuple[object, ...]]:
    return p.store.conn.execute(f"SELECT {_COLUMNS} FROM suggestions ORDER BY id").fetchall()


def _staged_runs(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Watch _Staging.finish: what each run's staging stored (None: it stored nothing)."""
    outcomes: list[object] = []
    real = suggest_module._Staging.finish

    def finish(self, items):  # type: ignore[no-untyped-def]
        got = real(self, items)
        outcomes.append(got)
        return got

    monkeypatch.setattr(suggest_module._Staging, "finish", finish)
    return outcomes


def _reset(p: Project) -> None:
    with sqlite3.connect(p.store.path) as conn:
        for table in ("suggestions", "match_cache", "token_cache"):
            conn.execute(f"DELETE FROM {table}")


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_first_run_stores_the_same_suggestions_staged_as_afterwards(
    small: Project, monkeypatch: pytest.MonkeyPatch, workers: str
) -> None:
    monkeypatch.setenv("QUALCODE_WORKERS", workers)
    monkeypatch.setattr(suggest_module._Staging, "start", classmethod(lambda *_: None))
    classic = small.suggest(learn=False)
    expected = _rows(small)
    _reset(small)
    monkeypatch.undo()
    monkeypatch.setenv("QUALCODE_WORKERS", workers)
    outcomes = _staged_runs(monkeypatch)
    staged = small.suggest(learn=False)
    assert outcomes and outcomes[0] is not None  # this run went the staged way
    assert _rows(small) == expected and staged == classic
    assert small.store.conn.execute(
        "SELECT count(*) FROM sqlite_temp_master WHERE name = 'staged_suggestions'"
    ).fetchone() == (0,)  # the staging table is gone


def test_a_turn_tagged_before_the_first_run_is_counted_not_suggested(small: Project) -> None:
    small.tag("LV-01", ["needs-training"], turns="2")
    run = small.suggest(learn=False)
    got = {(s.transcript, s.turn, s.code) for s in small.suggestions()}
    assert ("LV-01", 2, "needs-training") not in got
    assert ("LV-02", 2, "needs-training") in got
    assert run.already_tagged == 1 and run.new == len(got)


def test_a_run_with_suggestions_stored_already_stores_them_afterwards(
    small: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    small.suggest(learn=False)
    before = _rows(small)
    outcomes = _staged_runs(monkeypatch)
    run = small.suggest(learn=False)
    assert outcomes == []  # no staging at all: suggestions exist
    assert run.unchanged == len(before) and _rows(small) == before


def test_a_run_whose_matches_are_cached_stores_them_afterwards(
    small: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    small.suggest(learn=False)
    before = _rows(small)
    small.store.conn.execute("DELETE FROM suggestions")
    outcomes = _staged_runs(monkeypatch)
    run = small.suggest(learn=False)
    assert outcomes == [None]  # staged nothing: no transcript was matched now
    assert run.new == len(before)
    assert [r[1:] for r in _rows(small)] == [r[1:] for r in before]


def test_staged_suggestions_leave_out_turns_tagged_meanwhile(small: Project) -> None:
    store = small.store
    turn = store.conn.execute(
        "SELECT u.id, u.transcript_id FROM turns u WHERE u.role = 'respondent' LIMIT 1"
    ).fetchone()
    code = store.conn.execute("SELECT id FROM codes WHERE name = 'low-pay'").fetchone()[0]
    other = store.conn.execute("SELECT id FROM codes WHERE name = 'more-hours'").fetchone()[0]
    store.suggestions.stage_start()
    store.suggestions.stage(
        [
            (turn[1], turn[0], code, 0, 5, 0.5, "[]", "keyword: alga", None, "now", None),
            (turn[1], turn[0], other, 0, 5, 0.5, "[]", "keyword: stundu", None, "now", None),
        ]
    )
    small.tag("LV-01", ["low-pay"], turns="2")  # a coder tags the turn meanwhile
    with store.write():
        assert store.suggestions.insert_staged() == (1, 1)
    store.suggestions.stage_end()
    assert [(r[2], r[3]) for r in _rows(small)] == [(turn[0], other)]


def test_with_texts_keeps_the_heads_turns_unless_asked_for_new_ones(small: Project) -> None:
    from qualcode.suggest_match import select_transcripts, with_texts

    heads = select_transcripts(small.store, None, with_text=False)
    kept = with_texts(small.store, heads)
    fresh = with_texts(small.store, heads, new_turns=True)
    for head, a, b in zip(heads, kept, fresh, strict=True):
        assert a.text and a.text == b.text and not head.text
        assert a.turns is head.turns  # no turn read again
        assert b.turns is not head.turns  # read anew: while workers run, the heads' pages
        assert [(t.id, t.start, t.end, t.role) for t in b.turns] == [
            (t.id, t.start, t.end, t.role) for t in head.turns
        ]
