"""SQL of merging another copy of a project in: read the other file, write into ours.

The other file is opened read-only (SQLite URI mode=ro) after the same checks `Store` makes
(an SQLite file, a qualcode project, a schema this qualcode knows), so a merge can never
change it. Rows travel as dicts of their columns; `merging.py` decides what to add.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import QualcodeError
from .migrations import migrations

if TYPE_CHECKING:
    from . import Store


def _q(col: str) -> str:
    return '"' + col.replace('"', '""') + '"'


def _rows(conn: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    cur = conn.execute(sql, params)
    cols = [d[0] for d in cur.description or ()]
    return [dict(zip(cols, r, strict=True)) for r in cur]


def fingerprints(conn: sqlite3.Connection) -> dict[int, str]:
    """Command id -> a digest of its row changes (tables, keys, values, in order) and its
    decision sets.

    A command copied by a merge keeps its changes verbatim, so its digest matches the
    original's: with the time, coder and command it tells a command already here apart from
    a different one run in the same second.
    """
    import hashlib

    digests: dict[int, Any] = {}
    for sql in (
        "SELECT command_id, tbl, action, row_key, before, after FROM changes "
        "ORDER BY command_id, id",
        # a command's bulk decisions after its row changes
        "SELECT command_id, kind, status, decided_by, decided_at, transcript, code, rows "
        "FROM decision_sets ORDER BY command_id, id",
    ):
        for cid, *values in conn.execute(sql):
            h = digests.get(cid)
            if h is None:
                h = digests[cid] = hashlib.sha1(usedforsecurity=False)
            h.update(repr(values).encode())
    return {cid: h.hexdigest() for cid, h in digests.items()}


class OtherProject:
    """Another qualcode project file, open read-only."""

    def __init__(self, path: Path) -> None:
        from . import _check_file

        self.path = Path(path)
        if not self.path.is_file():
            raise QualcodeError(
                f"{self.path} does not exist; give the path of the other qualcode.db"
            )
        _check_file(self.path)
        try:
            self.conn = sqlite3.connect(self.path.resolve().as_uri() + "?mode=ro", uri=True)
            tables = {
                r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
        except sqlite3.DatabaseError as exc:
            raise QualcodeError(f"{self.path} is not a qualcode project database ({exc})") from None
        applied: set[str] = set()
        if "_sqlite_migrations" in tables:
            applied = {
                r[0]
                for r in self.conn.execute(
                    "SELECT name FROM _sqlite_migrations WHERE migration_set = ?",
                    [migrations.name],
                )
            }
        if not applied:
            self.conn.close()
            raise QualcodeError(
                f"{self.path} is not a qualcode project (another program's database); "
                "give the path of the other copy's qualcode.db"
            )
        unknown = applied - set(migrations.names)
        if unknown:
            self.conn.close()
            raise QualcodeError(
                f"{self.path} was written by a newer qualcode (schema {sorted(unknown)[-1]}); "
                "upgrade qualcode (pip install -U qualcode) to merge it"
            )
        if not set(migrations.names) <= applied:
            self.conn.close()
            raise QualcodeError(
                f"{self.path} has an older schema; open it once with this qualcode "
                f"(qualcode --project {self.path.parent} check) to upgrade it, then merge"
            )

    def close(self) -> None:
        """Close the read-only connection."""
        self.conn.close()

    def fingerprints(self) -> dict[int, str]:
        """Command id -> a digest of its row changes."""
        return fingerprints(self.conn)

    def rows(self, table: str, where: str = "") -> list[dict[str, Any]]:
        """Every row of one table (of a fixed set), in id order where there is one."""
        order = {
            "respondents": "id",
            "attributes": "respondent_id, key",
            "pseudonyms": "name",
        }.get(table, "id")
        return _rows(self.conn, f"SELECT * FROM {table}{where} ORDER BY {order}")

    def transcripts(self) -> list[dict[str, Any]]:
        """Every transcript with its text."""
        return self.rows("transcripts")

    def turns(self) -> list[dict[str, Any]]:
        """Every turn."""
        return self.rows("turns")

    def decided_suggestions(self) -> list[dict[str, Any]]:
        """Suggestions a coder decided (pending ones are machine output, made again)."""
        return self.rows("suggestions", " WHERE status != 'pending'")


class MergeStore:
    """Reads of our side and the inserts a merge makes (inside the caller's write)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.conn = store.conn

    def fingerprints(self) -> dict[int, str]:
        """Command id -> a digest of its row changes."""
        return fingerprints(self.conn)

    def rows(self, table: str, where: str = "") -> list[dict[str, Any]]:
        """Every row of one of our tables."""
        return _rows(self.conn, f"SELECT * FROM {table}{where}")

    def tag_keys(self) -> dict[tuple[int, int, int, int, str], int]:
        """(transcript id, code id, start, end, coder) -> tag id, for every tag."""
        return {
            (r[0], r[1], r[2], r[3], r[4]): r[5]
            for r in self.conn.execute(
                'SELECT transcript_id, code_id, start, "end", coder, id FROM tags'
            )
        }

    def turn_numbers(self) -> dict[tuple[int, int], int]:
        """(transcript id, turn number) -> turn id."""
        return {
            (r[0], r[1]): r[2]
            for r in self.conn.execute("SELECT transcript_id, number, id FROM turns")
        }

    def insert(self, table: str, row: dict[str, Any]) -> int:
        """Insert one row (its columns as given); returns its rowid."""
        cols = list(row)
        cur = self.conn.execute(
            f"INSERT INTO {table} ({', '.join(_q(c) for c in cols)}) "
            f"VALUES ({','.join('?' * len(cols))})",
            [row[c] for c in cols],
        )
        return int(cur.lastrowid or 0)

    def insert_many(self, table: str, rows: Sequence[dict[str, Any]]) -> None:
        """Insert rows that all have the same columns."""
        if not rows:
            return
        cols = list(rows[0])
        self.conn.executemany(
            f"INSERT INTO {table} ({', '.join(_q(c) for c in cols)}) "
            f"VALUES ({','.join('?' * len(cols))})",
            [[r[c] for c in cols] for r in rows],
        )

    def update_suggestion(self, suggestion_id: int, values: dict[str, Any]) -> None:
        """Take the other side's decision on a suggestion that is pending here."""
        sets = ", ".join(f"{_q(c)} = ?" for c in values)
        self.conn.execute(
            f"UPDATE suggestions SET {sets} WHERE id = ?", [*values.values(), suggestion_id]
        )

    def set_command_links(
        self, command_id: int, undo_of: int | None, undone_by: int | None
    ) -> None:
        """Point a copied command at the copies of the commands it undid / was undone by."""
        self.conn.execute(
            "UPDATE commands SET undo_of = ?, undone_by = ? WHERE id = ?",
            [undo_of, undone_by, command_id],
        )
