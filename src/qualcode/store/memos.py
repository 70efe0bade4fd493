"""Memos: notes on the project, a code, a transcript, a respondent or a tag."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from . import Store

KINDS = ("project", "code", "transcript", "respondent", "tag")


# Kept here rather than in models.py only because this branch may not edit models.py;
# the integrator can move it.
@dataclass(frozen=True)
class Memo:
    """A memo with what it is about, named as the user knows it."""

    id: int
    kind: str  # project | code | transcript | respondent | tag
    target: str | None  # the target's id as stored (None for the project)
    about: str  # "project", "code low-pay", "transcript LV-03", "tag 12 (low-pay, LV-03 turn 4)"
    text: str
    coder: str
    created_at: str
    present: bool = True  # False when its code/transcript/respondent/tag has been removed
    name: str | None = None  # the target's name: code, transcript, respondent id, tag id


# The target's current name, and whether it still exists, resolved from its id.
_SELECT = """
SELECT m.id, m.kind, m.target, m.text, m.coder, m.created_at,
       CASE m.kind
         WHEN 'code' THEN (SELECT name FROM codes WHERE id = CAST(m.target AS INTEGER))
         WHEN 'transcript' THEN (SELECT name FROM transcripts WHERE id = CAST(m.target AS INTEGER))
         WHEN 'respondent' THEN (SELECT id FROM respondents WHERE id = m.target)
         WHEN 'tag' THEN (SELECT c.name || ', ' || t.name ||
                                 COALESCE(' turn ' || u.number, '')
                          FROM tags g JOIN codes c ON c.id = g.code_id
                          JOIN transcripts t ON t.id = g.transcript_id
                          LEFT JOIN turns u ON u.id = g.turn_id
                          WHERE g.id = CAST(m.target AS INTEGER))
       END AS name
FROM memos m
"""


def _memo(r: dict[str, Any]) -> Memo:
    kind, name = r["kind"], r["name"]
    present = kind == "project" or name is not None
    if kind == "project":
        about = "project"
    elif kind == "tag":
        about = f"tag {r['target']}" + (f" ({name})" if name else " (removed)")
    else:
        about = f"{kind} {name}" if name else f"{kind} (removed)"
    shown = r["target"] if kind == "tag" else name
    return Memo(
        r["id"],
        kind,
        r["target"],
        about,
        r["text"],
        r["coder"],
        r["created_at"],
        present,
        shown,
    )


class MemoStore:
    """SQL of the memos table."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.conn = store.conn

    def add(self, kind: str, target: str | None, text: str, coder: str) -> int:
        """Insert a memo; its id."""
        from . import now

        cur = self.conn.execute(
            "INSERT INTO memos(kind, target, text, coder, created_at) VALUES (?, ?, ?, ?, ?)",
            [kind, target, text, coder, now()],
        )
        return int(cur.lastrowid or 0)

    def get(self, memo_id: int) -> Memo | None:
        """One memo by id, or None."""
        rows = self.store.query(_SELECT + " WHERE m.id = ?", [memo_id])
        return _memo(rows[0]) if rows else None

    def all(
        self,
        *,
        kind: str | None = None,
        target: str | None = None,
        search: str | None = None,
    ) -> list[Memo]:
        """Memos oldest first, optionally about one target or containing words (any case)."""
        where, params = [], []
        if kind is not None:
            where.append("m.kind = ?")
            params.append(kind)
        if target is not None:
            where.append("m.target = ?")
            params.append(target)
        sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY m.id"
        memos = [_memo(r) for r in self.store.query(sql, params)]
        if search:
            # In Python: SQLite's LIKE folds case for ASCII only, and memos are Latvian.
            words = search.casefold().split()
            memos = [m for m in memos if all(w in m.text.casefold() for w in words)]
        return memos

    def delete(self, memo_id: int) -> bool:
        """Remove a memo; False when there was none."""
        return bool(self.conn.execute("DELETE FROM memos WHERE id = ?", [memo_id]).rowcount)

    def count(self) -> int:
        """How many memos there are."""
        return int(self.store.scalar("SELECT count(*) FROM memos") or 0)
