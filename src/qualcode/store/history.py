"""The history of changes: every command that changed what a coder decided, row by row.

Changes are captured by TEMP triggers made on each connection (store/triggers.py), so no
write path can forget to record: a command (`commands`) groups the row changes (`changes`:
table, action, the row before and after as JSON), and bulk review decisions as decision sets
(store/decision_sets.py). Undo replays a command's changes backwards, itself as a command.
Machine output that can be made again (pending suggestions, the token cache) is not recorded.
"""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn

from ..errors import QualcodeError
from ..models import Change, LogEntry
from .triggers import QUIETED, TRACKED
from .triggers import quoted as _q

if TYPE_CHECKING:
    from . import Store

# Tables whose changes may be reverted a run at a time. Not codes: a code's parent is a code,
# and a one-statement delete would record parent and child in an order a redo cannot replay.
_BATCHED = frozenset(TRACKED) - {"codes"}


# Changes of one command reverted at a time: a 100,000-tag command is undone in bounded memory.
UNDO_CHUNK = 20_000


class HistoryStore:
    """Commands and their row changes; log and undo."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.conn = store.conn
        self._current: int | None = None
        self._inexact: set[tuple[str, str]] = set()  # undo: rows equal to `after` only roughly

    def begin(self, coder: str, command: str) -> None:
        """Start recording the changes of one command (inside a write transaction)."""
        from . import now

        cur = self.conn.execute(
            "INSERT INTO commands(at, coder, command) VALUES (?, ?, ?)", [now(), coder, command]
        )
        self._current = int(cur.lastrowid or 0)
        self.conn.execute("DELETE FROM qc_cmd")
        self.conn.execute("INSERT INTO qc_cmd(id) VALUES (?)", [self._current])

    def end(self) -> None:
        """Stop recording; a command that changed nothing tracked leaves no entry."""
        if self._current is not None:
            if self.store.scalar(
                "SELECT 1 FROM changes WHERE command_id = ? LIMIT 1", [self._current]
            ) is None and not self.store.decision_sets.exists(self._current):
                self.conn.execute("DELETE FROM commands WHERE id = ?", [self._current])
        self.reset()

    def reset(self) -> None:
        """Forget the current command (after a rollback)."""
        self._current = None
        try:
            self.conn.execute("DELETE FROM qc_cmd")
        except sqlite3.OperationalError:  # read-only store: no temp table
            pass

    @property
    def current(self) -> int | None:
        """The id of the command being recorded."""
        return self._current

    # -- reading ----------------------------------------------------------------------------

    def log(
        self,
        *,
        transcript: str | None = None,
        code: str | None = None,
        coder: str | None = None,
        limit: int | None = 50,
    ) -> list[LogEntry]:
        """Commands newest first with their changes, optionally touching a transcript/code."""
        where, params = [], []
        if transcript is not None:
            where.append(
                "id IN (SELECT command_id FROM changes WHERE transcript = ? "
                "UNION SELECT command_id FROM decision_sets WHERE transcript = ?)"
            )
            params += [transcript, transcript]
        if code is not None:
            where.append(
                "id IN (SELECT command_id FROM changes WHERE code = ? "
                "UNION SELECT command_id FROM decision_sets WHERE code = ?)"
            )
            params += [code, code]
        if coder is not None:
            where.append("coder = ?")
            params.append(coder)
        sql = "SELECT * FROM commands" + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY id DESC" + (f" LIMIT {int(limit)}" if limit else "")
        return self._entries(self.store.query(sql, params))

    def _entries(self, commands: list[dict[str, Any]]) -> list[LogEntry]:
        """These `commands` rows as log entries with their changes."""
        if not commands:
            return []
        ids = [c["id"] for c in commands]
        changes: dict[int, list[Change]] = {i: [] for i in ids}
        marks = ",".join("?" * len(ids))
        for r in self.store.query(
            "SELECT command_id, tbl, action, row_key, "
            "CASE WHEN tbl = 'transcripts' THEN json_remove(before, '$.text') ELSE before END "
            "AS before, "
            "CASE WHEN tbl = 'transcripts' THEN json_remove(after, '$.text') ELSE after END "
            "AS after, transcript, code "
            f"FROM changes WHERE command_id IN ({marks}) ORDER BY id",
            ids,
        ):
            changes[r["command_id"]].append(
                Change(
                    table=r["tbl"],
                    action=r["action"],
                    key=tuple(json.loads(r["row_key"])),
                    before=json.loads(r["before"]) if r["before"] else None,
                    after=json.loads(r["after"]) if r["after"] else None,
                    transcript=r["transcript"],
                    code=r["code"],
                )
            )
        sets = self.store.decision_sets.of(ids)
        return [
            LogEntry(
                id=c["id"],
                at=c["at"],
                coder=c["coder"],
                command=c["command"],
                changes=tuple(changes[c["id"]]),
                undo_of=c["undo_of"],
                undone_by=c["undone_by"],
                decisions=tuple(sets.get(c["id"], ())),
            )
            for c in commands
        ]

    def undoable(self, coder: str, n: int) -> list[LogEntry]:
        """The coder's last n commands that are not undone and not undos themselves."""
        ids = self.undoable_ids(coder, n)
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        return self._entries(
            self.store.query(f"SELECT * FROM commands WHERE id IN ({marks}) ORDER BY id DESC", ids)
        )

    def undoable_ids(self, coder: str, n: int) -> list[int]:
        """Ids of the coder's last n commands that are not undone and not undos, newest first."""
        rows = self.conn.execute(
            # Commands copied in by a merge belong to the other copy's rows: never undone here.
            "SELECT id FROM commands WHERE coder = ? AND undone_by IS NULL "
            "AND undo_of IS NULL AND command NOT LIKE '% [merged from %]' "
            "ORDER BY id DESC LIMIT ?",
            [coder, n],
        )
        return [r[0] for r in rows]

    def undo(self, entries: list[LogEntry]) -> None:
        """Revert these commands (newest first), inside the caller's write transaction."""
        self.undo_ids([e.id for e in entries])

    def undo_ids(self, ids: list[int]) -> list[tuple[LogEntry, int]]:
        """Revert these commands (newest first) inside the caller's write; return each
        command (as logged, without its changes: see `log` for them) with how many changes
        were reverted."""
        if self._current is None:
            raise QualcodeError("undo must run inside a recorded write")
        done = []
        for command_id in ids:
            entry = self._entry(command_id)
            n = self._undo_command(entry)
            self.conn.execute(
                "UPDATE commands SET undone_by = ? WHERE id = ?", [self._current, entry.id]
            )
            done.append((entry, n))
        if done:
            self.conn.execute(
                "UPDATE commands SET undo_of = ? WHERE id = ?", [done[0][0].id, self._current]
            )
        return done

    def _entry(self, command_id: int) -> LogEntry:
        command = self.store.query("SELECT * FROM commands WHERE id = ?", [command_id])
        if not command:
            raise QualcodeError(f"no command {command_id}; see `qualcode log`")
        c = command[0]
        return LogEntry(
            id=c["id"],
            at=c["at"],
            coder=c["coder"],
            command=c["command"],
            changes=(),
            undo_of=c["undo_of"],
            undone_by=c["undone_by"],
        )

    def _undo_command(self, entry: LogEntry) -> int:
        """Revert one command's changes, newest first, UNDO_CHUNK at a time (bounded memory
        however big the command); how many changes were reverted.

        Decision sets go first: a bulk decision is the last thing its command writes. Chunks
        keep the order, so the first failure in that order still wins; a row the command
        changed more than once is checked against the database just before each of its
        changes is reverted, wherever those changes fall.
        """
        multi = {
            (r[0], r[1])
            for r in self.conn.execute(
                "SELECT tbl, row_key FROM changes WHERE command_id = ? "
                "GROUP BY tbl, row_key HAVING count(*) > 1",
                [entry.id],
            )
        }
        total = self._revert_sets(entry)
        below: int | None = None
        while True:
            steps, lowest = self._read_chunk(entry.id, below)
            if not steps:
                return total
            self._undo_steps(entry, steps, multi)
            total += len(steps)
            below = lowest

    def _revert_sets(self, entry: LogEntry) -> int:
        """Take back the command's decision sets, if any; how many row changes they were."""
        sets = self.store.decision_sets
        if not sets.exists(entry.id):
            return 0
        found = sets.conflict(entry.id)
        if found is not None:
            table, key = found
            self._conflict(entry, table, json.dumps([key]))
        try:
            return sets.revert(entry.id)
        except sqlite3.IntegrityError:
            raise QualcodeError(
                f"cannot undo command {entry.id} ({entry.command}): later work depends "
                "on a tag it made; undo or remove that first. Nothing was undone"
            ) from None

    def _read_chunk(self, command_id: int, below: int | None) -> tuple[list[_Step], int]:
        """The next UNDO_CHUNK changes (newest first) with ids below `below`, each parsed from
        JSON once; and the lowest id read."""
        where = "command_id = ?" + (" AND id < ?" if below is not None else "")
        params: list[Any] = [command_id] + ([below] if below is not None else [])
        raw = self.conn.execute(
            f"SELECT id, tbl, action, row_key FROM changes WHERE {where} ORDER BY id DESC LIMIT ?",
            [*params, UNDO_CHUNK],
        ).fetchall()
        if not raw:
            return [], 0
        # All the chunk's JSON in one string, parsed at once: a parse per value costs more
        # than the parsing itself. Each item carries its change id (group_concat keeps no
        # order).
        text = self.store.scalar(
            "SELECT '[' || group_concat('[' || id || ',' || row_key || ',' || "
            "coalesce(before, 'null') || ',' || coalesce(after, 'null') || ']', ',') || ']' "
            f"FROM changes WHERE {where} AND id >= ?",
            [*params, raw[-1][0]],
        )
        parsed = sorted(json.loads(text or "[]"), key=lambda item: -item[0])
        if [item[0] for item in parsed] != [r[0] for r in raw]:  # pragma: no cover
            raise QualcodeError(f"the history of command {command_id} changed while reading")
        steps = [
            _Step(tbl, action, row_key, key, before, after)
            for (_id, tbl, action, row_key), (_, key, before, after) in zip(
                raw, parsed, strict=True
            )
        ]
        return steps, int(raw[-1][0])

    def _undo_steps(self, entry: LogEntry, steps: list[_Step], multi: set[tuple[str, str]]) -> None:
        """Revert changes (newest first) with the effect of one at a time.

        Reverting a row touches no other row the command changed (children are reverted
        before their parents), so the newest change of every row can be checked against
        the database up front, in one query per table. Runs of same-table, same-action
        changes to rows changed once are then reverted with one statement (or one
        executemany); rows the command changed more than once (`multi`) go one change at a
        time, checked just before, as their later changes are reverted first. A failed
        check stops at its place in the order, so an earlier integrity error wins as before.
        """
        self._inexact.clear()
        stop = self._first_conflict(steps)
        done = 0
        while done < stop:
            step = steps[done]
            run = 1
            if step.table in _BATCHED and (step.table, step.row_key) not in multi:
                while (
                    done + run < stop
                    and steps[done + run].table == step.table
                    and steps[done + run].action == step.action
                    and (step.table, steps[done + run].row_key) not in multi
                ):
                    run += 1
            # A row changed more than once is checked as it is after its later changes
            # were reverted (the up-front check saw only the newest).
            if (step.table, step.row_key) in multi and self._first_conflict([step]) == 0:
                self._conflict(entry, step.table, step.row_key)
            try:
                self._revert_run(steps[done : done + run])
            except sqlite3.IntegrityError:
                raise QualcodeError(
                    f"cannot undo command {entry.id} ({entry.command}): later work depends "
                    f"on a {step.table[:-1]} it made (e.g. tags on its turns); undo or remove "
                    "that first. Nothing was undone"
                ) from None
            done += run
        if stop < len(steps):
            self._conflict(entry, steps[stop].table, steps[stop].row_key)

    def _keys(self, steps: list[_Step]) -> tuple[str, list[Any]]:
        """A `WITH k(pos, k0, k1)` of these changes' row keys (pos = place in the list).

        A few keys go inline; many go through a TEMP table (no limit on parameters).
        """
        rows = [
            (pos, s.key[0], s.key[1] if len(s.key) > 1 else None) for pos, s in enumerate(steps)
        ]
        if len(rows) <= 100:
            values = ", ".join(["(?, ?, ?)"] * len(rows))
            return f"WITH k(pos, k0, k1) AS (VALUES {values}) ", [v for r in rows for v in r]
        self.conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS qc_undo_keys (pos INTEGER PRIMARY KEY, k0, k1)"
        )
        self.conn.execute("DELETE FROM temp.qc_undo_keys")
        self.conn.executemany("INSERT INTO temp.qc_undo_keys VALUES (?, ?, ?)", rows)
        return "WITH k(pos, k0, k1) AS (SELECT pos, k0, k1 FROM temp.qc_undo_keys) ", []

    def _first_conflict(self, steps: list[_Step]) -> int:
        """Place of the first change whose row was changed again later (len(steps) if none)."""
        newest: dict[tuple[str, str], int] = {}
        for i, step in enumerate(steps):
            newest.setdefault((step.table, step.row_key), i)
        groups: dict[str, list[int]] = {}
        for (table, _key), i in newest.items():
            groups.setdefault(table, []).append(i)
        failed = len(steps)
        for table, places in groups.items():
            group = [steps[i] for i in places]
            with_keys, params = self._keys(group)
            shapes = dict.fromkeys(tuple(s.after) for s in group if s.after)  # few
            columns = list(dict.fromkeys(c for shape in shapes for c in shape))
            index = {c: i for i, c in enumerate(columns)}
            pk = TRACKED[table]["pk"]
            on = " AND ".join(f"t.{_q(c)} = k.k{i}" for i, c in enumerate(pk))
            select = ", ".join(["k.pos", *(f"t.{_q(c)}" for c in columns)])
            now = {
                r[0]: r[1:]
                for r in self.conn.execute(
                    f"{with_keys}SELECT {select} FROM k JOIN main.{table} t ON {on}", params
                )
            }
            whole = tuple(columns)
            for pos, step in enumerate(group):
                row = now.get(pos)
                if step.action == "delete":
                    ok = row is None
                elif row is None or step.after is None:
                    ok = False
                elif tuple(step.after) == whole and row == tuple(step.after.values()):
                    ok = True  # the common case, compared at C speed
                else:
                    ok = all(_same(row[index[k]], v) for k, v in step.after.items())
                    self._inexact.add((step.table, step.row_key))
                if not ok:
                    failed = min(failed, places[pos])
        return failed

    def _revert_run(self, run: list[_Step]) -> None:
        """Revert a run of one table's changes of one action, each to a different row."""
        table, action = run[0].table, run[0].action
        pk = TRACKED[table]["pk"]
        if action == "insert":
            with_keys, params = self._keys(run)
            if table == "tags":  # a suggestion accepted into this tag keeps its decision row
                self.conn.execute(
                    f"{with_keys}UPDATE main.suggestions SET tag_id = NULL "
                    "WHERE tag_id IN (SELECT k0 FROM k)",
                    params,
                )
            cols = ", ".join(_q(c) for c in pk)
            keys = ", ".join(f"k{i}" for i in range(len(pk)))
            if len(pk) > 1:
                cols = f"({cols})"
            self.conn.execute(
                f"{with_keys}DELETE FROM main.{table} WHERE {cols} IN (SELECT {keys} FROM k)",
                params,
            )
            return
        # Re-inserts and updates keep the newest-first order; consecutive rows with the same
        # columns share one executemany.
        where = " AND ".join(f"{_q(c)} = ?" for c in pk)
        batch: list[list[Any]] = []
        sql = ""
        sqls: dict[tuple[str, ...], str] = {}
        shapes: dict[frozenset[str], tuple[str, ...]] = {}
        for step in run:
            before = step.before or {}
            if action == "delete":
                shape = tuple(before)
                this = sqls.get(shape) or sqls.setdefault(
                    shape,
                    f"INSERT INTO main.{table} ({', '.join(_q(c) for c in shape)}) "
                    f"VALUES ({','.join('?' * len(shape))})",
                )
                params = list(before.values())
            else:
                # Only the columns the change changed: the row holds `after` (checked), and
                # setting an unchanged indexed column would rewrite its index entries for
                # nothing. (Every tracked column has a type, so 1 and 1.0 store the same.) A
                # row that matched `after` only within a float's rounding gets every column.
                try:
                    diff = frozenset(c for c, _ in before.items() - (step.after or {}).items())
                except TypeError:  # an unhashable value: no shortcut
                    diff = frozenset()
                if not diff or (table, step.row_key) in self._inexact:
                    diff = frozenset(before)
                changed = shapes.get(diff) or shapes.setdefault(
                    diff, tuple(c for c in before if c in diff)
                )
                this = sqls.get(changed) or sqls.setdefault(
                    changed,
                    f"UPDATE main.{table} SET {', '.join(f'{_q(c)} = ?' for c in changed)} "
                    f"WHERE {where}",
                )
                params = [*(before[c] for c in changed), *step.key]
            if this != sql and batch:
                self.conn.executemany(sql, batch)
                batch = []
            sql = this
            batch.append(params)
        if batch:
            self.conn.executemany(sql, batch)

    def _conflict(self, entry: LogEntry, table: str, row_key: str) -> NoReturn:
        """Raise: this row was changed again later (naming by which command)."""
        found = [
            (int(r[0]), str(r[1]))
            for r in self.conn.execute(
                "SELECT c.id, c.command FROM changes h JOIN commands c ON c.id = h.command_id "
                "WHERE h.tbl = ? AND h.row_key = ? AND h.command_id > ? "
                "ORDER BY h.id DESC LIMIT 1",
                [table, row_key, entry.id],
            )
        ]
        if table in QUIETED:
            in_set = self.store.decision_sets.later(table, json.loads(row_key)[0], entry.id)
            found += [in_set] if in_set else []
        later = max(found, default=None)
        by = f" by command {later[0]} ({later[1]})" if later else ""
        raise QualcodeError(
            f"cannot undo command {entry.id} ({entry.command}): a {table[:-1]} it changed "
            f"was changed again later{by}; undo that first. Nothing was undone"
        )


class _Step(NamedTuple):  # a tuple: a big undo makes one per change
    """One recorded change to revert: table, action, row key (JSON and parsed), rows."""

    table: str
    action: str
    row_key: str
    key: list[Any]
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and abs(float(a) - float(b)) < 1e-9
    return bool(a == b)
