"""Undo of big commands: set-based, with the row-by-row results (restore, refuse, redo)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers import write_codebook, write_transcript

from qualcode.errors import QualcodeError
from qualcode.project import Project
from qualcode.store import Store

WORDS = "saule mežs upe kalns zāle putns akmens vējš lietus sniegs ezers ceļš".split()
TABLES = ("codes", "tags", "suggestions", "attributes", "respondents", "turns", "transcripts")


def snapshot(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables undo touches, in key order."""
    return {t: sorted(map(tuple, store.conn.execute(f"SELECT * FROM {t}"))) for t in TABLES}


@pytest.fixture(autouse=True, params=[20_000, 7], ids=["one-chunk", "chunks-of-7"])
def undo_chunk(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """Every test twice: a command undone in one chunk, and in many small ones (bounded
    memory must not change what undo does, nor which failure it reports first)."""
    import qualcode.store.history as history

    monkeypatch.setattr(history, "UNDO_CHUNK", request.param)
    return int(request.param)


def undo_newest(project: Project) -> None:
    """Undo the newest command as anna, even an undo (which redoes what it undid)."""
    newest = project.log(limit=1)[0].id
    with project.store.write(coder="anna"):
        project.store.history.undo_ids([newest])


@pytest.fixture
def bulk(project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """A project with one long transcript and 2,000 pending suggestions on it."""
    monkeypatch.setenv("QUALCODE_CODER", "anna")
    src = tmp_path / "src"
    src.mkdir()
    turns = [
        ("I" if i % 2 == 0 else "R", " ".join(WORDS[(i + j) % len(WORDS)] for j in range(40)))
        for i in range(40)
    ]
    write_transcript(src, "T01.txt", turns)
    project.load_codebook(write_codebook(src))
    assert not project.import_paths([src / "T01.txt"]).failed
    store = project.store
    tid = store.transcripts.get("T01").id
    code_ids = [c.id for c in store.codes.all()]
    turn_rows = store.query('SELECT id, start, "end" FROM turns WHERE transcript_id = ?', [tid])
    rows = []
    for i in range(2000):
        turn = turn_rows[i % len(turn_rows)]
        start = turn["start"] + (i // len(turn_rows)) % 40
        # Most have no turn (each gets its own tag); every 7th shares its turn and code
        # with others, so some accepted suggestions make no tag (tag_id stays NULL).
        turn_id = turn["id"] if i % 7 == 0 else None
        rows.append(
            (tid, turn_id, code_ids[i % len(code_ids)], start, start + 5 + i // 400, 0.5,
             "[]", "keyword: test", None, "2024-01-01T00:00:00+00:00")
        )  # fmt: skip
    with store.write(record=False):
        store.suggestions.insert_many(rows)
    return project


def test_undo_of_a_bulk_accept_restores_every_row_exactly(bulk: Project) -> None:
    before = snapshot(bulk.store)
    bulk.decide_all("accept")
    accepted = snapshot(bulk.store)
    assert len(accepted["tags"]) > 1500 and accepted != before
    result = bulk.undo()
    assert result.changes == bulk.log(limit=2)[1].size > 3000
    assert snapshot(bulk.store) == before
    newest, accept = bulk.log(limit=2)
    assert newest.undo_of == accept.id and accept.undone_by == newest.id
    assert bulk.check().ok


def test_undo_of_the_undo_redoes_the_bulk_accept_exactly(bulk: Project) -> None:
    before = snapshot(bulk.store)
    bulk.decide_all("accept")
    accepted = snapshot(bulk.store)
    bulk.undo()
    undo_newest(bulk)
    assert snapshot(bulk.store) == accepted
    undo_newest(bulk)
    assert snapshot(bulk.store) == before
    assert bulk.check().ok


def test_a_later_change_to_one_row_blocks_the_bulk_undo_and_nothing_changes(
    bulk: Project,
) -> None:
    bulk.decide_all("accept")
    accept_id = bulk.log(limit=1)[0].id
    store = bulk.store
    first_tag = store.scalar("SELECT min(id) FROM tags")
    with store.write(coder="bruno"):  # the oldest row the accept made: checked last
        store.conn.execute("UPDATE tags SET memo = 'later' WHERE id = ?", [first_tag])
    later_id = bulk.log(limit=1)[0].id
    after_later = snapshot(store)
    with pytest.raises(QualcodeError) as err:
        bulk.undo()
    assert str(err.value) == (
        f"cannot undo command {accept_id} ({store.command}): a tag it changed was changed "
        f"again later by command {later_id} ({store.command}); undo that first. "
        "Nothing was undone"
    )
    assert snapshot(store) == after_later
    assert bulk.log(limit=1)[0].id == later_id and bulk.log(limit=2)[1].undone_by is None


def test_a_decision_changed_later_blocks_the_undo_naming_that_command(bulk: Project) -> None:
    bulk.decide_all("accept")
    store = bulk.store
    sid = store.scalar("SELECT max(id) FROM suggestions WHERE tag_id IS NOT NULL")
    with store.write(coder="bruno"):
        store.conn.execute("UPDATE suggestions SET decided_by = 'bruno' WHERE id = ?", [sid])
    later_id = bulk.log(limit=1)[0].id
    after_later = snapshot(store)
    with pytest.raises(QualcodeError, match=f"a suggestion it changed .* by command {later_id} "):
        bulk.undo()
    assert snapshot(store) == after_later


def test_later_work_on_a_bulk_made_tag_keeps_the_integrity_message(bulk: Project) -> None:
    bulk.decide_all("accept")
    store = bulk.store
    tag = store.scalar("SELECT min(tag_id) FROM suggestions")
    with store.write(coder="bruno"):  # an untracked table pointing at a tag the accept made
        store.conn.execute("CREATE TABLE pins (tag_id INTEGER REFERENCES tags(id))")
        store.conn.execute("INSERT INTO pins VALUES (?)", [tag])
    before = snapshot(store)
    with pytest.raises(QualcodeError, match="later work depends on a tag it made"):
        bulk.undo()
    assert snapshot(store) == before


def test_a_command_changing_rows_twice_and_nesting_codes_undoes_and_redoes(
    bulk: Project,
) -> None:
    """Order matters here: inserted-then-updated rows, a code and its child, FK links."""
    store = bulk.store
    before = snapshot(store)
    tid = store.transcripts.get("T01").id
    with store.write(coder="anna"):
        store.conn.execute("INSERT INTO codes(id, name) VALUES (900, 'parent-x')")
        store.conn.execute("INSERT INTO codes(id, name, parent_id) VALUES (901, 'child-x', 900)")
        for i in range(30):  # a run of tag inserts, then updates of some of them
            store.conn.execute(
                'INSERT INTO tags(id, transcript_id, code_id, start, "end", text, coder, '
                "origin, created_at) VALUES (?, ?, 901, ?, ?, 'x', 'anna', 'manual', 'now')",
                [5000 + i, tid, i, i + 3],
            )
        store.conn.execute("UPDATE tags SET memo = 'm' WHERE id BETWEEN 5000 AND 5009")
        store.conn.execute("UPDATE tags SET memo = 'n' WHERE id = 5000")  # a third change
        store.conn.execute("UPDATE suggestions SET status = 'accepted', tag_id = 5001 WHERE id = 3")
        store.conn.execute("UPDATE codes SET label = 'P' WHERE id = 900")
        store.conn.execute("DELETE FROM tags WHERE id = 5029")  # inserted, then deleted
        store.conn.execute("UPDATE codes SET description = 'changed' WHERE id < 900")
    made = snapshot(store)
    assert made != before
    bulk.undo()
    assert snapshot(store) == before
    undo_newest(bulk)
    assert snapshot(store) == made
    undo_newest(bulk)
    assert snapshot(store) == before
    assert store.integrity_problems() == []


def _skip_some(project: Project, every: int = 9) -> None:
    """Skip every `every`-th suggestion (a decision with a coder, a time and the passage)."""
    ids = [r[0] for r in project.store.conn.execute("SELECT id FROM suggestions ORDER BY id")]
    for sid in ids[::every]:
        project.decide(sid, "skip", coder="bruno")


def test_a_bulk_accept_is_recorded_as_decision_sets_not_row_by_row(bulk: Project) -> None:
    store = bulk.store
    done = bulk.decide_all("accept")
    entry = bulk.log(limit=1)[0]
    made = store.scalar("SELECT count(*) FROM tags")
    assert entry.changes == ()  # no row-by-row record of the tags and decisions
    assert sum(d.suggestions for d in entry.decisions) == len(done) == 2000
    assert sum(d.tags for d in entry.decisions) == made and entry.size == 2000 + made
    codes = {c.name for c in store.codes.all()}
    assert {(d.transcript, d.code) for d in entry.decisions} == {("T01", c) for c in codes}
    assert all(
        (d.kind, d.status, d.coder) == ("decide", "accepted", "anna") for d in entry.decisions
    )
    some = sorted(codes)[0]
    assert [e.id for e in bulk.log(code=some, limit=1)] == [entry.id]
    assert [e.id for e in bulk.log(transcript="T01", limit=1)] == [entry.id]
    from qualcode.history import summarize

    assert summarize(entry, limit=20) == [
        f"~ {d.suggestions} suggestions {d.code} T01: accepted ({d.tags} tags made)"
        for d in entry.decisions
    ]
    assert summarize(entry, limit=3) == [
        f"~ 2000 suggestions in 1 transcript, {len(codes)} codes: accepted ({made} tags made)"
    ]


def test_skipped_suggestions_get_their_own_decision_back_on_undo_and_redo(
    bulk: Project,
) -> None:
    _skip_some(bulk)
    before = snapshot(bulk.store)
    assert sum(1 for r in before["suggestions"] if "skipped" in r) > 200
    bulk.decide_all("accept")
    accepted = snapshot(bulk.store)
    bulk.undo()
    assert snapshot(bulk.store) == before
    undo_newest(bulk)
    assert snapshot(bulk.store) == accepted


def test_a_bulk_reject_is_undone_and_redone_exactly(bulk: Project) -> None:
    _skip_some(bulk, 13)
    before = snapshot(bulk.store)
    assert len(bulk.decide_all("reject")) == 2000
    rejected = snapshot(bulk.store)
    entry = bulk.log(limit=1)[0]
    assert entry.size == 2000 and {d.status for d in entry.decisions} == {"rejected"}
    assert bulk.undo().changes == 2000
    assert snapshot(bulk.store) == before
    undo_newest(bulk)
    assert snapshot(bulk.store) == rejected


def test_a_later_bulk_decision_on_a_row_blocks_the_undo_naming_it(bulk: Project) -> None:
    bulk.decide_all("accept")
    first = bulk.log(limit=1)[0].id
    sid = int(bulk.store.scalar("SELECT max(id) FROM suggestions"))
    bulk.undo_decision(sid, coder="anna")  # back to pending, row by row
    bulk.decide_all("accept")  # decides it again, as a set
    again = bulk.log(limit=1)[0].id
    after = snapshot(bulk.store)
    with pytest.raises(QualcodeError, match=f"a suggestion it changed .* by command {again} "):
        with bulk.store.write(coder="anna"):
            bulk.store.history.undo_ids([first])
    assert snapshot(bulk.store) == after


def test_a_merged_bulk_accept_brings_its_decision_sets_once(bulk: Project, tmp_path: Path) -> None:
    import shutil

    store = bulk.store
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy2(store.path, other / "qualcode.db")
    with Project.open(other) as theirs:
        theirs.decide_all("accept", coder="ben")
        sizes = [d.size for d in theirs.log(limit=1)[0].decisions]
    plan = bulk.merge(other / "qualcode.db")
    assert plan.history_added == 1
    (copied,) = [e for e in bulk.log(limit=3) if "[merged from" in e.command]
    assert [d.size for d in copied.decisions] == sizes
    assert bulk.merge(other / "qualcode.db").history_added == 0
