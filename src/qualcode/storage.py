"""The project's SQLite file: opening, migrating, transactions, and the SQL of the core records."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ProjectBusy, QualcodeError
from .migrations import migrations
from .models import Code, ParsedTranscript, Tag, Transcript, Turn

if TYPE_CHECKING:
    from sqlite_utils import Database

DB_NAME = "qualcode.db"


def now() -> str:
    """UTC timestamp, ISO 8601, second precision."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def _busy_timeout() -> float:
    # Seconds to wait for another writer before giving up; tests shorten it.
    return float(os.environ.get("QUALCODE_BUSY_TIMEOUT", "5"))


class Store:
    """One open project database. All SQL lives here (reports add read-only queries)."""

    def __init__(self, path: Path | str, *, create: bool = False) -> None:
        self.path = Path(path)
        memory = str(path) == ":memory:"
        if not memory and not create and not self.path.exists():
            raise QualcodeError(f"{self.path} does not exist; run `qualcode init` first")
        try:
            conn = sqlite3.connect(
                str(path), timeout=_busy_timeout(), isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA foreign_keys = ON")
            if not memory:
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.DatabaseError as exc:
            raise QualcodeError(
                f"{self.path} is not a qualcode project database ({exc}); "
                "check the path or restore it from a backup"
            ) from None
        self.conn = conn
        self._db: Database | None = None
        self._migrate(memory)

    @property
    def db(self) -> Database:
        """sqlite_utils view of the connection, made on first use (it imports numpy)."""
        if self._db is None:
            from sqlite_utils import Database

            self._db = Database(self.conn)
        return self._db

    def _applied(self) -> set[str]:
        try:
            rows = self.conn.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", [migrations.name]
            )
            return {r[0] for r in rows}
        except sqlite3.OperationalError:  # no migrations table yet: a new file
            return set()
        except sqlite3.DatabaseError as exc:
            raise QualcodeError(f"{self.path} is not a qualcode project database ({exc})") from None

    def _migrate(self, memory: bool) -> None:
        if set(migrations.names) <= self._applied():
            return
        steps = migrations.build()
        pending = steps.pending(self.db)
        has_data = "transcripts" in self.db.table_names()
        if has_data and not memory:
            backup = self.path.with_name(f"{self.path.name}.bak-{pending[0].name}")
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            shutil.copy2(self.path, backup)
        with self.write():
            steps.apply(self.db)

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    # -- transactions -------------------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[Store]:
        """One write transaction: everything inside commits together or not at all.

        BEGIN IMMEDIATE takes the write lock up front, so a second qualcode process
        waits (busy timeout) and then fails cleanly instead of half-writing.
        """
        if self.conn.in_transaction:  # nested: join the outer transaction
            yield self
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise ProjectBusy(
                    f"another qualcode process is writing to {self.path}; "
                    "wait for it to finish and run the command again"
                ) from None
            raise
        try:
            yield self
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        """Rows of a read query as dicts."""
        cur = self.conn.execute(sql, params)
        columns = [d[0] for d in cur.description or ()]
        return [dict(zip(columns, row, strict=True)) for row in cur]

    # -- settings -----------------------------------------------------------------------

    def get_setting(self, key: str, default: str | None = None) -> str | None:
        """A project setting, or default."""
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
        return row[0] if row else default

    def set_setting(self, key: str, value: str) -> None:
        """Set a project setting."""
        self.conn.execute(
            "INSERT INTO settings(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, value],
        )

    # -- respondents --------------------------------------------------------------------

    def upsert_respondent(self, respondent_id: str, attributes: dict[str, str]) -> None:
        """Create a respondent if new and set (overwrite) the given attributes."""
        self.conn.execute("INSERT OR IGNORE INTO respondents(id) VALUES (?)", [respondent_id])
        self.conn.executemany(
            "INSERT INTO attributes(respondent_id, key, value) VALUES (?, ?, ?) "
            "ON CONFLICT(respondent_id, key) DO UPDATE SET value = excluded.value",
            [(respondent_id, k, v) for k, v in attributes.items()],
        )

    def attributes(self, respondent_id: str) -> dict[str, str]:
        """All attributes of one respondent."""
        rows = self.conn.execute(
            "SELECT key, value FROM attributes WHERE respondent_id = ? ORDER BY key",
            [respondent_id],
        )
        return dict(rows.fetchall())

    def attribute_keys(self) -> list[str]:
        """Every attribute name in the project."""
        return [r[0] for r in self.conn.execute("SELECT DISTINCT key FROM attributes ORDER BY key")]

    def respondent_ids(self) -> list[str]:
        """Every respondent id."""
        return [r[0] for r in self.conn.execute("SELECT id FROM respondents ORDER BY id")]

    # -- transcripts --------------------------------------------------------------------

    def transcript_by_sha(self, sha256: str) -> dict[str, Any] | None:
        """The stored transcript with these source bytes, if any."""
        rows = self.query("SELECT id, name FROM transcripts WHERE sha256 = ?", [sha256])
        return rows[0] if rows else None

    def transcript_row(self, name: str) -> dict[str, Any] | None:
        """A transcript found by its name or its file name (with or without extension)."""
        rows = self.query(
            "SELECT * FROM transcripts WHERE name = ? OR file_name = ? "
            "ORDER BY name = ? DESC LIMIT 1",
            [name, name, name],
        )
        if not rows:  # the file name without its extension
            rows = self.query(
                "SELECT * FROM transcripts WHERE file_name LIKE ? ESCAPE '\\' ORDER BY id LIMIT 1",
                [name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + ".%"],
            )
        if not rows:
            rows = self.query(
                "SELECT * FROM transcripts WHERE lower(name) = lower(?) LIMIT 1", [name]
            )
        return rows[0] if rows else None

    def transcript_names(self) -> list[str]:
        """Every transcript name (for suggestions of the closest)."""
        return [r[0] for r in self.conn.execute("SELECT name FROM transcripts ORDER BY name")]

    def delete_transcript(self, transcript_id: int) -> None:
        """Remove a transcript with its turns, tags and suggestions."""
        self.conn.execute("DELETE FROM transcripts WHERE id = ?", [transcript_id])

    def insert_transcript(
        self,
        parsed: ParsedTranscript,
        *,
        name: str,
        respondent_id: str | None,
        language: str | None,
        source_path: str | None,
    ) -> int:
        """Store a parsed transcript and its turns; returns the transcript id."""
        cur = self.conn.execute(
            "INSERT INTO transcripts(name, file_name, source_path, format, encoding, sha256, "
            "language, respondent_id, header_end, text, imported_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                name,
                parsed.file_name,
                source_path,
                parsed.format,
                parsed.encoding,
                parsed.sha256,
                language,
                respondent_id,
                parsed.header_end,
                parsed.text,
                now(),
            ],
        )
        transcript_id = int(cur.lastrowid or 0)
        self.conn.executemany(
            'INSERT INTO turns(transcript_id, number, speaker, role, start, "end", '
            "start_time, end_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (transcript_id, i, t.speaker, t.role, t.start, t.end, t.start_time, t.end_time)
                for i, t in enumerate(parsed.turns, start=1)
            ],
        )
        return transcript_id

    def transcripts(self, transcript_id: int | None = None) -> list[Transcript]:
        """Every transcript (or one) with turn and tag counts and its respondent's attributes."""
        where = "" if transcript_id is None else "WHERE t.id = ?"
        params = [] if transcript_id is None else [transcript_id]
        rows = self.query(
            f"""
            SELECT t.id, t.name, t.file_name, t.format, t.encoding, t.sha256, t.language,
                   t.respondent_id, t.imported_at,
                   (SELECT count(*) FROM turns u WHERE u.transcript_id = t.id) AS turn_count,
                   (SELECT count(*) FROM tags g WHERE g.transcript_id = t.id) AS tag_count
            FROM transcripts t {where} ORDER BY t.name
            """,
            params,
        )
        attrs: dict[str, dict[str, str]] = {}
        sql = "SELECT respondent_id, key, value FROM attributes"
        if transcript_id is not None:
            sql += " WHERE respondent_id = (SELECT respondent_id FROM transcripts WHERE id = ?)"
        for r in self.conn.execute(sql, params):
            attrs.setdefault(r[0], {})[r[1]] = r[2]
        return [
            Transcript(
                id=r["id"],
                name=r["name"],
                file_name=r["file_name"],
                format=r["format"],
                encoding=r["encoding"],
                sha256=r["sha256"],
                language=r["language"],
                respondent=r["respondent_id"],
                imported_at=r["imported_at"],
                turn_count=r["turn_count"],
                tag_count=r["tag_count"],
                attributes=attrs.get(r["respondent_id"], {}),
            )
            for r in rows
        ]

    def turns(self, transcript_id: int, text: str) -> list[Turn]:
        """Turns of one transcript in order, with their text sliced from the transcript."""
        rows = self.conn.execute(
            'SELECT id, number, speaker, role, start, "end", start_time, end_time '
            "FROM turns WHERE transcript_id = ? ORDER BY number",
            [transcript_id],
        )
        return [
            Turn(
                id=r[0],
                transcript_id=transcript_id,
                number=r[1],
                speaker=r[2],
                role=r[3],
                start=r[4],
                end=r[5],
                text=text[r[4] : r[5]],
                start_time=r[6],
                end_time=r[7],
            )
            for r in rows
        ]

    # -- codes --------------------------------------------------------------------------

    def codes(self, *, include_inactive: bool = True) -> list[Code]:
        """Every code in tree order (depth-first by position)."""
        rows = self.query(
            "SELECT c.*, p.name AS parent_name FROM codes c "
            "LEFT JOIN codes p ON p.id = c.parent_id"
            + ("" if include_inactive else " WHERE c.active = 1")
        )
        by_parent: dict[int | None, list[dict[str, Any]]] = {}
        for r in rows:
            by_parent.setdefault(r["parent_id"], []).append(r)
        ordered: list[Code] = []

        def walk(parent: int | None) -> None:
            for r in sorted(by_parent.get(parent, []), key=lambda r: (r["position"], r["name"])):
                ordered.append(
                    Code(
                        id=r["id"],
                        name=r["name"],
                        label=r["label"],
                        description=r["description"],
                        color=r["color"],
                        parent=r["parent_name"],
                        position=r["position"],
                        keywords=tuple(json.loads(r["keywords"])),
                        rules=json.loads(r["rules"]),
                        active=bool(r["active"]),
                    )
                )
                walk(r["id"])

        walk(None)
        if len(ordered) < len(rows):  # parent inactive/filtered: keep orphans at the end
            seen = {c.id for c in ordered}
            for r in rows:
                if r["id"] not in seen:
                    ordered.append(
                        Code(
                            r["id"],
                            r["name"],
                            r["label"],
                            r["description"],
                            r["color"],
                            r["parent_name"],
                            r["position"],
                            tuple(json.loads(r["keywords"])),
                            json.loads(r["rules"]),
                            bool(r["active"]),
                        )
                    )
        return ordered

    def code_ids(self) -> dict[str, int]:
        """Code name -> id."""
        return dict(self.conn.execute("SELECT name, id FROM codes").fetchall())

    def upsert_code(
        self,
        *,
        name: str,
        label: str | None,
        description: str | None,
        color: str | None,
        parent_id: int | None,
        position: int,
        keywords: Iterable[str],
        rules: dict[str, Any],
    ) -> int:
        """Insert or update a code by name (tags keep pointing at the same id)."""
        self.conn.execute(
            "INSERT INTO codes(name, label, description, color, parent_id, position, keywords, "
            "rules, active) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1) "
            "ON CONFLICT(name) DO UPDATE SET label = excluded.label, "
            "description = excluded.description, color = excluded.color, "
            "parent_id = excluded.parent_id, position = excluded.position, "
            "keywords = excluded.keywords, rules = excluded.rules, active = 1",
            [
                name,
                label,
                description,
                color,
                parent_id,
                position,
                json.dumps(list(keywords), ensure_ascii=False),
                json.dumps(rules, ensure_ascii=False),
            ],
        )
        return int(self.conn.execute("SELECT id FROM codes WHERE name = ?", [name]).fetchone()[0])

    def deactivate_codes_except(self, keep: set[int]) -> list[str]:
        """Codes not in keep: delete the unused ones, mark the used ones inactive.

        Returns the names of codes kept inactive because tags still use them.
        """
        retired: list[str] = []
        rows = self.conn.execute("SELECT id, name FROM codes").fetchall()
        for code_id, name in rows:
            if code_id in keep:
                continue
            used = self.conn.execute(
                "SELECT count(*) FROM tags WHERE code_id = ?", [code_id]
            ).fetchone()[0]
            if used:
                self.conn.execute(
                    "UPDATE codes SET active = 0, parent_id = NULL WHERE id = ?", [code_id]
                )
                retired.append(name)
            else:
                self.conn.execute(
                    "UPDATE codes SET parent_id = NULL WHERE parent_id = ?", [code_id]
                )
                self.conn.execute("DELETE FROM suggestions WHERE code_id = ?", [code_id])
                self.conn.execute("DELETE FROM codes WHERE id = ?", [code_id])
        return retired

    def rename_code(self, old: str, new: str) -> None:
        """Rename a code in place (its tags follow, since they hold the id)."""
        self.conn.execute("UPDATE codes SET name = ? WHERE name = ?", [new, old])

    def add_codebook_version(
        self,
        *,
        sha256: str,
        source: str | None,
        title: str | None,
        language: str | None,
        content: str,
    ) -> int:
        """Record the codebook text that was loaded; returns its version number."""
        cur = self.conn.execute(
            "INSERT INTO codebook_versions(sha256, source, title, language, content, loaded_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [sha256, source, title, language, content, now()],
        )
        return int(cur.lastrowid or 0)

    def codebook_version(self) -> dict[str, Any] | None:
        """The latest loaded codebook version."""
        rows = self.query("SELECT * FROM codebook_versions ORDER BY id DESC LIMIT 1")
        return rows[0] if rows else None

    # -- tags ---------------------------------------------------------------------------

    def insert_tag(
        self,
        *,
        transcript_id: int,
        turn_id: int | None,
        code_id: int,
        start: int,
        end: int,
        text: str,
        coder: str,
        origin: str = "manual",
        rule: str | None = None,
        memo: str | None = None,
    ) -> int | None:
        """Insert a tag; None when this coder already tagged this passage with this code."""
        cur = self.conn.execute(
            'INSERT OR IGNORE INTO tags(transcript_id, turn_id, code_id, start, "end", text, '
            "coder, origin, rule, memo, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [transcript_id, turn_id, code_id, start, end, text, coder, origin, rule, memo, now()],
        )
        return int(cur.lastrowid or 0) if cur.rowcount else None

    def delete_tags(
        self, *, transcript_id: int, code_id: int, start: int, end: int, coder: str | None
    ) -> int:
        """Delete tags of a code on exactly this passage (by one coder or any); returns count."""
        sql = 'DELETE FROM tags WHERE transcript_id = ? AND code_id = ? AND start = ? AND "end" = ?'
        params: list[Any] = [transcript_id, code_id, start, end]
        if coder is not None:
            sql += " AND coder = ?"
            params.append(coder)
        return self.conn.execute(sql, params).rowcount

    def tags(
        self, *, transcript_id: int | None = None, code_ids: Iterable[int] | None = None
    ) -> list[Tag]:
        """Tags, optionally of one transcript and/or some codes, in text order."""
        where, params = [], []
        if transcript_id is not None:
            where.append("g.transcript_id = ?")
            params.append(transcript_id)
        if code_ids is not None:
            ids = list(code_ids)
            where.append(f"g.code_id IN ({','.join('?' * len(ids))})")
            params.extend(ids)
        sql = (
            'SELECT g.id, t.name AS transcript, c.name AS code, g.start, g."end", g.text, g.coder, '
            "g.origin, g.created_at, u.number AS turn_number, g.rule, g.memo "
            "FROM tags g JOIN transcripts t ON t.id = g.transcript_id "
            "JOIN codes c ON c.id = g.code_id LEFT JOIN turns u ON u.id = g.turn_id"
        )
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY t.name, g.start, c.position, g.id"
        return [Tag(**r) for r in self.query(sql, params)]


def find_project_db(start: Path | None = None) -> Path | None:
    """qualcode.db in start or the nearest parent directory, like git finds .git."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / DB_NAME
        if candidate.is_file():
            return candidate
    return None
