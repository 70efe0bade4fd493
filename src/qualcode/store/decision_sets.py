"""Bulk decisions in the history: one compact record per transcript and code.

`review --accept` of 100,000 suggestions recorded row by row would write 200,000 changes
(each decision and each tag made, as JSON through the row triggers): they cost more than
the decisions themselves. While a bulk decision writes, the tag and suggestion triggers are
quiet and the decisions are recorded here instead, set-based: per transcript and code, the
suggestions decided, the tag made for each, and a suggestion's columns before only where
they were not those of an undecided suggestion. That is all undo needs: the tags made are
the suggestions' passages, made by the decider at the decision's time.

Undo takes a set back (`revert`) after checking every row is still as the set left it, and
records the undo as the opposite set, so undoing the undo makes the same rows again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from ..models import DecisionSet

if TYPE_CHECKING:
    from . import Store

# A suggestion that was never decided: the columns a set does not write out for it.
_UNDECIDED = (
    "s.status = 'pending' AND s.decided_by IS NULL AND s.decided_at IS NULL "
    "AND s.tag_id IS NULL AND s.text = ''"
)
_PREV = (
    "json_object('status', s.status, 'decided_by', s.decided_by, 'decided_at', s.decided_at, "
    "'tag_id', s.tag_id, 'text', s.text)"
)


class DecisionSetStore:
    """Record bulk decisions as sets, read them for the log, and take them back."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.conn = store.conn
        self._loaded: int | None = None  # the command whose rows temp.qc_rev holds

    @contextmanager
    def quiet(self) -> Iterator[None]:
        """Inside: tag and suggestion rows are not recorded one by one (a set records them)."""
        self.conn.execute("UPDATE qc_cmd SET quiet = 1")
        try:
            yield
        finally:
            self.conn.execute("UPDATE qc_cmd SET quiet = NULL")

    def record(self, status: str, coder: str, at: str) -> None:
        """Record the suggestions staged in temp.qc_bulk (with the tag made for each) as
        decided by `coder`, before their rows change; nothing when no command is recorded."""
        command = self.store.history.current
        if command is None:
            return
        self.conn.execute(
            "INSERT INTO decision_sets(command_id, kind, status, decided_by, decided_at, "
            "transcript, code, rows) "
            "SELECT ?, 'decide', ?, ?, ?, t.name, c.name, json_group_array(json(x.item)) "
            "FROM (SELECT s.transcript_id, s.code_id, "
            f"CASE WHEN {_UNDECIDED} THEN json_array(s.id, b.tag_id) "
            f"ELSE json_array(s.id, b.tag_id, {_PREV}) END AS item "
            "FROM temp.qc_bulk b JOIN main.suggestions s ON s.id = b.id "
            "ORDER BY s.transcript_id, s.code_id, s.id) x "
            "JOIN main.transcripts t ON t.id = x.transcript_id "
            "JOIN main.codes c ON c.id = x.code_id "
            "GROUP BY x.transcript_id, x.code_id ORDER BY x.transcript_id, x.code_id",
            [command, status, coder, at],
        )

    def exists(self, command_id: int) -> bool:
        """Whether the command recorded any decision set."""
        return (
            self.store.scalar(
                "SELECT 1 FROM decision_sets WHERE command_id = ? LIMIT 1", [command_id]
            )
            is not None
        )

    def of(self, command_ids: list[int]) -> dict[int, list[DecisionSet]]:
        """The decision sets of these commands, in the order they were recorded."""
        found: dict[int, list[DecisionSet]] = {}
        if not command_ids:
            return found
        marks = ",".join("?" * len(command_ids))
        for r in self.conn.execute(
            "SELECT command_id, kind, status, decided_by, decided_at, transcript, code, "
            "json_array_length(rows), (SELECT count(*) FROM json_each(rows) j "
            "WHERE json_extract(j.value, '$[1]') IS NOT NULL) "
            f"FROM decision_sets WHERE command_id IN ({marks}) ORDER BY id",
            command_ids,
        ):
            found.setdefault(r[0], []).append(DecisionSet(*r[1:]))
        return found

    def later(self, table: str, key: int, command_id: int) -> tuple[int, str] | None:
        """The newest command after `command_id` whose decision sets hold this suggestion
        (table 'suggestions') or tag ('tags'): its id and command line."""
        path = "$[0]" if table == "suggestions" else "$[1]"
        row = self.conn.execute(
            "SELECT c.id, c.command FROM decision_sets d JOIN commands c ON c.id = d.command_id "
            "WHERE d.command_id > ? AND EXISTS (SELECT 1 FROM json_each(d.rows) j "
            f"WHERE json_extract(j.value, '{path}') = ?) ORDER BY d.id DESC LIMIT 1",
            [command_id, key],
        ).fetchone()
        return (int(row[0]), str(row[1])) if row else None

    # -- undo -----------------------------------------------------------------------------

    def _load(self, command_id: int) -> None:
        """Put the command's set rows into temp.qc_rev, one per suggestion (once: `conflict`
        and then `revert` read the same rows)."""
        if self._loaded == command_id:
            return
        self.conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS qc_rev (sid INTEGER, tag_id INTEGER, prev TEXT, "
            "kind TEXT, status TEXT, by TEXT, at TEXT)"
        )
        self.conn.execute("DELETE FROM temp.qc_rev")
        self.conn.execute(
            "INSERT INTO temp.qc_rev SELECT json_extract(j.value, '$[0]'), "
            "json_extract(j.value, '$[1]'), json_extract(j.value, '$[2]'), d.kind, d.status, "
            "d.decided_by, d.decided_at FROM decision_sets d, json_each(d.rows) j "
            "WHERE d.command_id = ? ORDER BY d.id, j.key",
            [command_id],
        )
        self._loaded = command_id

    def conflict(self, command_id: int) -> tuple[str, int] | None:
        """The first row the command's sets changed that was changed again later
        ('suggestions' or 'tags', and its id); None when every row is as the sets left it."""
        self._loaded = None  # always read afresh (a rollback may have undone the last load)
        self._load(command_id)
        prev = "json_extract(r.prev, '$.{}')"
        checks = [
            # Decisions made: each suggestion still so decided, each tag made still as made.
            (
                "suggestions",
                "SELECT r.sid FROM temp.qc_rev r LEFT JOIN main.suggestions s ON s.id = r.sid "
                "WHERE r.kind = 'decide' AND (s.id IS NULL OR s.status IS NOT r.status OR "
                "s.decided_by IS NOT r.by OR s.decided_at IS NOT r.at OR "
                "s.tag_id IS NOT r.tag_id) ORDER BY r.rowid LIMIT 1",
            ),
            (
                "tags",
                "SELECT r.tag_id FROM temp.qc_rev r JOIN main.suggestions s ON s.id = r.sid "
                "LEFT JOIN main.tags g ON g.id = r.tag_id WHERE r.kind = 'decide' AND "
                "r.tag_id IS NOT NULL AND (g.id IS NULL OR g.status IS NOT 'placed' OR "
                "g.memo IS NOT NULL OR g.coder IS NOT r.by OR g.created_at IS NOT r.at OR "
                "g.origin IS NOT 'suggested' OR g.transcript_id IS NOT s.transcript_id OR "
                "g.code_id IS NOT s.code_id OR g.turn_id IS NOT s.turn_id OR "
                'g.start IS NOT s.start OR g."end" IS NOT s."end" OR g.rule IS NOT s.rule) '
                "ORDER BY r.rowid LIMIT 1",
            ),
            # Decisions taken back: each suggestion still as before, no tag in the way.
            (
                "suggestions",
                "SELECT r.sid FROM temp.qc_rev r LEFT JOIN main.suggestions s ON s.id = r.sid "
                "WHERE r.kind = 'revert' AND (s.id IS NULL OR "
                f"s.status IS NOT coalesce({prev.format('status')}, 'pending') OR "
                f"s.decided_by IS NOT {prev.format('decided_by')} OR "
                f"s.decided_at IS NOT {prev.format('decided_at')} OR "
                f"s.tag_id IS NOT {prev.format('tag_id')}) ORDER BY r.rowid LIMIT 1",
            ),
            (
                "tags",
                "SELECT r.tag_id FROM temp.qc_rev r JOIN main.tags g ON g.id = r.tag_id "
                "WHERE r.kind = 'revert' ORDER BY r.rowid LIMIT 1",
            ),
        ]
        for table, sql in checks:
            row = self.conn.execute(sql).fetchone()
            if row is not None:
                return table, int(row[0])
        return None

    def revert(self, command_id: int) -> int:
        """Take back the command's sets (after `conflict` found none) inside the current
        write, recording the opposite sets; how many row changes that was.

        Raises sqlite3.IntegrityError when later work points at a tag to delete.
        """
        try:
            return self._revert(command_id)
        finally:
            self._loaded = None  # the rows are taken back (or rolled back with an error)

    def _revert(self, command_id: int) -> int:
        self._load(command_id)  # loaded by `conflict` just before, in the same write
        total = int(self.store.scalar("SELECT count(*) + count(tag_id) FROM temp.qc_rev"))
        if self.store.scalar("SELECT 1 FROM temp.qc_rev WHERE kind = 'revert' LIMIT 1"):
            self._redo()
        if self.store.scalar("SELECT 1 FROM temp.qc_rev WHERE kind = 'decide' LIMIT 1"):
            self._take_back()
        current = self.store.history.current
        self.conn.execute(
            "INSERT INTO decision_sets(command_id, kind, status, decided_by, decided_at, "
            "transcript, code, rows) SELECT ?, CASE kind WHEN 'decide' THEN 'revert' "
            "ELSE 'decide' END, status, decided_by, decided_at, transcript, code, rows "
            "FROM decision_sets WHERE command_id = ? ORDER BY id",
            [current, command_id],
        )
        return total

    def _take_back(self) -> None:
        made = "SELECT tag_id FROM temp.qc_rev WHERE kind = 'decide' AND tag_id IS NOT NULL"
        # Another suggestion linked later to a tag made here loses the link, recorded row
        # by row like any change (triggers not quiet).
        self.conn.execute(
            f"UPDATE main.suggestions SET tag_id = NULL WHERE tag_id IN ({made}) "
            "AND id NOT IN (SELECT sid FROM temp.qc_rev)"
        )
        with self.quiet():
            self.conn.execute(
                "UPDATE main.suggestions SET "
                "status = coalesce(json_extract(r.prev, '$.status'), 'pending'), "
                "decided_by = json_extract(r.prev, '$.decided_by'), "
                "decided_at = json_extract(r.prev, '$.decided_at'), "
                "tag_id = json_extract(r.prev, '$.tag_id'), "
                "text = coalesce(json_extract(r.prev, '$.text'), '') "
                "FROM temp.qc_rev r WHERE r.kind = 'decide' AND suggestions.id = r.sid"
            )
            self.conn.execute(f"DELETE FROM main.tags WHERE id IN ({made})")

    def _redo(self) -> None:
        ids = [r[0] for r in self.conn.execute("SELECT sid FROM temp.qc_rev WHERE kind = 'revert'")]
        self.store.suggestions.stage_passages(ids)
        with self.quiet():
            self.conn.execute(
                'INSERT INTO main.tags(id, transcript_id, turn_id, code_id, start, "end", text, '
                "coder, origin, rule, memo, created_at, context_before, context_after) "
                'SELECT r.tag_id, s.transcript_id, s.turn_id, s.code_id, s.start, s."end", '
                "b.text, r.by, 'suggested', s.rule, NULL, r.at, b.before, b.after "
                "FROM temp.qc_rev r JOIN main.suggestions s ON s.id = r.sid "
                "JOIN temp.qc_bulk b ON b.id = r.sid "
                "WHERE r.kind = 'revert' AND r.tag_id IS NOT NULL ORDER BY r.tag_id"
            )
            self.conn.execute(
                "UPDATE main.suggestions SET status = r.status, decided_by = r.by, "
                "decided_at = r.at, tag_id = r.tag_id, text = b.text "
                "FROM temp.qc_rev r JOIN temp.qc_bulk b ON b.id = r.sid "
                "WHERE r.kind = 'revert' AND suggestions.id = r.sid"
            )
        self.conn.execute("DELETE FROM temp.qc_bulk")
