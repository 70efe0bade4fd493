"""Schema migrations, applied in order when a project is opened.

Never edit a released migration: add a new one. The first release's schema is `m001_initial`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations

Step = Callable[["Database"], None]


class _Registry:
    """Migration steps in order. sqlite_utils (which imports numpy, ~0.2 s) is only loaded
    when a migration is pending, so everyday commands start fast."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.steps: list[Step] = []

    def __call__(self) -> Callable[[Step], Step]:
        def register(step: Step) -> Step:
            self.steps.append(step)
            return step

        return register

    @property
    def names(self) -> list[str]:
        """Names of every step, in order."""
        return [step.__name__ for step in self.steps]

    def build(self) -> Migrations:
        """The sqlite_utils migration set with every step registered."""
        from sqlite_utils.migrations import Migrations

        built = Migrations(self.name)
        for step in self.steps:
            built()(step)
        return built


migrations = _Registry("qualcode")


@migrations()
def m001_initial(db: Database) -> None:
    """Transcripts, turns, respondents, attributes, codes, tags, settings."""
    db.executescript(
        """
        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE respondents (
            id TEXT PRIMARY KEY
        );
        CREATE TABLE attributes (
            respondent_id TEXT NOT NULL REFERENCES respondents(id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (respondent_id, key)
        );
        CREATE INDEX idx_attributes_key ON attributes(key, value);
        CREATE TABLE transcripts (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            file_name TEXT NOT NULL,
            source_path TEXT,
            format TEXT NOT NULL,
            encoding TEXT,
            sha256 TEXT NOT NULL,
            language TEXT,
            respondent_id TEXT REFERENCES respondents(id),
            header_end INTEGER NOT NULL DEFAULT 0,
            text TEXT NOT NULL,
            imported_at TEXT NOT NULL
        );
        CREATE INDEX idx_transcripts_file ON transcripts(file_name);
        CREATE INDEX idx_transcripts_respondent ON transcripts(respondent_id);
        CREATE TABLE turns (
            id INTEGER PRIMARY KEY,
            transcript_id INTEGER NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
            number INTEGER NOT NULL,
            speaker TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('interviewer', 'respondent')),
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            start_time REAL,
            end_time REAL,
            UNIQUE (transcript_id, number),
            CHECK (start <= "end")
        );
        CREATE TABLE codes (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            label TEXT,
            description TEXT,
            color TEXT,
            parent_id INTEGER REFERENCES codes(id),
            position INTEGER NOT NULL DEFAULT 0,
            keywords TEXT NOT NULL DEFAULT '[]',
            rules TEXT NOT NULL DEFAULT '{}',
            active INTEGER NOT NULL DEFAULT 1
        );
        CREATE TABLE codebook_versions (
            id INTEGER PRIMARY KEY,
            sha256 TEXT NOT NULL,
            source TEXT,
            title TEXT,
            language TEXT,
            content TEXT NOT NULL,
            loaded_at TEXT NOT NULL
        );
        CREATE TABLE tags (
            id INTEGER PRIMARY KEY,
            transcript_id INTEGER NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
            turn_id INTEGER REFERENCES turns(id) ON DELETE CASCADE,
            code_id INTEGER NOT NULL REFERENCES codes(id),
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            text TEXT NOT NULL,
            coder TEXT NOT NULL,
            origin TEXT NOT NULL CHECK (origin IN ('manual', 'suggested')),
            rule TEXT,
            memo TEXT,
            created_at TEXT NOT NULL,
            UNIQUE (transcript_id, code_id, start, "end", coder),
            CHECK (start < "end")
        );
        CREATE INDEX idx_tags_code ON tags(code_id);
        CREATE INDEX idx_tags_turn ON tags(turn_id);
        CREATE INDEX idx_tags_transcript ON tags(transcript_id, start);
        """
    )


@migrations()
def m002_suggestions(db: Database) -> None:
    """Suggestions waiting for review and the per-transcript token key cache."""
    db.executescript(
        """
        CREATE TABLE suggestions (
            id INTEGER PRIMARY KEY,
            transcript_id INTEGER NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
            turn_id INTEGER REFERENCES turns(id) ON DELETE CASCADE,
            code_id INTEGER NOT NULL REFERENCES codes(id),
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            score REAL NOT NULL,
            matched TEXT NOT NULL DEFAULT '[]',
            rule TEXT,
            codebook_version INTEGER REFERENCES codebook_versions(id),
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'accepted', 'rejected', 'skipped')),
            decided_by TEXT,
            decided_at TEXT,
            tag_id INTEGER REFERENCES tags(id) ON DELETE SET NULL,
            created_at TEXT NOT NULL,
            UNIQUE (transcript_id, code_id, start, "end")
        );
        CREATE INDEX idx_suggestions_status ON suggestions(status, code_id);
        CREATE TABLE token_cache (
            transcript_id INTEGER PRIMARY KEY REFERENCES transcripts(id) ON DELETE CASCADE,
            pipeline TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            data BLOB NOT NULL
        );
        """
    )


@migrations()
def m003_pseudonyms(db: Database) -> None:
    """Pseudonyms applied to quotes and attributes on anonymised export."""
    db.executescript(
        """
        CREATE TABLE pseudonyms (
            name TEXT PRIMARY KEY,
            pseudonym TEXT NOT NULL
        );
        """
    )
