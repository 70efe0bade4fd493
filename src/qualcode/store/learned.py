"""Learned and derived data kept as JSON in the `models` table (never pickled)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from . import Store


class LearnedStore:
    """SQL of the models table. Derived data: made again when stale, not in the history."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.conn = store.conn

    def get(self, name: str) -> tuple[str, str] | None:
        """(fingerprint, JSON text) of a stored entry, None when there is none."""
        row = self.conn.execute(
            "SELECT fingerprint, data FROM models WHERE name = ?", [name]
        ).fetchone()
        return (str(row[0]), str(row[1])) if row else None

    def matching(self, name: str, fingerprint: str) -> str | None:
        """The JSON text of an entry made with this fingerprint (a stale one is not read)."""
        row = self.conn.execute(
            "SELECT data FROM models WHERE name = ? AND fingerprint = ?", [name, fingerprint]
        ).fetchone()
        return str(row[0]) if row else None

    def save(self, name: str, fingerprint: str, data: str) -> None:
        """Store (or replace) an entry in its own unrecorded transaction."""
        from . import now

        with self.store.write(record=False):
            self.conn.execute(
                "INSERT INTO models(name, fingerprint, data, created_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET fingerprint = excluded.fingerprint, "
                "data = excluded.data, created_at = excluded.created_at",
                [name, fingerprint, data, now()],
            )

    def names(self) -> list[str]:
        """Names of the stored entries."""
        return [r[0] for r in self.conn.execute("SELECT name FROM models ORDER BY name")]
