"""Suggestions and the review decisions on them."""

from __future__ import annotations

import builtins
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..models import MatchedTerm, Suggestion

if TYPE_CHECKING:
    from . import Store

_SELECT = """
    SELECT s.id, t.name AS transcript, u.number AS turn, c.name AS code, s.start, s."end",
           s.score, s.matched, s.rule, s.status, s.codebook_version, s.decided_by,
           substr(t.text, s.start + 1, s."end" - s.start) AS text,
           u.start AS turn_start, substr(t.text, u.start + 1, u."end" - u.start) AS turn_text,
           u.speaker, ac.name AS accepted_as, s.probability
    FROM suggestions s JOIN transcripts t ON t.id = s.transcript_id
    JOIN codes c ON c.id = s.code_id LEFT JOIN turns u ON u.id = s.turn_id
    LEFT JOIN tags g ON g.id = s.tag_id LEFT JOIN codes ac ON ac.id = g.code_id
"""
_ORDER = " ORDER BY t.name, s.start, c.position, c.name"
# Most probable first (calibrated probability); rules-only suggestions, whose scores are
# not probabilities, follow in text order (reading a transcript in order, as before).
_BY_LIKELY = (
    " ORDER BY s.probability IS NULL, s.probability DESC, t.name, s.start, c.position, c.name"
)


def _row(r: dict[str, Any]) -> Suggestion:
    matched = tuple(
        MatchedTerm(m["term"], m["text"], m["start"], m["end"], m["kind"])
        for m in json.loads(r["matched"] or "[]")
    )
    return Suggestion(
        id=r["id"],
        transcript=r["transcript"],
        turn=r["turn"],
        code=r["code"],
        start=r["start"],
        end=r["end"],
        score=r["score"],
        matched=matched,
        rule=r["rule"],
        status=r["status"],
        codebook_version=r["codebook_version"],
        text=r["text"] or "",
        turn_start=r["turn_start"] if r["turn_start"] is not None else r["start"],
        turn_text=r["turn_text"] or r["text"] or "",
        speaker=r["speaker"] or "",
        decided_by=r["decided_by"],
        accepted_as=r["accepted_as"],
        probability=r["probability"],
    )


