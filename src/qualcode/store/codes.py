"""Codes (the codebook's themes) and the loaded codebook versions."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..errors import not_found
from ..models import Code

if TYPE_CHECKING:
    from . import Store


def _code(r: dict[str, Any]) -> Code:
    return Code(
        id=r["id"],
        name=r["name"],
        label=r["label"],
        description=r["description"],
        color=r["color"],
        parent=r["parent_name"],
        position=r["position"],
        keywords=tuple(json.loads(r["keywords"])),
        rules=json.loads(r["rules"]),
        active=bool(r["active"]),
    )


class CodeStore:
    """SQL of the codes and codebook_versions tables."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.conn = store.conn

    def all(self, *, include_inactive: bool = True) -> list[Code]:
        """Every code in tree order (depth-first by position); iterative, so any depth works."""
        rows = self.store.query(
            "SELECT c.*, p.name AS parent_name FROM codes c "
            "LEFT JOIN codes p ON p.id = c.parent_id"
            + ("" if include_inactive else " WHERE c.active = 1")
        )
        by_parent: dict[int | None, list[dict[str, Any]]] = {}
        for r in rows:
            by_parent.setdefault(r["parent_id"], []).append(r)
        for children in by_parent.values():
            children.sort(key=lambda r: (r["position"], r["name"]))
        ordered: list[Code] = []
        seen: set[int] = set()
        stack = list(reversed(by_parent.get(None, [])))
        while stack:
            r = stack.pop()
            if r["id"] in seen:
                continue
            seen.add(r["id"])
            ordered.append(_code(r))
            stack.extend(reversed(by_parent.get(r["id"], [])))
        # A parent that is inactive (filtered out): keep its orphans at the end.
        ordered.extend(_code(r) for r in rows if r["id"] not in seen)
        return ordered

    def get(self, name: str) -> Code:
        """A code by name (or case-insensitively by name or label); NotFound names the closest."""
        codes = self.all()
        for c in codes:
            if c.name == name:
                return c
        for c in codes:  # forgive case and the display label
            if c.name.lower() == name.lower() or (c.label or "").lower() == name.lower():
                return c
        raise not_found(
            "code",
            name,
            [c.name for c in codes],
            hint="load a codebook with `qualcode codebook load FILE`",
        )

    def descendants(self, code: Code) -> list[Code]:
        """A code and every code below it."""
        codes = self.all()
        out, frontier = [code], {code.name}
        while frontier:
            nxt = [c for c in codes if c.parent in frontier]
            out.extend(nxt)
            frontier = {c.name for c in nxt}
        return out

    def ids(self) -> dict[str, int]:
        """Code name -> id."""
        return dict(self.conn.execute("SELECT name, id FROM codes").fetchall())

    def tag_counts(self) -> dict[str, int]:
        """Number of placed tags per code name (own tags, not children's)."""
        rows = self.conn.execute(
            "SELECT c.name, count(g.id) FROM codes c "
            "LEFT JOIN tags g ON g.code_id = c.id AND g.status = 'placed' GROUP BY c.id"
        )
        return dict(rows.fetchall())

    def upsert(
        self,
        *,
        name: str,
        label: str | None,
        description: str | None,
        color: str | None,
        parent_id: int | None,
        position: int,
        keywords: Iterable[str],
        rules: dict[str, Any],
    ) -> int:
        """Insert or update a code by name (tags keep pointing at the same id)."""
        values = [
            label,
            description,
            color,
            parent_id,
            position,
            json.dumps(list(keywords), ensure_ascii=False),
            json.dumps(rules, ensure_ascii=False),
        ]
        found = self.store.scalar("SELECT id FROM codes WHERE name = ?", [name])
        if found is None:
            cur = self.conn.execute(
                "INSERT INTO codes(name, label, description, color, parent_id, position, "
                "keywords, rules, active) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)",
                [name, *values],
            )
            return int(cur.lastrowid or 0)
        # Only a real change is written, so the history records what a reload changed.
        self.conn.execute(
            "UPDATE codes SET label = ?, description = ?, color = ?, parent_id = ?, "
            "position = ?, keywords = ?, rules = ?, active = 1 WHERE id = ? AND "
            "(label, description, color, parent_id, position, keywords, rules, active) "
            "IS NOT (?, ?, ?, ?, ?, ?, ?, 1)",
            [*values, found, *values],
        )
        return int(found)

    def deactivate_except(self, keep: set[int]) -> list[str]:
        """Codes not in keep: delete the unused ones, mark the used ones inactive (retired).

        Returns the names of codes kept inactive because tags or decisions still use them.
        """
        retired: list[str] = []
        rows = self.conn.execute("SELECT id, name, parent_id FROM codes").fetchall()
        parents = {r[0]: r[2] for r in rows}
        for code_id, name, _ in rows:
            if code_id in keep:
                continue
            used = self.store.scalar(
                "SELECT (SELECT count(*) FROM tags WHERE code_id = ?) + "
                "(SELECT count(*) FROM suggestions WHERE code_id = ? AND status != 'pending')",
                [code_id, code_id],
            )
            if used:
                # A retired code keeps its parent when the parent stays, so its tags still
                # count toward the parent.
                parent = parents.get(code_id)
                self.conn.execute(
                    "UPDATE codes SET active = 0, parent_id = ? WHERE id = ?",
                    [parent if parent in keep else None, code_id],
                )
                retired.append(name)
            else:
                self.conn.execute(
                    "UPDATE codes SET parent_id = NULL WHERE parent_id = ?", [code_id]
                )
                self.conn.execute("DELETE FROM suggestions WHERE code_id = ?", [code_id])
                self.conn.execute("DELETE FROM codes WHERE id = ?", [code_id])
        return retired

    def rename(self, old: str, new: str) -> None:
        """Rename a code in place (its tags follow, since they hold the id)."""
        self.conn.execute("UPDATE codes SET name = ? WHERE name = ?", [new, old])

    def add_version(
        self,
        *,
        sha256: str,
        source: str | None,
        title: str | None,
        language: str | None,
        content: str,
    ) -> int:
        """Record the codebook text that was loaded; returns its version number."""
        from . import now

        cur = self.conn.execute(
            "INSERT INTO codebook_versions(sha256, source, title, language, content, loaded_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [sha256, source, title, language, content, now()],
        )
        return int(cur.lastrowid or 0)

    def latest_version(self) -> dict[str, Any] | None:
        """The latest loaded codebook version (id, sha256, source, title, language, content)."""
        rows = self.store.query("SELECT * FROM codebook_versions ORDER BY id DESC LIMIT 1")
        return rows[0] if rows else None
