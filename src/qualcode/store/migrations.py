"""Schema migrations, applied in order when a project is opened (SQL of the schema).

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


@migrations()
def m004_history(db: Database) -> None:
    """History of every change (commands and row changes); nothing a coder decided cascades.

    tags, suggestions and attributes are rebuilt without ON DELETE CASCADE: removing a
    transcript or a respondent deletes their tags explicitly and records each one, so undo can
    bring them back. tags gain a status (placed or detached) and the context around their text,
    so an edited transcript can re-place them.
    """
    db.executescript(
        """
        CREATE TABLE commands (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            coder TEXT NOT NULL,
            command TEXT NOT NULL,
            undo_of INTEGER REFERENCES commands(id),
            undone_by INTEGER REFERENCES commands(id)
        );
        CREATE INDEX idx_commands_coder ON commands(coder, id);
        CREATE TABLE changes (
            id INTEGER PRIMARY KEY,
            command_id INTEGER NOT NULL REFERENCES commands(id),
            tbl TEXT NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('insert', 'update', 'delete')),
            row_key TEXT NOT NULL,
            before TEXT,
            after TEXT,
            transcript TEXT,
            code TEXT
        );
        CREATE INDEX idx_changes_command ON changes(command_id);
        CREATE INDEX idx_changes_transcript ON changes(transcript);
        CREATE INDEX idx_changes_code ON changes(code);

        CREATE TABLE tags_new (
            id INTEGER PRIMARY KEY,
            transcript_id INTEGER NOT NULL REFERENCES transcripts(id),
            turn_id INTEGER REFERENCES turns(id),
            code_id INTEGER NOT NULL REFERENCES codes(id),
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            text TEXT NOT NULL,
            coder TEXT NOT NULL,
            origin TEXT NOT NULL CHECK (origin IN ('manual', 'suggested', 'imported')),
            rule TEXT,
            memo TEXT,
            created_at TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'placed' CHECK (status IN ('placed', 'detached')),
            context_before TEXT NOT NULL DEFAULT '',
            context_after TEXT NOT NULL DEFAULT '',
            UNIQUE (transcript_id, code_id, start, "end", coder),
            CHECK (start < "end")
        );
        INSERT INTO tags_new(id, transcript_id, turn_id, code_id, start, "end", text, coder,
                             origin, rule, memo, created_at, context_before, context_after)
            SELECT g.id, g.transcript_id, g.turn_id, g.code_id, g.start, g."end", g.text,
                   g.coder, g.origin, g.rule, g.memo, g.created_at,
                   substr(t.text, max(g.start - 39, 1), min(g.start, 40)),
                   substr(t.text, g."end" + 1, 40)
            FROM tags g JOIN transcripts t ON t.id = g.transcript_id;
        DROP TABLE tags;
        ALTER TABLE tags_new RENAME TO tags;
        CREATE INDEX idx_tags_code ON tags(code_id);
        CREATE INDEX idx_tags_turn ON tags(turn_id);
        CREATE INDEX idx_tags_transcript ON tags(transcript_id, start);

        CREATE TABLE suggestions_new (
            id INTEGER PRIMARY KEY,
            transcript_id INTEGER NOT NULL REFERENCES transcripts(id),
            turn_id INTEGER REFERENCES turns(id),
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
            tag_id INTEGER REFERENCES tags(id),
            created_at TEXT NOT NULL,
            text TEXT NOT NULL DEFAULT '',
            UNIQUE (transcript_id, code_id, start, "end")
        );
        INSERT INTO suggestions_new(id, transcript_id, turn_id, code_id, start, "end", score,
                                    matched, rule, codebook_version, status, decided_by,
                                    decided_at, tag_id, created_at, text)
            SELECT s.id, s.transcript_id, s.turn_id, s.code_id, s.start, s."end", s.score,
                   s.matched, s.rule, s.codebook_version, s.status, s.decided_by, s.decided_at,
                   s.tag_id, s.created_at, substr(t.text, s.start + 1, s."end" - s.start)
            FROM suggestions s JOIN transcripts t ON t.id = s.transcript_id;
        DROP TABLE suggestions;
        ALTER TABLE suggestions_new RENAME TO suggestions;
        CREATE INDEX idx_suggestions_status ON suggestions(status, code_id);
        CREATE INDEX idx_suggestions_transcript ON suggestions(transcript_id);
        CREATE INDEX idx_suggestions_tag ON suggestions(tag_id);

        CREATE TABLE attributes_new (
            respondent_id TEXT NOT NULL REFERENCES respondents(id),
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (respondent_id, key)
        );
        INSERT INTO attributes_new SELECT respondent_id, key, value FROM attributes;
        DROP TABLE attributes;
        ALTER TABLE attributes_new RENAME TO attributes;
        CREATE INDEX idx_attributes_key ON attributes(key, value);
        CREATE INDEX idx_turns_transcript ON turns(transcript_id, start);
        """
    )


@migrations()
def m005_settlements(db: Database) -> None:
    """A reviewer's decisions on turns where coders disagree (the final coding)."""
    db.executescript(
        """
        CREATE TABLE settlements (
            id INTEGER PRIMARY KEY,
            transcript_id INTEGER NOT NULL REFERENCES transcripts(id),
            turn INTEGER NOT NULL,
            code_id INTEGER NOT NULL REFERENCES codes(id),
            keep TEXT NOT NULL DEFAULT '[]',
            decided_by TEXT NOT NULL,
            decided_at TEXT NOT NULL,
            UNIQUE (transcript_id, turn, code_id)
        );
        """
    )


