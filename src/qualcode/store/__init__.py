"""The project's SQLite file: the only place with SQL.

`Store` owns the connection, the write transaction, migrations and the history of changes;
one table-group store per module (`store.transcripts`, `store.respondents`, `store.codes`,
`store.tags`, `store.suggestions`, `store.cache`, `store.pseudonyms`, `store.history`)
returns model dataclasses. Feature modules take a `Store`, never the `Project` facade.
"""

from __future__ import annotations

import getpass
import os
import shutil
import sqlite3
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ProjectBusy, QualcodeError
from .migrations import migrations

if TYPE_CHECKING:
    from sqlite_utils import Database

    from .cache import CacheStore
    from .codes import CodeStore
    from .decision_sets import DecisionSetStore
    from .history import HistoryStore
    from .memos import MemoStore
    from .pseudonyms import PseudonymStore
    from .respondents import RespondentStore
    from .suggestions import SuggestionStore
    from .tags import TagStore
    from .team import TeamStore
    from .transcripts import TranscriptStore

DB_NAME = "qualcode.db"
SQLITE_MAGIC = b"SQLite format 3\x00"


def now() -> str:
    """UTC timestamp, ISO 8601, second precision."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def _busy_timeout() -> float:
    # Seconds to wait for another writer before giving up; tests shorten it.
    return float(os.environ.get("QUALCODE_BUSY_TIMEOUT", "5"))


def _check_file(path: Path) -> None:
    """Refuse files that are not SQLite databases before SQLite touches them."""
    size = path.stat().st_size
    if size == 0:
        raise QualcodeError(
            f"{path} is empty (0 bytes), not a qualcode project; restore it from a backup, "
            "or delete it and run `qualcode init`"
        )
    with path.open("rb") as fh:
        head = fh.read(len(SQLITE_MAGIC))
    if head != SQLITE_MAGIC:
        raise QualcodeError(
            f"{path} is not a qualcode project database (not an SQLite file); check the path"
        )


class Store:
    """One open project database; sub-stores hold the SQL of each table group."""

    def __init__(self, path: Path | str, *, create: bool = False, reader: bool = False) -> None:
        self.path = Path(path)
        memory = str(path) == ":memory:"
        self.command = _default_command()
        self.coder: str | None = None  # who the current command acts as (default_coder())
        self._lock = threading.RLock()
        self._local = threading.local()
        if not memory:
            if not create and not self.path.exists():
                raise QualcodeError(f"{self.path} does not exist; run `qualcode init` first")
            if self.path.exists():
                _check_file(self.path)
        # reader: a second, read-only connection next to a writing one (another process's),
        # so without `immutable` (that would read past the writer's locks).
        self.read_only = reader or (not memory and self.path.exists() and not _writable(self.path))
        try:
            if reader:
                uri = self.path.resolve().as_uri() + "?mode=ro"
                conn = sqlite3.connect(uri, uri=True, timeout=_busy_timeout(), isolation_level=None)
            elif self.read_only:
                uri = self.path.resolve().as_uri() + "?mode=ro&immutable=1"
                conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
            else:
                conn = sqlite3.connect(
                    str(path),
                    timeout=_busy_timeout(),
                    isolation_level=None,
                    check_same_thread=False,
                )
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.DatabaseError as exc:
            raise QualcodeError(
                f"{self.path} is not a qualcode project database ({exc}); "
                "check the path or restore it from a backup"
            ) from None
        self.conn = conn
        self._db: Database | None = None
        self._migrate(memory, create)
        self._init_substores()
        if not self.read_only:
            from .triggers import install_triggers

            install_triggers(self.conn)

    def _init_substores(self) -> None:
        from .cache import CacheStore
        from .codes import CodeStore
        from .decision_sets import DecisionSetStore
        from .history import HistoryStore
        from .learned import LearnedStore
        from .memos import MemoStore
        from .pseudonyms import PseudonymStore
        from .respondents import RespondentStore
        from .suggestions import SuggestionStore
        from .tags import TagStore
        from .team import TeamStore
        from .transcripts import TranscriptStore

        self.transcripts: TranscriptStore = TranscriptStore(self)
        self.respondents: RespondentStore = RespondentStore(self)
        self.codes: CodeStore = CodeStore(self)
        self.tags: TagStore = TagStore(self)
        self.suggestions: SuggestionStore = SuggestionStore(self)
        self.decision_sets: DecisionSetStore = DecisionSetStore(self)
        self.cache: CacheStore = CacheStore(self)
        self.pseudonyms: PseudonymStore = PseudonymStore(self)
        self.history: HistoryStore = HistoryStore(self)
        self.learned: LearnedStore = LearnedStore(self)
        self.team: TeamStore = TeamStore(self)
        self.memos: MemoStore = MemoStore(self)

    @property
    def db(self) -> Database:
        """sqlite_utils view of the connection, made on first use (it imports numpy)."""
        if self._db is None:
            from sqlite_utils import Database

            self._db = Database(self.conn)
        return self._db

    # -- opening and migrating ------------------------------------------------------------

    def _applied(self) -> set[str] | None:
        """Applied migration names; None when the file has tables but is not ours."""
        try:
            tables = {
                r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
        except sqlite3.DatabaseError as exc:
            raise QualcodeError(
                f"{self.path} is not a qualcode project database ({exc}); check the path"
            ) from None
        if "_sqlite_migrations" not in tables:
            return set() if not tables else None
        rows = self.conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", [migrations.name]
        ).fetchall()
        if not rows and tables - {"_sqlite_migrations"}:
            return None
        return {r[0] for r in rows}

    def _migrate(self, memory: bool, create: bool) -> None:
        applied = self._applied()
        if applied is None:
            raise QualcodeError(
                f"{self.path} is another program's database, not a qualcode project; "
                "qualcode leaves it untouched. Point --project at a qualcode.db, or run "
                "`qualcode init FOLDER` for a new project"
            )
        unknown = applied - set(migrations.names)
        if unknown:
            raise QualcodeError(
                f"{self.path} was written by a newer qualcode (schema {sorted(unknown)[-1]}); "
                "upgrade qualcode (pip install -U qualcode) to open it"
            )
        if not memory and not self.read_only:
            # WAL only once the file is known to be ours: it rewrites the file header.
            self.conn.execute("PRAGMA journal_mode = WAL")
        if set(migrations.names) <= applied:
            return
        if self.read_only:
            raise QualcodeError(
                f"{self.path} needs upgrading but its folder is read-only; "
                "copy the project somewhere writable and open it there"
            )
        if not applied and not create and not memory:
            raise QualcodeError(f"{self.path} is an empty database, not a qualcode project")
        steps = migrations.build()
        pending = steps.pending(self.db)
        if applied and not memory:
            backup = self.path.with_name(f"{self.path.name}.bak-{pending[0].name}")
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            shutil.copy2(self.path, backup)
        # Tables are rebuilt (copy, drop, rename): foreign keys must be off while that runs,
        # or dropping the old table would fire its ON DELETE actions. Checked afterwards.
        self.conn.execute("PRAGMA foreign_keys = OFF")
        try:
            with self.write(record=False):
                steps.apply(self.db)
                broken = self.conn.execute("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise QualcodeError(
                        f"{self.path}: upgrading found {len(broken)} broken references; "
                        "nothing was changed. Run `qualcode check` with the older qualcode"
                    )
        finally:
            self.conn.execute("PRAGMA foreign_keys = ON")

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    # -- transactions -------------------------------------------------------------------

    @contextmanager
    def write(self, *, record: bool = True, coder: str | None = None) -> Iterator[Store]:
        """One write transaction: everything inside commits together or not at all.

        BEGIN IMMEDIATE takes the write lock up front, so a second qualcode process waits
        (busy timeout) and then fails cleanly instead of half-writing. Within a process, a
        lock makes threads sharing this store take turns. Changes inside are recorded in the
        history as one command (record=False for derived data such as caches).
        """
        if getattr(self._local, "depth", 0):  # nested in this thread: join the transaction
            self._local.depth += 1
            try:
                yield self
            finally:
                self._local.depth -= 1
            return
        if self.read_only:
            raise QualcodeError(
                f"{self.path} is read-only (its folder or file cannot be written); "
                "copy the project somewhere writable"
            )
        with self._lock:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if "locked" in str(exc) or "busy" in str(exc):
                    raise ProjectBusy(
                        f"another qualcode process is writing to {self.path}; "
                        "wait for it to finish and run the command again"
                    ) from None
                if "readonly" in str(exc) or "read-only" in str(exc):
                    raise QualcodeError(
                        f"{self.path} is read-only; copy the project somewhere writable"
                    ) from None
                raise
            self._local.depth = 1
            try:
                if record:
                    self.history.begin(coder or self.coder or self.default_coder(), self.command)
                yield self
                if record:
                    self.history.end()
            except BaseException:
                self.conn.execute("ROLLBACK")
                if record:
                    self.history.reset()
                raise
            else:
                self.conn.execute("COMMIT")
            finally:
                self._local.depth = 0

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A nested part of a write transaction that an exception undoes on its own."""
        name = f"qc_sp_{id(self)}_{getattr(self._local, 'sp', 0)}"
        self._local.sp = getattr(self._local, "sp", 0) + 1
        self.conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            self.conn.execute(f"ROLLBACK TO {name}")
            self.conn.execute(f"RELEASE {name}")
            raise
        else:
            self.conn.execute(f"RELEASE {name}")
        finally:
            self._local.sp -= 1

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        """Rows of a read query as dicts (for the sub-stores)."""
        cur = self.conn.execute(sql, params)
        columns = [d[0] for d in cur.description or ()]
        return [dict(zip(columns, row, strict=True)) for row in cur]

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first column of the first row, or None."""
        row = self.conn.execute(sql, params).fetchone()
        return row[0] if row else None

    # -- settings -----------------------------------------------------------------------

    def get_setting(self, key: str, default: str | None = None) -> str | None:
        """A project setting, or default."""
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
        return row[0] if row else default

    def set_setting(self, key: str, value: str) -> None:
        """Set a project setting."""
        self.conn.execute(
            "INSERT INTO settings(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, value],
        )

    def list_setting(self, key: str) -> list[str]:
        """A comma-separated setting as a list."""
        raw = self.get_setting(key, "") or ""
        return [s.strip() for s in raw.replace("\n", ",").split(",") if s.strip()]

    def default_coder(self) -> str:
        """The coder name: QUALCODE_CODER, the project setting, or the login name."""
        env = os.environ.get("QUALCODE_CODER")
        if env:
            return env
        stored = self.get_setting("coder")
        if stored:
            return stored
        try:
            return os.environ.get("USER") or getpass.getuser() or "coder"
        except OSError:  # no login name (some containers)
            return "coder"

    # -- whole-file operations ------------------------------------------------------------

    def integrity_problems(self) -> list[str]:
        """SQLite's integrity_check and foreign_key_check findings (empty when sound)."""
        out = [r[0] for r in self.conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
        for table, rowid, parent, _ in self.conn.execute("PRAGMA foreign_key_check"):
            out.append(f"{table} row {rowid} points at a missing {parent} row")
        return out

    def backup(self, target: Path) -> None:
        """Copy the project with SQLite's online backup API (others may be writing)."""
        tmp = target.with_name(f".{target.name}.qualcode-tmp-{os.getpid()}")
        try:
            dest = sqlite3.connect(str(tmp))
            try:
                self.conn.backup(dest)
                dest.execute("PRAGMA journal_mode = DELETE")
            finally:
                dest.close()
            os.replace(tmp, target)
        finally:
            if tmp.exists():
                tmp.unlink()


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _default_command() -> str:
    argv = sys.argv
    if argv and Path(argv[0]).name in ("qualcode", "__main__.py"):
        import shlex

        return shlex.join(["qualcode", *argv[1:]])
    return "python"


def find_project_db(start: Path | None = None) -> Path | None:
    """qualcode.db in start or the nearest parent directory, like git finds .git."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / DB_NAME
        if candidate.is_file():
            return candidate
    return None
