-- index idx__sqlite_migrations_migration_set_name
CREATE UNIQUE INDEX "idx__sqlite_migrations_migration_set_name"
    ON "_sqlite_migrations" ("migration_set", "name");

-- index idx_attributes_key
CREATE INDEX idx_attributes_key ON attributes(key, value);

-- index idx_changes_code
CREATE INDEX idx_changes_code ON changes(code);

-- index idx_changes_command
CREATE INDEX idx_changes_command ON changes(command_id);

-- index idx_changes_transcript
CREATE INDEX idx_changes_transcript ON changes(transcript);

-- index idx_commands_coder
CREATE INDEX idx_commands_coder ON commands(coder, id);

-- index idx_decision_sets_code
CREATE INDEX idx_decision_sets_code ON decision_sets(code);

-- index idx_decision_sets_command
CREATE INDEX idx_decision_sets_command ON decision_sets(command_id);

-- index idx_decision_sets_transcript
CREATE INDEX idx_decision_sets_transcript ON decision_sets(transcript);

-- index idx_memos_target
CREATE INDEX idx_memos_target ON memos(kind, target);

-- index idx_suggestions_status
CREATE INDEX idx_suggestions_status ON suggestions(status, code_id);

-- index idx_suggestions_tag
CREATE INDEX idx_suggestions_tag ON suggestions(tag_id);

-- index idx_suggestions_transcript
CREATE INDEX idx_suggestions_transcript ON suggestions(transcript_id);

-- index idx_tags_code
CREATE INDEX idx_tags_code ON tags(code_id);

-- index idx_tags_counts
CREATE INDEX idx_tags_counts
            ON tags(status, code_id, transcript_id, turn_id, start, "end");

-- index idx_tags_transcript
CREATE INDEX idx_tags_transcript ON tags(transcript_id, start);

-- index idx_tags_turn
CREATE INDEX idx_tags_turn ON tags(turn_id);

-- index idx_transcripts_file
CREATE INDEX idx_transcripts_file ON transcripts(file_name);

-- index idx_transcripts_respondent
CREATE INDEX idx_transcripts_respondent ON transcripts(respondent_id);

-- index idx_turns_transcript
CREATE INDEX idx_turns_transcript ON turns(transcript_id, start);

-- table _sqlite_migrations
CREATE TABLE "_sqlite_migrations" (
   "id" INTEGER PRIMARY KEY,
   "migration_set" TEXT,
   "name" TEXT,
   "applied_at" TEXT
);

-- table attributes
CREATE TABLE "attributes" (
            respondent_id TEXT NOT NULL REFERENCES respondents(id),
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (respondent_id, key)
        );

-- table changes
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

-- table codebook_versions
CREATE TABLE codebook_versions (
            id INTEGER PRIMARY KEY,
            sha256 TEXT NOT NULL,
            source TEXT,
            title TEXT,
            language TEXT,
            content TEXT NOT NULL,
            loaded_at TEXT NOT NULL
        );

-- table codes
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

-- table commands
CREATE TABLE commands (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            coder TEXT NOT NULL,
            command TEXT NOT NULL,
            undo_of INTEGER REFERENCES commands(id),
            undone_by INTEGER REFERENCES commands(id)
        );

-- table decision_sets
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

-- table match_cache
CREATE TABLE match_cache (
            transcript_id INTEGER NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
            code_id INTEGER NOT NULL,
            fingerprint TEXT NOT NULL,
            data BLOB NOT NULL,
            PRIMARY KEY (transcript_id, code_id)
        ) WITHOUT ROWID;

-- table memos
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

-- table models
CREATE TABLE models (
            name TEXT PRIMARY KEY,
            fingerprint TEXT NOT NULL,
            data TEXT NOT NULL,
            created_at TEXT NOT NULL
        );

-- table pseudonyms
CREATE TABLE pseudonyms (
            name TEXT PRIMARY KEY,
            pseudonym TEXT NOT NULL
        );

-- table respondents
CREATE TABLE respondents (
            id TEXT PRIMARY KEY
        );

-- table settings
CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );

-- table settlements
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

-- table suggestions
CREATE TABLE "suggestions" (
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
            text TEXT NOT NULL DEFAULT '', probability REAL,
            UNIQUE (transcript_id, code_id, start, "end")
        );

-- table tags
CREATE TABLE "tags" (
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

-- table token_cache
CREATE TABLE token_cache (
            transcript_id INTEGER PRIMARY KEY REFERENCES transcripts(id) ON DELETE CASCADE,
            pipeline TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            data BLOB NOT NULL
        );

-- table transcripts
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

-- table turns
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
