"""The pseudonym table used by anonymised exports."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from . import Store


class PseudonymStore:
    """SQL of the pseudonyms table."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.conn = store.conn

    def all(self) -> list[tuple[str, str]]:
        """(name, pseudonym) pairs by name."""
        rows = self.conn.execute("SELECT name, pseudonym FROM pseudonyms ORDER BY name")
        return [(r[0], r[1]) for r in rows]

    def save(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Add or change pseudonyms."""
        self.conn.executemany(
            "INSERT INTO pseudonyms(name, pseudonym) VALUES (?, ?) "
            "ON CONFLICT(name) DO UPDATE SET pseudonym = excluded.pseudonym "
            "WHERE pseudonym IS NOT excluded.pseudonym",
            pairs,
        )

    def remove(self, name: str) -> bool:
        """Remove one name; False when it was not there."""
        return bool(self.conn.execute("DELETE FROM pseudonyms WHERE name = ?", [name]).rowcount)
