"""The token cache: each transcript's tokenised keys, made again whenever it is stale."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from . import Store


class CacheStore:
    """SQL of the token_cache table. Derived data: not recorded in the history."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.conn = store.conn

    def get(self, transcript_ids: Sequence[int]) -> list[tuple[int, str, str, bytes]]:
        """(transcript id, pipeline version, sha256, data) of the cached transcripts."""
        if not transcript_ids:
            return []
        marks = ",".join("?" * len(transcript_ids))
        return [
            (r[0], r[1], r[2], r[3])
            for r in self.conn.execute(
                f"SELECT transcript_id, pipeline, sha256, data FROM token_cache "
                f"WHERE transcript_id IN ({marks})",
                list(transcript_ids),
            )
        ]

    def versions(self, transcript_ids: Sequence[int]) -> list[tuple[int, str, str]]:
        """(transcript id, pipeline version, sha256) of the cached transcripts (no data)."""
        out: list[tuple[int, str, str]] = []
        for chunk in _chunks(transcript_ids):
            marks = ",".join("?" * len(chunk))
            out.extend(
                (r[0], r[1], r[2])
                for r in self.conn.execute(
                    "SELECT transcript_id, pipeline, sha256 FROM token_cache "
                    f"WHERE transcript_id IN ({marks})",
                    list(chunk),
                )
            )
        return out

    def save(self, rows: Sequence[tuple[int, str, str, bytes]]) -> None:
        """Store cache entries in their own transaction (work done survives a later failure)."""
        with self.store.write(record=False):
            self.conn.executemany(
                "INSERT INTO token_cache(transcript_id, pipeline, sha256, data) "
                "VALUES (?, ?, ?, ?) ON CONFLICT(transcript_id) DO UPDATE SET "
                "pipeline = excluded.pipeline, sha256 = excluded.sha256, data = excluded.data",
                rows,
            )

    def size(self) -> int:
        """Bytes of cached data."""
        return int(self.store.scalar("SELECT coalesce(sum(length(data)), 0) FROM token_cache"))

    # -- what the rules found ------------------------------------------------------------

    def match_fingerprints(self, transcript_ids: Sequence[int]) -> dict[tuple[int, int], str]:
        """(transcript id, code id) -> fingerprint of the stored matches."""
        out: dict[tuple[int, int], str] = {}
        for chunk in _chunks(transcript_ids):
            marks = ",".join("?" * len(chunk))
            for r in self.conn.execute(
                "SELECT transcript_id, code_id, fingerprint FROM match_cache "
                f"WHERE transcript_id IN ({marks})",
                list(chunk),
            ):
                out[(r[0], r[1])] = r[2]
        return out

    def matches(self, transcript_ids: Sequence[int]) -> list[tuple[int, int, str, bytes]]:
        """(transcript id, code id, fingerprint, data) of these transcripts' stored matches."""
        out: list[tuple[int, int, str, bytes]] = []
        for chunk in _chunks(transcript_ids):
            marks = ",".join("?" * len(chunk))
            out.extend(
                (r[0], r[1], r[2], r[3])
                for r in self.conn.execute(
                    "SELECT transcript_id, code_id, fingerprint, data FROM match_cache "
                    f"WHERE transcript_id IN ({marks})",
                    list(chunk),
                )
            )
        return out

    def save_matches(self, rows: Sequence[tuple[int, int, str, bytes]]) -> None:
        """Store what rules found (transcript id, code id, fingerprint, data), own transaction."""
        with self.store.write(record=False):
            self.conn.executemany(
                "INSERT INTO match_cache(transcript_id, code_id, fingerprint, data) "
                "VALUES (?, ?, ?, ?) ON CONFLICT(transcript_id, code_id) DO UPDATE SET "
                "fingerprint = excluded.fingerprint, data = excluded.data",
                rows,
            )


def _chunks(ids: Sequence[int], size: int = 500) -> list[Sequence[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]