@migrations()
def m006_models(db: Database) -> None:
    """Learned state kept as JSON data (never pickles), and each suggestion's probability.

    `models` holds derived data that can always be made again (the per-code suggestion model,
    cached keyword keys), each with the fingerprint of what it was made from; it is not
    recorded in the history. `suggestions.probability` is the calibrated probability a coder
    tags the passage (NULL when rules alone made the suggestion); `score` stays the rule score.
    """
    db.executescript(
        """
        CREATE TABLE models (
            name TEXT PRIMARY KEY,
            fingerprint TEXT NOT NULL,
            data TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        ALTER TABLE suggestions ADD COLUMN probability REAL;
        """
    )


@migrations()
def m007_memos(db: Database) -> None:
    """Memos on the project, a code, a transcript, a respondent or a tag.

    The target is kept as the target's id (text), not a foreign key: a memo outlives a
    removed transcript or code (shown as removed) and reattaches when `undo` restores it,
    and renames follow because ids do not change.
    """
    db.executescript(
        """
        CREATE TABLE memos (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL
                CHECK (kind IN ('project', 'code', 'transcript', 'respondent', 'tag')),
            target TEXT,
            text TEXT NOT NULL,
            coder TEXT NOT NULL,
            created_at TEXT NOT NULL,
            CHECK ((kind = 'project') = (target IS NULL))
        );
        CREATE INDEX idx_memos_target ON memos(kind, target);
        """
    )


@migrations()
def m008_tag_counts_index(db: Database) -> None:
    """A covering index for counting tags per code (reports read no wide tag rows)."""
    db.executescript(
        """
        CREATE INDEX idx_tags_counts
            ON tags(status, code_id, transcript_id, turn_id, start, "end");
        """
    )


@migrations()
def m009_match_cache(db: Database) -> None:
    """What each code's rules found in each transcript, so an unchanged pair is not matched again.

    Derived data like the token cache: `fingerprint` names the transcript text, its turns,
    the turns suggested on and the code's compiled rules; any change makes the entry stale.
    """
    db.executescript(
        """
        CREATE TABLE match_cache (
            transcript_id INTEGER NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
            code_id INTEGER NOT NULL,
            fingerprint TEXT NOT NULL,
            data BLOB NOT NULL,
            PRIMARY KEY (transcript_id, code_id)
        ) WITHOUT ROWID;
        """
    )


@migrations()
def m010_decision_sets(db: Database) -> None:
    """Bulk decisions in the history as one compact record per transcript and code.

    `review --accept` of 100,000 suggestions would otherwise record 200,000 row changes (each
    decision and each tag made, as JSON), which cost more than the decisions themselves.
    `rows` is a JSON array of [suggestion id, id of the tag made or null] with a third item,
    the suggestion's columns before, only where they were not those of an undecided
    suggestion. `kind` 'decide' made the decisions, 'revert' took them back (an undo).
    """
    db.executescript(
        """
        CREATE TABLE decision_sets (
            id INTEGER PRIMARY KEY,
            command_id INTEGER NOT NULL REFERENCES commands(id),
            kind TEXT NOT NULL CHECK (kind IN ('decide', 'revert')),
            status TEXT NOT NULL CHECK (status IN ('accepted', 'rejected')),
            decided_by TEXT NOT NULL,
            decided_at TEXT NOT NULL,
            transcript TEXT,
            code TEXT,
            rows TEXT NOT NULL
        );
        CREATE INDEX idx_decision_sets_command ON decision_sets(command_id);
        CREATE INDEX idx_decision_sets_transcript ON decision_sets(transcript);
        CREATE INDEX idx_decision_sets_code ON decision_sets(code);
        """
    )
