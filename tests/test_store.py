"""The SQLite store: schema, migrations, WAL, foreign keys, write locking."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from qualcode.errors import ProjectBusy, ProjectNotFound, QualcodeError
from qualcode.project import Project
from qualcode.store import Store
from qualcode.store.migrations import migrations


def test_init_creates_a_migrated_wal_database(tmp_path: Path) -> None:
    with Project.init(tmp_path / "p") as p:
        tables = set(p.store.db.table_names())
        assert {
            "transcripts",
            "turns",
            "respondents",
            "attributes",
            "codes",
            "tags",
            "suggestions",
            "pseudonyms",
            "_sqlite_migrations",
        } <= tables
        assert p.store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert p.store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert not migrations.build().pending(p.store.db)


def test_init_refuses_an_existing_project(tmp_path: Path) -> None:
    Project.init(tmp_path).close()
    with pytest.raises(QualcodeError, match="already exists"):
        Project.init(tmp_path)


def test_project_is_found_from_a_subfolder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Project.init(tmp_path).close()
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    monkeypatch.delenv("QUALCODE_PROJECT", raising=False)
    with Project.open() as p:
        assert p.root == tmp_path.resolve()


def test_missing_project_says_how_to_create_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("QUALCODE_PROJECT", raising=False)
    with pytest.raises(ProjectNotFound, match="qualcode init"):
        Project.open()


def test_a_file_that_is_not_sqlite_is_refused_clearly(tmp_path: Path) -> None:
    bad = tmp_path / "qualcode.db"
    bad.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(QualcodeError, match="not a qualcode project database"):
        Store(bad)


def test_pending_migration_backs_up_the_file_first(tmp_path: Path) -> None:
    path = tmp_path / "qualcode.db"
    Store(path, create=True).close()
    conn = sqlite3.connect(path)  # pretend the last migration has not run yet
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm003_pseudonyms'")
    conn.execute("DROP TABLE pseudonyms")
    conn.commit()
    conn.close()
    store = Store(path)
    assert "pseudonyms" in store.db.table_names()
    store.close()
    assert (tmp_path / "qualcode.db.bak-m003_pseudonyms").is_file()


def test_a_failed_write_rolls_back_everything(project: Project) -> None:
    with pytest.raises(RuntimeError):
        with project.store.write():
            project.store.respondents.upsert("R-1", {"town": "Talsi"})
            raise RuntimeError("boom")
    assert project.store.respondents.ids() == []


def test_foreign_keys_are_enforced(project: Project) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        with project.store.write():
            project.store.conn.execute(
                'INSERT INTO turns(transcript_id, number, speaker, role, start, "end") '
                "VALUES (999, 1, 'R', 'respondent', 0, 1)"
            )


def test_second_writer_gets_project_busy(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process holds the write lock: we fail cleanly after the busy timeout."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import sqlite3, sys, time
            c = sqlite3.connect({str(project.store.path)!r}, isolation_level=None)
            c.execute("BEGIN IMMEDIATE")
            print("locked", flush=True)
            sys.stdin.readline()
            c.execute("ROLLBACK")
        """),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        monkeypatch.setenv("QUALCODE_BUSY_TIMEOUT", "0.2")
        other = Store(project.store.path)
        with pytest.raises(ProjectBusy, match="another qualcode process"):
            with other.write():
                other.upsert_respondent("R-1", {})
        other.close()
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.close()
        holder.wait(timeout=10)
    assert project.store.respondents.ids() == []


def test_an_entry_saved_in_pieces_reads_back_whole_and_replaces_the_old(project: Project) -> None:
    learned = project.store.learned
    learned.save("m", "old", '{"words": ["mācības"]}')
    pieces = ['{"words": ', '["m\\u0101c\\u012bbas", "alga"]', ', "n": 2}']
    learned.save_parts("m", "new", lambda: iter(pieces))
    assert learned.matching("m", "old") is None
    assert learned.matching("m", "new") == "".join(pieces)
    assert learned.get("m") == ("new", "".join(pieces))
    learned.save_parts("m", "newer", lambda: ["{}"])  # shorter than before: nothing of it is left
    assert learned.get("m") == ("newer", "{}")


def test_a_failed_save_in_pieces_leaves_the_entry_as_it_was(project: Project) -> None:
    learned = project.store.learned
    learned.save("m", "old", "[1]")

    made = []

    def pieces():
        made.append(1)
        yield "[2"
        if len(made) == 2:  # fails while the row is being written
            raise RuntimeError("made no more")
        yield "]"

    with pytest.raises(RuntimeError):
        learned.save_parts("m", "new", pieces)
    assert learned.get("m") == ("old", "[1]")
