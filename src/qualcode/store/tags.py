"""Tags: codes applied to passages."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ..models import Tag, TagFact
from .team import FINAL_TABLE

if TYPE_CHECKING:
    from . import Store

CONTEXT = 40  # characters kept either side of a tag's text, to re-place it after edits


class TagStore:
    """SQL of the tags table."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.conn = store.conn
        # read_once(): reads remembered by their arguments, and the connection's change count
        # they match.
        self._memo_depth = 0
        self._memo: dict[tuple[Any, ...], Any] = {}
        self._memo_changes = -1

    def insert(
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
        created_at: str | None = None,
        full_text: str | None = None,
    ) -> int | None:
        """Insert a tag; None when this coder already tagged this passage with this code.

        The text around the passage is kept with it (from the stored transcript), so the tag
        can be re-placed when the transcript is edited.
        """
        from . import now

        if full_text is None:  # callers that hold the transcript text pass it
            full_text = self.store.transcripts.text(transcript_id)
        cur = self.conn.execute(
            'INSERT OR IGNORE INTO tags(transcript_id, turn_id, code_id, start, "end", '
            "text, coder, origin, rule, memo, created_at, context_before, context_after) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                transcript_id,
                turn_id,
                code_id,
                start,
                end,
                text,
                coder,
                origin,
                rule,
                memo,
                created_at or now(),
                full_text[max(start - CONTEXT, 0) : start],
                full_text[end : end + CONTEXT],
            ],
        )
        return int(cur.lastrowid or 0) if cur.rowcount else None

    def find(
        self, *, transcript_id: int, code_id: int, start: int, end: int, coder: str | None
    ) -> list[int]:
        """Ids of tags of a code on exactly this passage (by one coder or any)."""
        sql = (
            "SELECT id FROM tags WHERE transcript_id = ? AND code_id = ? AND start = ? "
            'AND "end" = ?'
        )
        params: list[Any] = [transcript_id, code_id, start, end]
        if coder is not None:
            sql += " AND coder = ?"
            params.append(coder)
        return [r[0] for r in self.conn.execute(sql, params)]

    def within(
        self, *, transcript_id: int, code_id: int, start: int, end: int, coder: str | None
    ) -> list[Tag]:
        """Tags of a code lying inside [start, end) (e.g. span tags inside a turn)."""
        return [
            g
            for g in self.all(
                transcript_id=transcript_id, code_ids=[code_id], include_detached=False
            )
            if g.start >= start and g.end <= end and (coder is None or g.coder == coder)
        ]

    def covering(self, *, transcript_id: int, code_id: int, turn_id: int, coder: str) -> int | None:
        """A tag by this coder of this code on the given turn (whole or part), if any."""
        found = self.store.scalar(
            "SELECT id FROM tags WHERE transcript_id = ? AND code_id = ? AND turn_id = ? "
            "AND coder = ? AND status = 'placed' ORDER BY (\"end\" - start) DESC LIMIT 1",
            [transcript_id, code_id, turn_id, coder],
        )
        return None if found is None else int(found)

    def delete(self, ids: Iterable[int]) -> int:
        """Delete tags by id (a suggestion accepted into one keeps its decision)."""
        n = 0
        for tag_id in ids:
            self.conn.execute("UPDATE suggestions SET tag_id = NULL WHERE tag_id = ?", [tag_id])
            n += self.conn.execute("DELETE FROM tags WHERE id = ?", [tag_id]).rowcount
        return n

    _SELECT = (
        'SELECT g.id, t.name AS transcript, c.name AS code, g.start, g."end", g.text, g.coder, '
        "g.origin, g.created_at, u.number AS turn_number, g.rule, g.memo, g.status "
        "FROM tags g JOIN transcripts t ON t.id = g.transcript_id "
        "JOIN codes c ON c.id = g.code_id LEFT JOIN turns u ON u.id = g.turn_id"
    )

    def all(
        self,
        *,
        transcript_id: int | None = None,
        code_ids: Iterable[int] | None = None,
        coder: str | None = None,
        include_detached: bool = True,
    ) -> list[Tag]:
        """Tags, optionally of one transcript, some codes and one coder, in text order."""
        where: list[str] = []
        params: list[Any] = []
        if transcript_id is not None:
            where.append("g.transcript_id = ?")
            params.append(transcript_id)
        if code_ids is not None:
            ids = list(code_ids)
            where.append(f"g.code_id IN ({','.join('?' * len(ids))})")
            params.extend(ids)
        if coder is not None:
            where.append("g.coder = ?")
            params.append(coder)
        if not include_detached:
            where.append("g.status = 'placed'")
        sql = self._SELECT + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY t.name, g.start, c.position, g.id"
        return [Tag(**r) for r in self.store.query(sql, params)]

    def get(self, tag_id: int) -> Tag | None:
        """One tag by id."""
        rows = self.store.query(self._SELECT + " WHERE g.id = ?", [tag_id])
        return Tag(**rows[0]) if rows else None

    def count(self) -> int:
        """Number of tags."""
        return int(self.store.scalar("SELECT count(*) FROM tags"))

    @contextmanager
    def read_once(self) -> Iterator[None]:
        """Within the block, each read of facts() and code_counts() runs once and is remembered.

        An export builds several reports (frequencies per grouping, matrix, co-occurrence,
        quotes) that ask for the same tags; facts() then reads every tag once, with text, and
        filters by code in Python. A write in the block (the connection's change count moves)
        makes the next call read again.
        """
        self._memo_depth += 1
        try:
            yield
        finally:
            self._memo_depth -= 1
            if not self._memo_depth:
                self._memo.clear()

    def _remembered(self, key: tuple[Any, ...], read: Callable[[], Any]) -> Any:
        changes = self.conn.total_changes
        if changes != self._memo_changes:
            self._memo.clear()
            self._memo_changes = changes
        if key not in self._memo:
            self._memo[key] = read()
        return self._memo[key]

    def facts(
        self,
        *,
        code_ids: Sequence[int] | None = None,
        with_text: bool = False,
        coder: str | None = None,
        final: bool = False,
    ) -> list[TagFact]:
        """Every placed tag on a respondent turn (or a span outside any turn), one fact each.

        Counting needs neither the passage text nor the turn number, so that path reads the
        tags alone and maps transcripts in Python: a report over 100,000 tags stays well
        under a second. Quotes (with_text) join the turns for their numbers.
        """
        if not self._memo_depth:
            return self._read_facts(code_ids, with_text, coder, final)
        every: tuple[TagFact, ...] = self._remembered(
            ("facts", coder, final), lambda: tuple(self._read_facts(None, True, coder, final))
        )
        if code_ids is None:
            return list(every)
        wanted = set(code_ids)
        return [f for f in every if f.code_id in wanted]

    def _read_facts(
        self, code_ids: Sequence[int] | None, with_text: bool, coder: str | None, final: bool
    ) -> builtins.list[TagFact]:
        where, params = "", list[Any]()
        if code_ids is not None:
            params = sorted(set(code_ids))
            where = f" AND g.code_id IN ({','.join('?' * len(params))})"
        if coder is not None:  # one coder's view
            where += " AND g.coder = ?"
            params.append(coder)
        # The final view reads the settled coding (TeamStore.load_final) instead of the tags.
        src = FINAL_TABLE if final else "tags"
        if with_text:
            rows = self.conn.execute(
                f"""
                SELECT g.code_id, coalesce(t.respondent_id, t.name), g.transcript_id, g.start,
                       g."end", g.turn_id, g.text, t.name, u.number
                FROM {src} g JOIN transcripts t ON t.id = g.transcript_id
                LEFT JOIN turns u ON u.id = g.turn_id
                WHERE g.status = 'placed' AND (u.role IS NULL OR u.role = 'respondent'){where}
                """,
                params,
            ).fetchall()
            return [TagFact(*r) for r in rows]
        names = {
            tid: (respondent or name, name)
            for tid, name, respondent in self.conn.execute(
                "SELECT id, name, respondent_id FROM transcripts"
            )
        }
        rows = self.conn.execute(
            f"""
            SELECT g.code_id, g.transcript_id, g.start, g."end", g.turn_id FROM {src} g
            WHERE g.status = 'placed' AND (g.turn_id IS NULL
                   OR g.turn_id NOT IN (SELECT id FROM turns WHERE role = 'interviewer')){where}
            """,
            params,
        ).fetchall()
        return [
            TagFact(code, names[tid][0], tid, start, end, turn, "", names[tid][1])
            for code, tid, start, end, turn in rows
        ]

    def turn_codes(self, code_ids: Sequence[int]) -> dict[int, set[str]]:
        """Turn id -> names of these codes tagged on it."""
        marks = ",".join("?" * len(code_ids))
        rows = self.conn.execute(
            f"SELECT g.turn_id, c.name FROM tags g JOIN codes c ON c.id = g.code_id "
            f"WHERE g.turn_id IS NOT NULL AND g.status = 'placed' AND g.code_id IN ({marks})",
            list(code_ids),
        )
        out: dict[int, set[str]] = {}
        for turn_id, name in rows:
            out.setdefault(turn_id, set()).add(name)
        return out

    def turn_labels(self) -> dict[int, set[str]]:
        """Turn id -> names of every code tagged on it (any coder, manual or accepted)."""
        out: dict[int, set[str]] = {}
        for turn_id, name in self.conn.execute(
            "SELECT g.turn_id, c.name FROM tags g JOIN codes c ON c.id = g.code_id "
            "WHERE g.turn_id IS NOT NULL AND g.status = 'placed'"
        ):
            out.setdefault(turn_id, set()).add(name)
        return out

    def complete_transcripts(self, marked: Sequence[str] = ()) -> set[str]:
        """Names of fully coded transcripts: every respondent turn has a tag or a decided
        suggestion, or the transcript is among `marked` (declared done by a coder)."""
        # Set-based: turns covered by a tag or a decision, counted per transcript. (Asked per
        # turn, SQLite searched the status indexes for every turn: 8.6 s at 5 M words.)
        rows = self.conn.execute(
            "WITH covered(turn_id) AS (SELECT turn_id FROM tags WHERE status = 'placed' AND "
            "turn_id IS NOT NULL UNION SELECT turn_id FROM suggestions WHERE status IN "
            "('accepted', 'rejected') AND turn_id IS NOT NULL) "
            "SELECT t.name FROM transcripts t JOIN turns u ON u.transcript_id = t.id AND "
            "u.role = 'respondent' LEFT JOIN covered c ON c.turn_id = u.id "
            "GROUP BY t.id HAVING count(c.turn_id) = count(*)"
        )
        names = {r[0] for r in rows}
        if marked:
            names.update(n for n in self.store.transcripts.names() if n in set(marked))
        return names

    def tagged_turns(self, transcript_ids: Sequence[int]) -> set[tuple[int, int]]:
        """(turn id, code id) pairs that have a tag, in these transcripts."""
        if not transcript_ids:
            return set()
        marks = ",".join("?" * len(transcript_ids))
        return {
            (r[0], r[1])
            for r in self.conn.execute(
                f"SELECT DISTINCT turn_id, code_id FROM tags WHERE transcript_id IN ({marks}) "
                "AND turn_id IS NOT NULL",
                list(transcript_ids),
            )
        }

    # -- re-placing on edited transcripts ------------------------------------------------------

    def anchors(self, transcript_id: int) -> list[dict[str, Any]]:
        """Every tag of a transcript with what re-placing it needs (offsets, text, context,
        the turn it was on and whether it covered that whole turn)."""
        return self.store.query(
            'SELECT g.id, g.start, g."end", g.text, g.context_before, g.context_after, '
            "g.status, u.number AS turn_number, "
            '(u.start = g.start AND u."end" = g."end") AS whole_turn '
            "FROM tags g LEFT JOIN turns u ON u.id = g.turn_id WHERE g.transcript_id = ? "
            "ORDER BY g.id",
            [transcript_id],
        )

    def place(
        self,
        tag_id: int,
        *,
        start: int,
        end: int,
        text: str,
        turn_id: int | None,
        status: str = "placed",
    ) -> bool:
        """Move a tag to a new passage (or mark it detached, keeping its old text).

        Returns False when the move would duplicate a tag already there (the tag is then
        detached rather than merged away, so nothing is lost).
        """
        if status == "detached":
            self.conn.execute(
                "UPDATE tags SET status = 'detached', turn_id = NULL WHERE id = ?", [tag_id]
            )
            return True
        clash = self.store.scalar(
            "SELECT 1 FROM tags a JOIN tags b ON b.transcript_id = a.transcript_id AND "
            'b.code_id = a.code_id AND b.coder = a.coder AND b.start = ? AND b."end" = ? '
            "AND b.id != a.id WHERE a.id = ?",
            [start, end, tag_id],
        )
        if clash:
            self.conn.execute(
                "UPDATE tags SET status = 'detached', turn_id = NULL WHERE id = ?", [tag_id]
            )
            return False
        self.conn.execute(
            'UPDATE tags SET start = ?, "end" = ?, text = ?, turn_id = ?, status = ?, '
            "context_before = substr((SELECT text FROM transcripts WHERE id = transcript_id), "
            "max(? - ?, 0) + 1, ? - max(? - ?, 0)), "
            "context_after = substr((SELECT text FROM transcripts WHERE id = transcript_id), "
            "? + 1, ?) WHERE id = ?",
            [
                start,
                end,
                text,
                turn_id,
                status,
                start,
                CONTEXT,
                start,
                start,
                CONTEXT,
                end,
                CONTEXT,
                tag_id,
            ],
        )
        return True

    # -- checks -------------------------------------------------------------------------------

    def mismatched(self) -> list[Tag]:
        """Placed tags whose stored text no longer matches the transcript at their offsets."""
        rows = self.store.query(
            self._SELECT
            + " WHERE g.status = 'placed' AND substr(t.text, g.start + 1, g.\"end\" - g.start) "
            "!= g.text ORDER BY t.name, g.start"
        )
        return [Tag(**r) for r in rows]

    def detached(self) -> list[Tag]:
        """Tags whose text is gone from their edited transcript."""
        return [g for g in self.all() if g.status == "detached"]

    def nested_duplicates(self) -> list[tuple[Tag, Tag]]:
        """Pairs of one coder's tags of one code where one passage lies inside the other."""
        rows = self.conn.execute(
            "SELECT a.id, b.id FROM tags a JOIN tags b ON a.transcript_id = b.transcript_id "
            "AND a.code_id = b.code_id AND a.coder = b.coder AND a.id != b.id "
            'AND a.start <= b.start AND b."end" <= a."end" '
            'AND NOT (a.start = b.start AND a."end" = b."end") '
            "WHERE a.status = 'placed' AND b.status = 'placed' ORDER BY a.id, b.id"
        ).fetchall()
        out = []
        for a, b in rows:
            ga, gb = self.get(a), self.get(b)
            if ga and gb:
                out.append((ga, gb))
        return out

    def delete_other_coders(self, coder: str) -> int:
        """Delete every tag not made by this coder (a coder's own copy of a project)."""
        self.conn.execute(
            "UPDATE suggestions SET tag_id = NULL WHERE tag_id IN "
            "(SELECT id FROM tags WHERE coder != ?)",
            [coder],
        )
        return self.conn.execute("DELETE FROM tags WHERE coder != ?", [coder]).rowcount

    def coders(self) -> list[tuple[str, int]]:
        """(coder, number of tags) for every coder, most tags first."""
        return [
            (r[0], r[1])
            for r in self.conn.execute(
                "SELECT coder, count(*) FROM tags GROUP BY coder ORDER BY 2 DESC, 1"
            )
        ]

    # -- report aggregates ---------------------------------------------------------------------

    def code_counts(
        self,
        by: Sequence[str] = (),
        none_value: str = "(none)",
        *,
        coder: str | None = None,
        final: bool = False,
    ) -> list[tuple[Any, ...]]:
        """Per code (its own and its descendants' tags) and group of `by` attribute values:
        (code id, *values, respondents, passages, transcripts), counted in SQL.

        Only placed tags on respondent turns (or spans outside any turn) count; a passage is
        the turn a tag lies in (a span outside turns is its own passage), so a sentence tag
        inside an already tagged turn does not count twice.
        """
        if self._memo_depth:
            rows: tuple[tuple[Any, ...], ...] = self._remembered(
                ("code_counts", tuple(by), none_value, coder, final),
                lambda: tuple(self._count_codes(by, none_value, coder, final)),
            )
            return list(rows)
        return self._count_codes(by, none_value, coder, final)

    def _count_codes(
        self, by: Sequence[str], none_value: str, coder: str | None, final: bool
    ) -> builtins.list[tuple[Any, ...]]:
        joins = "".join(
            f" LEFT JOIN attributes a{i} ON a{i}.respondent_id = t.respondent_id AND a{i}.key = ?"
            for i in range(len(by))
        )
        values = "".join(f", coalesce(a{i}.value, ?) AS v{i}" for i in range(len(by)))
        group = "".join(f", f.v{i}" for i in range(len(by)))
        params: list[Any] = [none_value] * len(by) + list(by)
        only = ""
        if coder is not None:  # one coder's view
            only = " AND g.coder = ?"
            params.append(coder)
        src = FINAL_TABLE if final else "tags"
        sql = f"""
            WITH RECURSIVE closure(anc, code) AS (
                SELECT id, id FROM codes
                UNION SELECT c.anc, k.id FROM closure c JOIN codes k ON k.parent_id = c.code
            ),
            facts AS (
                SELECT g.code_id, g.transcript_id, coalesce(t.respondent_id, t.name) AS resp,
                       CASE WHEN g.turn_id IS NULL
                            THEN 'x' || g.transcript_id || ':' || g.start || ':' || g."end"
                            ELSE g.turn_id END AS passage{values}
                FROM {src} g JOIN transcripts t ON t.id = g.transcript_id
                LEFT JOIN turns u ON u.id = g.turn_id{joins}
                WHERE g.status = 'placed' AND (u.role IS NULL OR u.role = 'respondent'){only}
            )
            SELECT cl.anc{group}, count(DISTINCT f.resp), count(DISTINCT f.passage),
                   count(DISTINCT f.transcript_id)
            FROM facts f JOIN closure cl ON cl.code = f.code_id
            GROUP BY cl.anc{group}
        """
        return [tuple(r) for r in self.conn.execute(sql, params)]