class SuggestionStore:
    """SQL of the suggestions table."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.conn = store.conn

    def all(
        self,
        *,
        statuses: Sequence[str] | None = None,
        code_ids: Sequence[int] | None = None,
        transcript_id: int | None = None,
        min_score: float | None = None,
        likely_first: bool = False,
    ) -> list[Suggestion]:
        """Suggestions filtered by status, codes, transcript and score, in text order
        (likely_first: the most probable first)."""
        where, params = self._filters(statuses, code_ids, transcript_id, min_score)
        order = _BY_LIKELY if likely_first else _ORDER
        sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "") + order
        return [_row(r) for r in self.store.query(sql, params)]

    def ids(
        self,
        *,
        statuses: Sequence[str] | None = None,
        code_ids: Sequence[int] | None = None,
        transcript_id: int | None = None,
        min_score: float | None = None,
    ) -> builtins.list[int]:
        """Ids of the suggestions list() would return, in id order (no text is read)."""
        where, params = self._filters(statuses, code_ids, transcript_id, min_score)
        sql = "SELECT s.id FROM suggestions s" + (" WHERE " + " AND ".join(where) if where else "")
        return [r[0] for r in self.conn.execute(sql + " ORDER BY s.id", params)]

    @staticmethod
    def _filters(
        statuses: Sequence[str] | None,
        code_ids: Sequence[int] | None,
        transcript_id: int | None,
        min_score: float | None,
    ) -> tuple[builtins.list[str], builtins.list[Any]]:
        where: builtins.list[str] = []
        params: builtins.list[Any] = []
        if statuses is not None:
            where.append(f"s.status IN ({','.join('?' * len(statuses))})")
            params.extend(statuses)
        if code_ids is not None:
            where.append(f"s.code_id IN ({','.join('?' * len(code_ids))})")
            params.extend(code_ids)
        if transcript_id is not None:
            where.append("s.transcript_id = ?")
            params.append(transcript_id)
        if min_score is not None:
            # A learned suggestion's calibrated probability is its score for filtering.
            where.append("coalesce(s.probability, s.score) >= ?")
            params.append(min_score)
        return where, params

    def get(self, suggestion_id: int) -> Suggestion | None:
        """One suggestion by id."""
        rows = self.store.query(_SELECT + " WHERE s.id = ?", [suggestion_id])
        return _row(rows[0]) if rows else None

    def raw(self, suggestion_id: int) -> dict[str, Any] | None:
        """The stored row of a suggestion with its code's name."""
        rows = self.store.query(
            "SELECT s.*, c.name AS code FROM suggestions s JOIN codes c ON c.id = s.code_id "
            "WHERE s.id = ?",
            [suggestion_id],
        )
        return rows[0] if rows else None

    def pending_count(self) -> int:
        """Number of pending suggestions."""
        return int(self.store.scalar("SELECT count(*) FROM suggestions WHERE status = 'pending'"))

    def existing(
        self, transcript_ids: Sequence[int], code_ids: Sequence[int]
    ) -> dict[tuple[int, int], tuple[Any, ...]]:
        """(turn id, code id) -> (id, turn_id, code_id, status, start, end, score, matched,
        rule, probability, codebook_version) of the stored suggestions of these transcripts
        and codes."""
        if not transcript_ids or not code_ids:
            return {}
        t_marks, c_marks = ",".join("?" * len(transcript_ids)), ",".join("?" * len(code_ids))
        return {
            (r[1], r[2]): tuple(r)
            for r in self.conn.execute(
                'SELECT id, turn_id, code_id, status, start, "end", score, matched, rule, '
                "probability, codebook_version FROM suggestions "
                f"WHERE transcript_id IN ({t_marks}) "
                f"AND code_id IN ({c_marks})",
                [*transcript_ids, *code_ids],
            )
        }

    def insert_many(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert pending suggestions: (transcript_id, turn_id, code_id, start, end, score,
        matched JSON, rule, codebook_version, created_at[, probability])."""
        rows = [r if len(r) == 11 else (*r, None) for r in rows]
        self.conn.executemany(
            'INSERT INTO suggestions(transcript_id, turn_id, code_id, start, "end", score, '
            "matched, rule, codebook_version, status, created_at, probability, text) "
            "SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, '' ",
            rows,
        )

    # -- staging: suggestions made while matching, inserted together at the end --------

    _STAGED = (
        'transcript_id INTEGER, turn_id INTEGER, code_id INTEGER, start INTEGER, "end" INTEGER, '
        "score REAL, matched TEXT, rule TEXT, codebook_version INTEGER, created_at TEXT, "
        "probability REAL"
    )

    def stage_start(self) -> None:
        """An empty staging table: this connection's own TEMP table, so filling it takes no
        lock on the project and nothing of it outlives the connection."""
        self.conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS staged_suggestions({self._STAGED})")
        self.conn.execute("DELETE FROM temp.staged_suggestions")

    def stage(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Stage pending suggestions, as insert_many takes them (with the probability)."""
        self.conn.executemany(
            "INSERT INTO temp.staged_suggestions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
        )

    def insert_staged(self) -> tuple[int, int]:
        """Insert the staged suggestions, in the order staged, but those whose turn has a tag
        of their code by now (inside the caller's write transaction); (inserted, left out).
        The staging table is emptied."""
        staged = int(
            self.conn.execute("SELECT count(*) FROM temp.staged_suggestions").fetchone()[0]
        )
        cursor = self.conn.execute(
            'INSERT INTO suggestions(transcript_id, turn_id, code_id, start, "end", score, '
            "matched, rule, codebook_version, status, created_at, probability, text) SELECT "
            's.transcript_id, s.turn_id, s.code_id, s.start, s."end", s.score, s.matched, '
            "s.rule, s.codebook_version, 'pending', s.created_at, s.probability, '' "
            "FROM temp.staged_suggestions s WHERE NOT EXISTS (SELECT 1 FROM tags g "
            "WHERE g.turn_id = s.turn_id AND g.code_id = s.code_id) ORDER BY s.rowid"
        )
        inserted = cursor.rowcount
        self.conn.execute("DELETE FROM temp.staged_suggestions")
        return inserted, staged - inserted

    def stage_end(self) -> None:
        """Drop the staging table (whatever it still holds)."""
        self.conn.execute("DROP TABLE IF EXISTS temp.staged_suggestions")

    def any_for(self, transcript_ids: Sequence[int], code_ids: Sequence[int]) -> bool:
        """True when some suggestion (of any status) exists for these transcripts and codes."""
        c_marks = ",".join("?" * len(code_ids))
        for lo in range(0, len(transcript_ids) if code_ids else 0, 500):
            part = list(transcript_ids[lo : lo + 500])
            row = self.conn.execute(
                f"SELECT 1 FROM suggestions WHERE transcript_id IN ({','.join('?' * len(part))}) "
                f"AND code_id IN ({c_marks}) LIMIT 1",
                [*part, *code_ids],
            ).fetchone()
            if row is not None:
                return True
        return False

    def set_version(self, ids: Sequence[int], version: int | None) -> None:
        """Mark suggestions as produced by this codebook version."""
        self.conn.executemany(
            "UPDATE suggestions SET codebook_version = ? WHERE id = ?", [(version, i) for i in ids]
        )

    def update_match(
        self,
        suggestion_id: int,
        *,
        start: int,
        end: int,
        score: float,
        matched: str,
        rule: str,
        version: int | None,
        probability: float | None = None,
    ) -> None:
        """New position, score, probability and reasons for a pending suggestion."""
        self.conn.execute(
            'UPDATE suggestions SET start = ?, "end" = ?, score = ?, matched = ?, '
            "rule = ?, codebook_version = ?, probability = ? WHERE id = ?",
            [start, end, score, matched, rule, version, probability, suggestion_id],
        )

    def delete(self, ids: Sequence[int]) -> None:
        """Delete suggestions by id."""
        self.conn.executemany("DELETE FROM suggestions WHERE id = ?", [(i,) for i in ids])

    def set_status(
        self,
        suggestion_id: int,
        status: str,
        *,
        coder: str | None,
        at: str | None,
        tag_id: int | None = None,
    ) -> None:
        """Record a decision (or put the suggestion back to pending with coder None).

        The decided passage's text is kept with the decision, so it can be re-placed when
        the transcript is edited.
        """
        self.conn.execute(
            "UPDATE suggestions SET status = ?, decided_by = ?, decided_at = ?, tag_id = ?, "
            "text = CASE WHEN ? = 'pending' THEN text ELSE (SELECT substr(t.text, "
            's.start + 1, s."end" - s.start) FROM suggestions s JOIN transcripts t '
            "ON t.id = s.transcript_id WHERE s.id = suggestions.id) END WHERE id = ?",
            [status, coder, at, tag_id, status, suggestion_id],
        )

    def latest_decision(self, coder: str) -> int | None:
        """The id of this coder's latest decided suggestion."""
        found = self.store.scalar(
            "SELECT id FROM suggestions WHERE decided_at IS NOT NULL AND decided_by = ? "
            "ORDER BY decided_at DESC, id DESC LIMIT 1",
            [coder],
        )
        return None if found is None else int(found)

    def passage_text(self, suggestion_id: int) -> str:
        """The transcript text the suggestion points at."""
        return str(
            self.store.scalar(
                'SELECT substr(t.text, s.start + 1, s."end" - s.start) FROM suggestions s '
                "JOIN transcripts t ON t.id = s.transcript_id WHERE s.id = ?",
                [suggestion_id],
            )
            or ""
        )

    def decided_anchors(self, transcript_id: int) -> list[dict[str, Any]]:
        """Decided suggestions of a transcript with what re-placing them needs."""
        return self.store.query(
            'SELECT s.id, s.start, s."end", s.text, s.status, u.number AS turn_number, '
            '(u.start = s.start AND u."end" = s."end") AS whole_turn '
            "FROM suggestions s LEFT JOIN turns u ON u.id = s.turn_id "
            "WHERE s.transcript_id = ? AND s.status != 'pending' ORDER BY s.id",
            [transcript_id],
        )

    def drop_pending(self, transcript_id: int) -> None:
        """Delete the pending and skipped suggestions of a transcript (made again by suggest)."""
        self.conn.execute(
            "DELETE FROM suggestions WHERE transcript_id = ? AND status IN ('pending', 'skipped')",
            [transcript_id],
        )

    def move(self, suggestion_id: int, *, start: int, end: int, turn_id: int | None) -> bool:
        """Move a decided suggestion to its re-placed passage; False if one is there already."""
        try:
            self.conn.execute(
                'UPDATE suggestions SET start = ?, "end" = ?, turn_id = ? WHERE id = ?',
                [start, end, turn_id, suggestion_id],
            )
        except Exception as exc:  # UNIQUE: the same passage and code already decided
            if "UNIQUE" in str(exc):
                return False
            raise
        return True

    # -- learning and rule statistics ----------------------------------------------------

    def rejected_turn_codes(self) -> dict[int, set[str]]:
        """Turn id -> names of the codes whose suggestion a coder rejected on that turn."""
        out: dict[int, set[str]] = {}
        for turn_id, name in self.conn.execute(
            "SELECT s.turn_id, c.name FROM suggestions s JOIN codes c ON c.id = s.code_id "
            "WHERE s.status = 'rejected' AND s.turn_id IS NOT NULL"
        ):
            out.setdefault(turn_id, set()).add(name)
        return out

    def term_stats(self) -> builtins.list[tuple[str, str, str, str, int]]:
        """(code, term, kind, status, suggestions) for every matched term of every suggestion."""
        return [
            (r[0], r[1], r[2], r[3], r[4])
            for r in self.conn.execute(
                "SELECT c.name, json_extract(j.value, '$.term'), json_extract(j.value, '$.kind'), "
                "s.status, count(DISTINCT s.id) FROM suggestions s JOIN codes c "
                "ON c.id = s.code_id, json_each(s.matched) j "
                "GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
            )
        ]

    # -- bulk decisions --------------------------------------------------------------------

    def stage_passages(self, ids: Sequence[int]) -> int:
        """Put the undecided suggestions among ids, with their passage text and context,
        into temp.qc_bulk; returns how many.

        Each transcript's text is read once here: substr() in SQL would read the whole
        text again for every row (a 1 M-word project: gigabytes for 100 k rows).
        """
        from .tags import CONTEXT

        self.conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS qc_bulk(id INTEGER PRIMARY KEY, text TEXT, "
            "before TEXT, after TEXT, tag_id INTEGER)"
        )
        self.conn.execute("DELETE FROM temp.qc_bulk")
        marks_rows: dict[int, builtins.list[tuple[int, int, int]]] = {}
        wanted = sorted(set(ids))
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            # The status is checked here, not in SQL: with it in the WHERE clause SQLite
            # scanned the status index (every pending row) for each chunk of ids.
            for sid, tid, start, end, status in self.conn.execute(
                f'SELECT id, transcript_id, start, "end", status FROM suggestions WHERE id IN '
                f"({','.join('?' * len(chunk))})",
                chunk,
            ):
                if status in ("pending", "skipped"):
                    marks_rows.setdefault(tid, []).append((sid, start, end))
        staged: builtins.list[tuple[int, str, str, str]] = []
        count = 0
        for tid, rows in sorted(marks_rows.items()):
            text = str(self.store.scalar("SELECT text FROM transcripts WHERE id = ?", [tid]))
            for sid, start, end in rows:
                lo = max(start - CONTEXT, 0)
                staged.append((sid, text[start:end], text[lo:start], text[end : end + CONTEXT]))
            if len(staged) >= 10_000:  # in batches: the passages of 100 k rows add up
                self.conn.executemany(
                    "INSERT INTO temp.qc_bulk(id, text, before, after) VALUES (?, ?, ?, ?)", staged
                )
                count += len(staged)
                staged = []
        self.conn.executemany(
            "INSERT INTO temp.qc_bulk(id, text, before, after) VALUES (?, ?, ?, ?)", staged
        )
        return count + len(staged)

    def accept_many(self, ids: Sequence[int], *, coder: str, at: str) -> int:
        """Accept suggestions set-based; returns how many were accepted.

        One INSERT ... SELECT makes a tag (origin 'suggested') for each suggestion whose turn
        this coder has not tagged with the code yet, one UPDATE records the decisions and
        links each to the tag made for it (NULL when the tag existed: undo must not delete
        someone's tag). The history records them as decision sets, not row by row. Must run
        inside a write transaction.
        """
        if not ids or not self.stage_passages(ids):
            return 0
        before = int(self.store.scalar("SELECT coalesce(max(id), 0) FROM tags"))
        sets = self.store.decision_sets
        with sets.quiet():
            self.conn.execute(
                'INSERT OR IGNORE INTO tags(transcript_id, turn_id, code_id, start, "end", text, '
                "coder, origin, rule, memo, created_at, context_before, context_after) "
                'SELECT s.transcript_id, s.turn_id, s.code_id, s.start, s."end", b.text, ?, '
                "'suggested', s.rule, NULL, ?, b.before, b.after "
                "FROM temp.qc_bulk b JOIN suggestions s ON s.id = b.id "
                "WHERE s.turn_id IS NULL OR NOT EXISTS (SELECT 1 FROM tags g WHERE g.turn_id = "
                "s.turn_id AND g.code_id = s.code_id AND g.coder = ? AND g.status = 'placed') "
                "ORDER BY s.id",
                [coder, at, coder],
            )
            self.conn.execute(
                "UPDATE temp.qc_bulk SET tag_id = (SELECT g.id FROM suggestions s JOIN tags g "
                "ON g.transcript_id = s.transcript_id AND g.code_id = s.code_id AND "
                'g.start = s.start AND g."end" = s."end" AND g.coder = ? AND g.id > ? '
                "WHERE s.id = qc_bulk.id)",
                [coder, before],
            )
            sets.record("accepted", coder, at)
            cur = self.conn.execute(
                "UPDATE suggestions SET status = 'accepted', decided_by = ?, decided_at = ?, "
                "text = b.text, tag_id = b.tag_id FROM temp.qc_bulk b "
                "WHERE suggestions.id = b.id",
                [coder, at],
            )
        self.conn.execute("DELETE FROM temp.qc_bulk")
        return int(cur.rowcount)

    def reject_many(self, ids: Sequence[int], *, coder: str, at: str) -> int:
        """Reject suggestions in one UPDATE; returns how many were rejected."""
        if not ids or not self.stage_passages(ids):
            return 0
        sets = self.store.decision_sets
        with sets.quiet():
            sets.record("rejected", coder, at)
            cur = self.conn.execute(
                "UPDATE suggestions SET status = 'rejected', decided_by = ?, decided_at = ?, "
                "tag_id = NULL, text = b.text FROM temp.qc_bulk b WHERE suggestions.id = b.id",
                [coder, at],
            )
        self.conn.execute("DELETE FROM temp.qc_bulk")
        return int(cur.rowcount)
