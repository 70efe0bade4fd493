"""The TEMP triggers that record every change to a tracked table into `changes`.

Each connection makes its own (TEMP triggers live with the connection), so no write path can
forget to record. `TRACKED` says, per table, its key, what a record leaves out and which rows
count; store/history.py reads the records back for log and undo.
"""

from __future__ import annotations

import sqlite3
from typing import Any

# table -> (primary key columns, columns left out of an insert's record, row filter per action,
#           transcript-name expression, code-name expression); X stands for NEW or OLD.
_TRANSCRIPT_OF = "(SELECT name FROM transcripts WHERE id = X.transcript_id)"
_CODE_OF = "(SELECT name FROM codes WHERE id = X.code_id)"
_DECIDED = "(X.status != 'pending')"
TRACKED: dict[str, dict[str, Any]] = {
    # A tag's text and context are copies of the transcript's: recorded only on delete (to
    # restore the row) or when they change, which keeps the history small.
    "tags": {
        "pk": ("id",),
        "transcript": _TRANSCRIPT_OF,
        "code": _CODE_OF,
        "big": ("text", "context_before", "context_after"),
    },
    "suggestions": {
        "pk": ("id",),
        "transcript": _TRANSCRIPT_OF,
        "code": _CODE_OF,
        # The matched terms and the rule are machine output a decision does not change:
        # recorded only on delete or when they change (half the history of a bulk accept).
        "big": ("matched", "rule"),
        # Pending suggestions are machine output: only decisions (and decided rows) count.
        "when": {
            "insert": "(NEW.status != 'pending')",
            "delete": "(OLD.status != 'pending')",
            "update": "(OLD.status != NEW.status OR OLD.tag_id IS NOT NEW.tag_id "
            "OR OLD.status != 'pending')",
        },
    },
    "codes": {"pk": ("id",), "code": "X.name"},
    "transcripts": {"pk": ("id",), "transcript": "X.name", "big": ("text",)},
    "turns": {"pk": ("id",), "transcript": _TRANSCRIPT_OF},
    "respondents": {"pk": ("id",)},
    "attributes": {"pk": ("respondent_id", "key")},
    "pseudonyms": {"pk": ("name",)},
    "settings": {"pk": ("key",)},
    "settlements": {"pk": ("id",), "transcript": _TRANSCRIPT_OF, "code": _CODE_OF},
    "memos": {
        "pk": ("id",),
        "transcript": "(SELECT name FROM transcripts WHERE X.kind = 'transcript' "
        "AND id = CAST(X.target AS INTEGER))",
        "code": "(SELECT name FROM codes WHERE X.kind = 'code' AND id = CAST(X.target AS INTEGER))",
    },
}

# Tables a bulk decision records as decision sets, not row by row.
QUIETED = frozenset({"tags", "suggestions"})


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA main.table_info({table})")]


def quoted(col: str) -> str:
    """A column name quoted for SQL."""
    return '"' + col.replace('"', '""') + '"'


def _json(columns: list[str], alias: str) -> str:
    return "json_object(" + ", ".join(f"'{c}', {alias}.{quoted(c)}" for c in columns) + ")"


def install_triggers(conn: sqlite3.Connection) -> None:
    """Make this connection's TEMP triggers that copy tracked row changes into `changes`."""
    # quiet = 1 while a bulk decision writes tags and suggestions: it records them itself, as
    # a decision set (store/decision_sets.py).
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS qc_cmd (id INTEGER, quiet INTEGER)")
    for table, spec in TRACKED.items():
        cols = _columns(conn, table)
        big = spec.get("big", ())
        small = [c for c in cols if c not in big]
        key = "json_array(" + ", ".join(f"X.{quoted(c)}" for c in spec["pk"]) + ")"
        transcript = spec.get("transcript", "NULL")
        code = spec.get("code", "NULL")
        when = spec.get("when", {})
        for action, timing in (("insert", "INSERT"), ("update", "UPDATE"), ("delete", "DELETE")):
            alias = "OLD" if action == "delete" else "NEW"
            if action == "insert":
                before, after = "NULL", _json(small, "NEW")
            elif action == "delete":
                before, after = _json(cols, "OLD"), "NULL"
            else:
                before, after = _json(small, "OLD"), _json(small, "NEW")
                for col in big:  # a big column only when it changed
                    changed = f"OLD.{quoted(col)} IS NOT NEW.{quoted(col)}"
                    old_big, new_big = f"OLD.{quoted(col)}", f"NEW.{quoted(col)}"
                    before = (
                        f"CASE WHEN {changed} THEN json_set({before}, '$.{col}', {old_big}) "
                        f"ELSE {before} END"
                    )
                    after = (
                        f"CASE WHEN {changed} THEN json_set({after}, '$.{col}', {new_big}) "
                        f"ELSE {after} END"
                    )
            cond = "(SELECT id FROM qc_cmd) IS NOT NULL"
            if action == "update":  # an UPDATE that changed nothing is not a change
                cond += (
                    " AND ("
                    + " OR ".join(f"OLD.{quoted(c)} IS NOT NEW.{quoted(c)}" for c in cols)
                    + ")"
                )
            if action in when:
                cond += " AND " + when[action]
            if table in QUIETED:
                cond += " AND (SELECT quiet FROM qc_cmd) IS NOT 1"
            conn.execute(
                f"""
                CREATE TEMP TRIGGER IF NOT EXISTS qc_{table}_{action}
                AFTER {timing} ON main.{table} WHEN {cond}
                BEGIN
                    INSERT INTO changes(command_id, tbl, action, row_key, before, after,
                                        transcript, code)
                    VALUES ((SELECT id FROM qc_cmd), '{table}', '{action}',
                            {key.replace("X.", alias + ".")}, {before}, {after},
                            {transcript.replace("X.", alias + ".")},
                            {code.replace("X.", alias + ".")});
                END
                """
            )
