"""Respondents and their attributes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..errors import not_found
from ..models import Respondent

if TYPE_CHECKING:
    from . import Store


class RespondentStore:
    """SQL of the respondents and attributes tables."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.conn = store.conn

    def upsert(self, respondent_id: str, attributes: dict[str, str]) -> None:
        """Create a respondent if new and set (overwrite) the given attributes."""
        self.conn.execute("INSERT OR IGNORE INTO respondents(id) VALUES (?)", [respondent_id])
        self.conn.executemany(
            "INSERT INTO attributes(respondent_id, key, value) VALUES (?, ?, ?) "
            "ON CONFLICT(respondent_id, key) DO UPDATE SET value = excluded.value "
            "WHERE value IS NOT excluded.value",
            [(respondent_id, k, v) for k, v in attributes.items()],
        )

    def exists(self, respondent_id: str) -> bool:
        """Whether a respondent with this id exists."""
        return (
            self.store.scalar("SELECT 1 FROM respondents WHERE id = ?", [respondent_id]) is not None
        )

    def get(self, respondent_id: str) -> Respondent:
        """A respondent by id (case-insensitive fallback); NotFound names the closest."""
        rid = respondent_id
        if not self.exists(rid):
            found = self.store.scalar(
                "SELECT id FROM respondents WHERE lower(id) = lower(?) LIMIT 1", [rid]
            )
            if found is None:
                raise not_found("respondent", rid, self.ids(), hint="import attributes first")
            rid = str(found)
        names = [
            r[0]
            for r in self.conn.execute(
                "SELECT name FROM transcripts WHERE respondent_id = ? ORDER BY name", [rid]
            )
        ]
        return Respondent(rid, self.attributes(rid), tuple(names))

    def all(self) -> list[Respondent]:
        """Every respondent with attributes and transcripts."""
        attrs: dict[str, dict[str, str]] = {}
        for rid, key, value in self.conn.execute(
            "SELECT respondent_id, key, value FROM attributes ORDER BY key"
        ):
            attrs.setdefault(rid, {})[key] = value
        names: dict[str, list[str]] = {}
        for rid, name in self.conn.execute(
            "SELECT respondent_id, name FROM transcripts WHERE respondent_id IS NOT NULL "
            "ORDER BY name"
        ):
            names.setdefault(rid, []).append(name)
        return [
            Respondent(rid, attrs.get(rid, {}), tuple(names.get(rid, ()))) for rid in self.ids()
        ]

    def attributes(self, respondent_id: str) -> dict[str, str]:
        """All attributes of one respondent."""
        rows = self.conn.execute(
            "SELECT key, value FROM attributes WHERE respondent_id = ? ORDER BY key",
            [respondent_id],
        )
        return dict(rows.fetchall())

    def keys(self) -> list[str]:
        """Every attribute name in the project."""
        return [r[0] for r in self.conn.execute("SELECT DISTINCT key FROM attributes ORDER BY key")]

    def ids(self) -> list[str]:
        """Every respondent id."""
        return [r[0] for r in self.conn.execute("SELECT id FROM respondents ORDER BY id")]

    def all_values(self) -> list[tuple[str, str, str]]:
        """(respondent, key, value) of every attribute."""
        return [
            (r[0], r[1], r[2])
            for r in self.conn.execute(
                "SELECT respondent_id, key, value FROM attributes ORDER BY key"
            )
        ]

    def values(self, keys: Sequence[str]) -> dict[tuple[str, str], str]:
        """(respondent, key) -> value for these attribute names."""
        if not keys:
            return {}
        marks = ",".join("?" * len(keys))
        return {
            (rid, key): value
            for rid, key, value in self.conn.execute(
                f"SELECT respondent_id, key, value FROM attributes WHERE key IN ({marks})",
                list(keys),
            )
        }

    def with_transcripts(self) -> list[str]:
        """Each counted respondent: the linked respondent or, unlinked, the transcript name."""
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT DISTINCT coalesce(respondent_id, name) FROM transcripts ORDER BY 1"
            )
        ]

    def transcript_values(self, key: str) -> dict[int, str]:
        """Transcript id -> its respondent's value of one attribute."""
        rows = self.conn.execute(
            "SELECT t.id, a.value FROM transcripts t JOIN attributes a "
            "ON a.respondent_id = t.respondent_id AND a.key = ?",
            [key],
        )
        return dict(rows.fetchall())

    def unset(self, respondent_id: str, keys: Sequence[str]) -> int:
        """Remove attributes of a respondent; returns how many were there."""
        n = 0
        for key in keys:
            n += self.conn.execute(
                "DELETE FROM attributes WHERE respondent_id = ? AND key = ?", [respondent_id, key]
            ).rowcount
        return n

    def rename(self, old: str, new: str) -> None:
        """Give a respondent a new id; attributes and transcripts follow."""
        self.conn.execute("INSERT INTO respondents(id) VALUES (?)", [new])
        self.conn.execute(
            "UPDATE attributes SET respondent_id = ? WHERE respondent_id = ?", [new, old]
        )
        self.conn.execute(
            "UPDATE transcripts SET respondent_id = ? WHERE respondent_id = ?", [new, old]
        )
        self.conn.execute("DELETE FROM respondents WHERE id = ?", [old])

    def delete(self, respondent_id: str) -> None:
        """Remove a respondent and its attributes (each recorded); transcripts are unlinked."""
        self.conn.execute(
            "UPDATE transcripts SET respondent_id = NULL WHERE respondent_id = ?", [respondent_id]
        )
        self.conn.execute("DELETE FROM attributes WHERE respondent_id = ?", [respondent_id])
        self.conn.execute("DELETE FROM respondents WHERE id = ?", [respondent_id])

    def without_transcripts(self) -> list[str]:
        """Respondents no transcript is linked to."""
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT id FROM respondents WHERE id NOT IN "
                "(SELECT respondent_id FROM transcripts WHERE respondent_id IS NOT NULL) "
                "ORDER BY id"
            )
        ]

    def key_counts(self) -> list[tuple[str, int, int]]:
        """(attribute, distinct values, rows) per attribute name."""
        return [
            (r[0], r[1], r[2])
            for r in self.conn.execute(
                "SELECT key, count(DISTINCT value), count(*) FROM attributes GROUP BY key "
                "ORDER BY key"
            )
        ]
