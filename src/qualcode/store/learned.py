"""Learned and derived data kept as JSON in the `models` table (never pickled)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from . import Store


class LearnedStore:
    """SQL of the models table. Derived data: made again when stale, not in the history."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.conn = store.conn

    # An entry is JSON text, kept as TEXT or (save_parts) as its UTF-8 bytes: read as text.

    def get(self, name: str) -> tuple[str, str] | None:
        """(fingerprint, JSON text) of a stored entry, None when there is none."""
        row = self.conn.execute(
            "SELECT fingerprint, CAST(data AS TEXT) FROM models WHERE name = ?", [name]
        ).fetchone()
        return (str(row[0]), str(row[1])) if row else None

    def matching(self, name: str, fingerprint: str) -> str | None:
        """The JSON text of an entry made with this fingerprint (a stale one is not read)."""
        row = self.conn.execute(
            "SELECT CAST(data AS TEXT) FROM models WHERE name = ? AND fingerprint = ?",
            [name, fingerprint],
        ).fetchone()
        return str(row[0]) if row else None

    def save(self, name: str, fingerprint: str, data: str) -> None:
        """Store (or replace) an entry in its own unrecorded transaction."""
        from . import now

        with self.store.write(record=False):
            self._put(name, fingerprint, now(), data)

    def save_parts(self, name: str, fingerprint: str, parts: Callable[[], Iterable[str]]) -> None:
        """Store (or replace) an entry whose JSON text `parts()` gives a piece at a time, in
        its own unrecorded transaction. The pieces are made twice, once to count their bytes
        and once to write each into the row as it comes (SQLite's incremental blob I/O): the
        whole text is never held, as one string or as pieces (10 M words: 42 MB)."""
        from . import now

        with self.store.write(record=False):
            if not hasattr(self.conn, "blobopen"):  # Python 3.10
                self._put(name, fingerprint, now(), "".join(parts()).encode("utf-8"))
                return
            size = sum(len(p.encode("utf-8")) for p in parts())
            rowid = self._put(name, fingerprint, now(), size)
            with self.conn.blobopen("models", "data", rowid) as blob:
                for piece in parts():
                    blob.write(piece.encode("utf-8"))

    def _put(self, name: str, fingerprint: str, created_at: str, data: str | bytes | int) -> int:
        """Insert or replace an entry and return its rowid. data: its text or bytes, or how
        many bytes (zeros, written over next)."""
        value = "zeroblob(?)" if isinstance(data, int) else "?"
        self.conn.execute(
            f"INSERT INTO models(name, fingerprint, data, created_at) VALUES (?, ?, {value}, ?) "
            "ON CONFLICT(name) DO UPDATE SET fingerprint = excluded.fingerprint, "
            "data = excluded.data, created_at = excluded.created_at",
            [name, fingerprint, data, created_at],
        )
        return int(self.store.scalar("SELECT rowid FROM models WHERE name = ?", [name]))

    def names(self) -> list[str]:
        """Names of the stored entries."""
        return [r[0] for r in self.conn.execute("SELECT name FROM models ORDER BY name")]
