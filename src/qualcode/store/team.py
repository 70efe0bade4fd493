"""Team coding: what agreement reads (coded spans, units) and the reviewer's settlements."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from . import Store

# The settled coding, made per connection when a --final view is asked for; the tag queries
# read it in place of `tags` (same columns they use).
FINAL_TABLE = "temp.final_tags"


class TeamStore:
    """SQL of the settlements table and of the inputs to agreement."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.conn = store.conn

    def coded_spans(self) -> list[tuple[str, str, str, int, int]]:
        """(transcript, coder, code, start, end) of every placed tag."""
        return [
            (r[0], r[1], r[2], r[3], r[4])
            for r in self.conn.execute(
                'SELECT t.name, g.coder, c.name, g.start, g."end" FROM tags g '
                "JOIN transcripts t ON t.id = g.transcript_id JOIN codes c ON c.id = g.code_id "
                "WHERE g.status = 'placed'"
            )
        ]

    def placed_rows(self) -> list[tuple[str, int, int | None, int, int, int, str, str]]:
        """(transcript, transcript id, turn id, code id, start, end, text, coder) of every
        placed tag: the rows of the final view where nothing needs settling."""
        return [
            (r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7])
            for r in self.conn.execute(
                'SELECT t.name, g.transcript_id, g.turn_id, g.code_id, g.start, g."end", g.text, '
                "g.coder FROM tags g JOIN transcripts t ON t.id = g.transcript_id "
                "WHERE g.status = 'placed'"
            )
        ]

    def respondent_turns(self) -> list[tuple[str, int, int, int, str]]:
        """(transcript, turn number, start, end, respondent) of every respondent turn."""
        return [
            (r[0], r[1], r[2], r[3], r[4])
            for r in self.conn.execute(
                'SELECT t.name, u.number, u.start, u."end", coalesce(t.respondent_id, t.name) '
                "FROM turns u JOIN transcripts t ON t.id = u.transcript_id "
                "WHERE u.role = 'respondent' ORDER BY t.name, u.number"
            )
        ]

    def turn_ids(self) -> dict[tuple[str, int], tuple[int, int]]:
        """(transcript name, turn number) -> (transcript id, turn id) for every turn."""
        return {
            (r[0], r[1]): (r[2], r[3])
            for r in self.conn.execute(
                "SELECT t.name, u.number, t.id, u.id FROM turns u "
                "JOIN transcripts t ON t.id = u.transcript_id"
            )
        }

    # -- settlements ----------------------------------------------------------------------

    def settle(
        self,
        *,
        transcript_id: int,
        turn: int,
        code_id: int,
        keep: Sequence[str],
        decided_by: str,
    ) -> None:
        """Record (or replace) the decision on one code in one turn."""
        from . import now

        self.conn.execute(
            "INSERT INTO settlements(transcript_id, turn, code_id, keep, decided_by, decided_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(transcript_id, turn, code_id) DO UPDATE SET "
            "keep = excluded.keep, decided_by = excluded.decided_by, "
            "decided_at = excluded.decided_at",
            [transcript_id, turn, code_id, json.dumps(sorted(keep)), decided_by, now()],
        )

    def settlements(self) -> list[tuple[str, int, str, tuple[str, ...], str, str]]:
        """(transcript, turn, code, kept coders, decided by, decided at) of every decision."""
        return [
            (r[0], r[1], r[2], tuple(json.loads(r[3])), r[4], r[5])
            for r in self.conn.execute(
                "SELECT t.name, s.turn, c.name, s.keep, s.decided_by, s.decided_at "
                "FROM settlements s JOIN transcripts t ON t.id = s.transcript_id "
                "JOIN codes c ON c.id = s.code_id ORDER BY t.name, s.turn, c.name"
            )
        ]

    # -- the final view ---------------------------------------------------------------------

    def load_final(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Fill the per-connection final coding table.

        rows: (transcript id, turn id, code id, start, end, text, coder).
        """
        self.conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS final_tags (transcript_id INTEGER, turn_id INTEGER, "
            'code_id INTEGER, start INTEGER, "end" INTEGER, text TEXT, coder TEXT, '
            "status TEXT NOT NULL DEFAULT 'placed')"
        )
        self.conn.execute("DELETE FROM temp.final_tags")
        self.conn.executemany(
            'INSERT INTO temp.final_tags(transcript_id, turn_id, code_id, start, "end", text, '
            "coder) VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
