"""Migrations: the exact schema of a new project, and upgrades of real older project files.

The expected schema is tests/data/schema.sql. After adding a migration, regenerate it with
`python tests/test_migrations.py` and review the diff.
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
from pathlib import Path

import pytest

from qualcode.errors import QualcodeError
from qualcode.project import Project
from qualcode.store import Store
from qualcode.store.migrations import migrations

DATA = Path(__file__).parent / "data"
FROZEN_M003 = DATA / "project-m003.db"  # made by qualcode 0.1.0 (m001-m003) with real data


def schema(conn: sqlite3.Connection) -> str:
    """Every table and index definition, in a stable order."""
    rows = conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL "
        "AND name NOT LIKE 'sqlite_%' ORDER BY type, name"
    ).fetchall()
    return "\n".join(f"-- {t} {n}\n{sql.strip()};\n" for t, n, sql in rows)


def test_a_new_project_has_exactly_the_expected_schema(tmp_path: Path) -> None:
    store = Store(tmp_path / "q.db", create=True)
    assert schema(store.conn) == (DATA / "schema.sql").read_text()
    applied = [r[0] for r in store.conn.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
    assert applied == migrations.names


def test_nothing_a_coder_decided_is_deleted_by_a_cascade(tmp_path: Path) -> None:
    store = Store(tmp_path / "q.db", create=True)
    for table in ("tags", "suggestions", "attributes", "codes", "respondents", "transcripts"):
        actions = {r[6] for r in store.conn.execute(f"PRAGMA foreign_key_list({table})")}
        assert "CASCADE" not in actions, table


def test_an_older_project_with_data_upgrades_and_keeps_everything(tmp_path: Path) -> None:
    db = tmp_path / "qualcode.db"
    shutil.copy2(FROZEN_M003, db)
    before = sqlite3.connect(db)
    counts = {
        t: before.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in (
            "transcripts",
            "turns",
            "tags",
            "suggestions",
            "codes",
            "attributes",
            "pseudonyms",
        )
    }
    statuses = dict(before.execute("SELECT status, count(*) FROM suggestions GROUP BY 1"))
    tag_rows = before.execute(
        'SELECT id, start, "end", text, coder FROM tags ORDER BY id'
    ).fetchall()
    before.close()
    with Project.open(db) as p:
        conn = p.store.conn
        assert schema(conn) == (DATA / "schema.sql").read_text()
        for table, n in counts.items():
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == n, table
        assert dict(conn.execute("SELECT status, count(*) FROM suggestions GROUP BY 1")) == statuses
        after = conn.execute(
            'SELECT id, start, "end", text, coder FROM tags ORDER BY id'
        ).fetchall()
        assert after == tag_rows
        # the context kept for re-placing is the text around each tag
        for g in p.tags():
            row = conn.execute(
                "SELECT context_before, context_after FROM tags WHERE id = ?", [g.id]
            ).fetchone()
            text = p.store.transcripts.text(p.transcript(g.transcript).id)
            assert text[: g.start].endswith(row[0]) and text[g.end :].startswith(row[1])
        assert p.check().ok
        assert p.report().rows  # the upgraded project reports
    assert (tmp_path / "qualcode.db.bak-m004_history").is_file()


def test_a_database_from_a_newer_qualcode_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "qualcode.db"
    Store(db, create=True).close()
    conn = sqlite3.connect(db)
    conn.execute(
        "INSERT INTO _sqlite_migrations(migration_set, name, applied_at) "
        "VALUES ('qualcode', 'm999_future', '2030-01-01')"
    )
    conn.commit()
    conn.close()
    with pytest.raises(QualcodeError, match="newer qualcode"):
        Store(db)


def test_another_programs_database_is_left_untouched(tmp_path: Path) -> None:
    db = tmp_path / "other-app.sqlite"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, total REAL)")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    with pytest.raises(QualcodeError, match="another program's database"):
        Project.open(db)
    assert db.read_bytes() == before
    assert not (tmp_path / "other-app.sqlite-wal").exists()


def test_an_empty_or_foreign_file_is_not_taken_for_a_project(tmp_path: Path) -> None:
    empty = tmp_path / "qualcode.db"
    empty.write_bytes(b"")
    with pytest.raises(QualcodeError, match="empty"):
        Project.open(empty)
    assert empty.read_bytes() == b""
    text = tmp_path / "notes.db"
    text.write_text("hello")
    with pytest.raises(QualcodeError, match="not an SQLite file"):
        Project.open(text)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_a_read_only_project_can_be_read_but_says_why_it_cannot_be_written(
    demo_project: Project,
) -> None:
    folder = demo_project.root
    demo_project.tag("LV-03", ["needs-training"], turns="4")
    demo_project.close()
    import os

    if os.geteuid() == 0:  # root ignores permission bits: simulate with the read-only flag
        store = Store(folder / "qualcode.db")
        store.read_only = True
    else:
        folder.chmod(0o555)
        store = Store(folder / "qualcode.db")
    try:
        p = Project(store)
        assert len(p.tags()) == 1
        with pytest.raises(QualcodeError, match="read-only"):
            p.tag("LV-03", ["low-pay"], turns="4")
    finally:
        folder.chmod(0o755)
        store.close()


if __name__ == "__main__":  # regenerate tests/data/schema.sql
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        s = Store(Path(d) / "q.db", create=True)
        (DATA / "schema.sql").write_text(schema(s.conn))
        s.close()
    print(f"wrote {DATA / 'schema.sql'}")
