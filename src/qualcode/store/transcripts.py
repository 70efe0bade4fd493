"""Transcripts and their turns."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import not_found
from ..models import ParsedTranscript, Transcript, TranscriptView, Turn

if TYPE_CHECKING:
    from . import Store


class TranscriptStore:
    """SQL of the transcripts and turns tables."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.conn = store.conn

    # -- finding ---------------------------------------------------------------------------

    def find_row(self, name: str) -> dict[str, Any] | None:
        """A transcript row by name or file name (with or without extension), or None."""
        q = self.store.query
        cols = "id, name, file_name, respondent_id, sha256, header_end, language, format"
        rows = q(
            f"SELECT {cols} FROM transcripts WHERE name = ? OR file_name = ? "
            "ORDER BY name = ? DESC LIMIT 1",
            [name, name, name],
        )
        if not rows:  # the file name without its extension
            rows = q(
                f"SELECT {cols} FROM transcripts WHERE file_name LIKE ? ESCAPE '\\' "
                "ORDER BY id LIMIT 1",
                [name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + ".%"],
            )
        if not rows:
            rows = q(f"SELECT {cols} FROM transcripts WHERE lower(name) = lower(?) LIMIT 1", [name])
        return rows[0] if rows else None

    def get(self, name: str) -> Transcript:
        """A transcript by its name or file name; NotFound names the closest."""
        row = self.find_row(name)
        if row is None:
            raise not_found(
                "transcript", name, self.names(), hint="import transcripts with `qualcode import`"
            )
        return self.all(int(row["id"]))[0]

    def names(self) -> list[str]:
        """Every transcript name."""
        return [r[0] for r in self.conn.execute("SELECT name FROM transcripts ORDER BY name")]

    def by_sha(self, sha256: str) -> dict[str, Any] | None:
        """The stored transcript with these source bytes (id, name), if any."""
        rows = self.store.query("SELECT id, name FROM transcripts WHERE sha256 = ?", [sha256])
        return rows[0] if rows else None

    def by_file_name(self, file_name: str) -> list[dict[str, Any]]:
        """Transcripts imported from a file of this name (id, name, respondent_id, sha256)."""
        return self.store.query(
            "SELECT id, name, respondent_id, sha256 FROM transcripts WHERE file_name = ? "
            "ORDER BY id",
            [file_name],
        )

    def count(self) -> int:
        """Number of transcripts."""
        return int(self.store.scalar("SELECT count(*) FROM transcripts"))

    # -- reading ----------------------------------------------------------------------------

    def all(self, transcript_id: int | None = None) -> list[Transcript]:
        """Every transcript (or one) with turn and tag counts and its respondent's attributes."""
        where = "" if transcript_id is None else "WHERE t.id = ?"
        params = [] if transcript_id is None else [transcript_id]
        rows = self.store.query(
            f"""
            SELECT t.id, t.name, t.file_name, t.format, t.encoding, t.sha256, t.language,
                   t.respondent_id, t.imported_at,
                   (SELECT count(*) FROM turns u WHERE u.transcript_id = t.id) AS turn_count,
                   (SELECT count(*) FROM tags g WHERE g.transcript_id = t.id) AS tag_count
            FROM transcripts t {where} ORDER BY t.name
            """,
            params,
        )
        attrs: dict[str, dict[str, str]] = {}
        sql = "SELECT respondent_id, key, value FROM attributes"
        if transcript_id is not None:
            sql += " WHERE respondent_id = (SELECT respondent_id FROM transcripts WHERE id = ?)"
        for r in self.conn.execute(sql, params):
            attrs.setdefault(r[0], {})[r[1]] = r[2]
        return [
            Transcript(
                id=r["id"],
                name=r["name"],
                file_name=r["file_name"],
                format=r["format"],
                encoding=r["encoding"],
                sha256=r["sha256"],
                language=r["language"],
                respondent=r["respondent_id"],
                imported_at=r["imported_at"],
                turn_count=r["turn_count"],
                tag_count=r["tag_count"],
                attributes=attrs.get(r["respondent_id"], {}),
            )
            for r in rows
        ]

    def text(self, transcript_id: int) -> str:
        """The full stored text of a transcript."""
        return str(self.store.scalar("SELECT text FROM transcripts WHERE id = ?", [transcript_id]))

    def turns(self, transcript_id: int, text: str | None = None) -> list[Turn]:
        """Turns of one transcript in order, with their text sliced from the transcript."""
        if text is None:
            text = self.text(transcript_id)
        return self.turns_of({transcript_id: text})[transcript_id]

    def view(self, name: str) -> TranscriptView:
        """A transcript's header, numbered turns and tags."""
        t = self.get(name)
        text, header_end = self.conn.execute(
            "SELECT text, header_end FROM transcripts WHERE id = ?", [t.id]
        ).fetchone()
        return TranscriptView(
            transcript=t,
            header=text[:header_end].strip(),
            turns=self.turns(t.id, text),
            tags=self.store.tags.all(transcript_id=t.id, include_detached=True),
            text=text,
        )

    def texts(
        self, ids: Sequence[int] | None = None, *, with_text: bool = True
    ) -> list[dict[str, Any]]:
        """id, name, sha256, language and text (or '' without with_text) of every transcript
        (or of these ids), by name."""
        text = "text" if with_text else "'' AS text"
        if ids is None:
            return self.store.query(
                f"SELECT id, name, sha256, language, {text} FROM transcripts ORDER BY name"
            )
        out: list[dict[str, Any]] = []
        for lo in range(0, len(ids), 500):
            part = list(ids[lo : lo + 500])
            out.extend(
                self.store.query(
                    f"SELECT id, name, sha256, language, {text} FROM transcripts "
                    f"WHERE id IN ({','.join('?' * len(part))})",
                    part,
                )
            )
        return sorted(out, key=lambda r: str(r["name"]))

    def turns_of(self, texts: Mapping[int, str]) -> dict[int, list[Turn]]:
        """Turns of several transcripts (id -> text to slice turn texts from) in one query."""
        out: dict[int, list[Turn]] = {tid: [] for tid in texts}
        ids = list(texts)
        intern = sys.intern  # shared strings: a corpus has few speakers and roles, many turns
        for lo in range(0, len(ids), 500):
            part = ids[lo : lo + 500]
            rows = self.conn.execute(
                'SELECT transcript_id, id, number, speaker, role, start, "end", start_time, '
                f"end_time FROM turns WHERE transcript_id IN ({','.join('?' * len(part))}) "
                "ORDER BY transcript_id, number",
                part,
            )
            # Positional arguments: a third quicker than keywords, at 3 calls a suggest run.
            for tid, turn_id, number, speaker, role, start, end, start_time, end_time in rows:
                out[tid].append(
                    Turn(
                        turn_id,
                        tid,
                        number,
                        intern(speaker),
                        intern(role),
                        start,
                        end,
                        texts[tid][start:end],
                        start_time,
                        end_time,
                    )
                )
        return out

    # -- writing ----------------------------------------------------------------------------

    def insert(
        self,
        parsed: ParsedTranscript,
        *,
        name: str,
        respondent_id: str | None,
        language: str | None,
        source_path: str | None,
    ) -> int:
        """Store a parsed transcript and its turns; returns the transcript id."""
        from . import now

        cur = self.conn.execute(
            "INSERT INTO transcripts(name, file_name, source_path, format, encoding, sha256, "
            "language, respondent_id, header_end, text, imported_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                name,
                parsed.file_name,
                source_path,
                parsed.format,
                parsed.encoding,
                parsed.sha256,
                language,
                respondent_id,
                parsed.header_end,
                parsed.text,
                now(),
            ],
        )
        transcript_id = int(cur.lastrowid or 0)
        self._insert_turns(transcript_id, parsed)
        return transcript_id

    def _insert_turns(self, transcript_id: int, parsed: ParsedTranscript) -> None:
        self.conn.executemany(
            'INSERT INTO turns(transcript_id, number, speaker, role, start, "end", '
            "start_time, end_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (transcript_id, i, t.speaker, t.role, t.start, t.end, t.start_time, t.end_time)
                for i, t in enumerate(parsed.turns, start=1)
            ],
        )

    def replace_content(
        self,
        transcript_id: int,
        parsed: ParsedTranscript,
        *,
        language: str | None,
        source_path: str | None,
    ) -> None:
        """Give a transcript new text and turns, keeping its id, name and respondent.

        Tags and suggestions are unlinked from the old turns first; the caller re-places them
        (see anchoring) in the same transaction.
        """
        from . import now

        self.conn.execute(
            "UPDATE tags SET turn_id = NULL WHERE transcript_id = ? AND turn_id IS NOT NULL",
            [transcript_id],
        )
        self.conn.execute(
            "UPDATE suggestions SET turn_id = NULL WHERE transcript_id = ? AND turn_id IS NOT NULL",
            [transcript_id],
        )
        self.conn.execute("DELETE FROM turns WHERE transcript_id = ?", [transcript_id])
        self.conn.execute("DELETE FROM token_cache WHERE transcript_id = ?", [transcript_id])
        self.conn.execute("DELETE FROM match_cache WHERE transcript_id = ?", [transcript_id])
        self.conn.execute(
            "UPDATE transcripts SET file_name = ?, source_path = ?, format = ?, encoding = ?, "
            "sha256 = ?, language = ?, header_end = ?, text = ?, imported_at = ? WHERE id = ?",
            [
                parsed.file_name,
                source_path,
                parsed.format,
                parsed.encoding,
                parsed.sha256,
                language,
                parsed.header_end,
                parsed.text,
                now(),
                transcript_id,
            ],
        )
        self._insert_turns(transcript_id, parsed)

    def resplit(self, transcript_id: int, parsed: ParsedTranscript) -> None:
        """New turns for the same text (other speaker settings)."""
        self.replace_content(
            transcript_id,
            parsed,
            language=self.store.scalar(
                "SELECT language FROM transcripts WHERE id = ?", [transcript_id]
            ),
            source_path=self.store.scalar(
                "SELECT source_path FROM transcripts WHERE id = ?", [transcript_id]
            ),
        )

    def delete(self, transcript_id: int) -> int:
        """Remove a transcript with its turns; its tags and decisions are deleted one by one
        (each recorded in the history, so undo restores them). Returns the tags removed."""
        # Decided suggestions are recorded as they go (pending ones are made again by suggest).
        self.conn.execute("DELETE FROM suggestions WHERE transcript_id = ?", [transcript_id])
        n = self.conn.execute("DELETE FROM tags WHERE transcript_id = ?", [transcript_id]).rowcount
        self.conn.execute("DELETE FROM token_cache WHERE transcript_id = ?", [transcript_id])
        self.conn.execute("DELETE FROM match_cache WHERE transcript_id = ?", [transcript_id])
        self.conn.execute("DELETE FROM turns WHERE transcript_id = ?", [transcript_id])
        self.conn.execute("DELETE FROM transcripts WHERE id = ?", [transcript_id])
        return int(n)

    def rename(self, transcript_id: int, new_name: str) -> None:
        """Rename a transcript."""
        self.conn.execute("UPDATE transcripts SET name = ? WHERE id = ?", [new_name, transcript_id])

    def relink(self, transcript_id: int, respondent_id: str | None) -> None:
        """Link a transcript to another respondent (which must exist)."""
        self.conn.execute(
            "UPDATE transcripts SET respondent_id = ? WHERE id = ?", [respondent_id, transcript_id]
        )

    def source(self, transcript_id: int) -> dict[str, Any]:
        """Where a transcript came from: file_name, source_path, format, encoding, sha256,
        language."""
        return self.store.query(
            "SELECT file_name, source_path, format, encoding, sha256, language "
            "FROM transcripts WHERE id = ?",
            [transcript_id],
        )[0]
