"""Project: the facade the CLI and notebooks use. It finds the database and delegates."""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import codebook as codebook_mod
from .errors import ProjectNotFound, QualcodeError, not_found
from .models import Code, Tag, Transcript, Turn
from .storage import DB_NAME, Store, find_project_db

Progress = Callable[[str], None]
CONFIG_KEYS = ("coder", "interviewers", "speakers")


@dataclass(frozen=True)
class CodebookLoad:
    """What loading a codebook changed."""

    version: int
    added: list[str]
    updated: list[str]
    unchanged: list[str]
    retired: list[str]  # no longer in the codebook but kept because tags use them
    removed: list[str]  # no longer in the codebook and unused: deleted


@dataclass(frozen=True)
class TranscriptView:
    """One transcript with its turns and tags, as `qualcode show` prints it."""

    transcript: Transcript
    header: str
    turns: list[Turn]
    tags: list[Tag]
    text: str = ""  # the full transcript text, so callers need not read it again


class Project:
    """An open qualcode project (one SQLite file)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.root = store.path.parent

    # -- opening ------------------------------------------------------------------------

    @classmethod
    def init(cls, folder: Path) -> Project:
        """Create folder/qualcode.db (the folder may exist); refuses to overwrite."""
        folder = Path(folder)
        db_path = folder / DB_NAME
        if db_path.exists():
            raise QualcodeError(f"{db_path} already exists; it is a qualcode project already")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise QualcodeError(f"cannot create {folder}: {exc.strerror}") from None
        return cls(Store(db_path, create=True))

    @classmethod
    def open(cls, path: Path | str | None = None) -> Project:
        """Open a project: path (a folder or a .db), $QUALCODE_PROJECT, or found upwards."""
        if path is None and os.environ.get("QUALCODE_PROJECT"):
            path = os.environ["QUALCODE_PROJECT"]
        if path is not None:
            p = Path(path)
            db = p / DB_NAME if p.is_dir() else p
            if not db.is_file():
                raise ProjectNotFound(
                    f"no qualcode project at {p}; create one with `qualcode init {p}`"
                )
            return cls(Store(db))
        found = find_project_db()
        if found is None:
            raise ProjectNotFound(
                "no qualcode project here (no qualcode.db in this folder or its parents); "
                "run `qualcode init FOLDER` or pass --project"
            )
        return cls(Store(found))

    def close(self) -> None:
        """Close the database."""
        self.store.close()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- settings -----------------------------------------------------------------------

    def default_coder(self) -> str:
        """The coder name: QUALCODE_CODER, the project setting, or the login name."""
        env = os.environ.get("QUALCODE_CODER")
        if env:
            return env
        stored = self.store.get_setting("coder")
        if stored:
            return stored
        try:
            return os.environ.get("USER") or getpass.getuser() or "coder"
        except OSError:  # no login name (some containers)
            return "coder"

    def interviewer_labels(self) -> list[str]:
        """Speaker labels treated as interviewers in this project (beside the defaults)."""
        return self._list_setting("interviewers")

    def speaker_labels(self) -> list[str]:
        """Extra speaker labels always recognised at import (e.g. first names)."""
        return self._list_setting("speakers")

    def set_interviewer_labels(self, labels: Sequence[str]) -> None:
        """Remember extra interviewer labels for later imports."""
        self.set_config("interviewers", ",".join(labels))

    def _list_setting(self, key: str) -> list[str]:
        raw = self.store.get_setting(key, "") or ""
        return [s.strip() for s in raw.replace("\n", ",").split(",") if s.strip()]

    def config(self) -> dict[str, str]:
        """Every project setting with its value ('' when unset)."""
        return {key: self.store.get_setting(key, "") or "" for key in CONFIG_KEYS}

    def set_config(self, key: str, value: str) -> None:
        """Set a project setting: coder, interviewers or speakers (comma-separated labels)."""
        if key not in CONFIG_KEYS:
            raise not_found("setting", key, CONFIG_KEYS)
        if key in ("interviewers", "speakers"):
            value = ",".join(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))
        with self.store.write():
            self.store.set_setting(key, value.strip())

    # -- codebook -----------------------------------------------------------------------

    def load_codebook(self, path: Path) -> CodebookLoad:
        """Load or update the codebook: codes are matched by name, so tags survive edits."""
        book = codebook_mod.read_codebook_file(Path(path))
        before = {c.name: c for c in self.store.codes()}
        added, updated, unchanged = [], [], []
        with self.store.write():
            ids: dict[str, int] = {}
            for spec, parent, position in book.walk():
                old = before.get(spec.name)
                code_id = self.store.upsert_code(
                    name=spec.name,
                    label=spec.label,
                    description=spec.description,
                    color=spec.color,
                    parent_id=ids[parent] if parent else None,
                    position=position,
                    keywords=spec.keywords,
                    rules=spec.rules(),
                )
                ids[spec.name] = code_id
                if old is None:
                    added.append(spec.name)
                elif (
                    old.label,
                    old.description,
                    old.color,
                    old.parent,
                    old.position,
                    old.keywords,
                    old.rules,
                    old.active,
                ) != (
                    spec.label,
                    spec.description,
                    spec.color,
                    parent,
                    position,
                    spec.keywords,
                    spec.rules(),
                    True,
                ):
                    updated.append(spec.name)
                else:
                    unchanged.append(spec.name)
            retired = self.store.deactivate_codes_except(set(ids.values()))
            removed = [n for n in before if n not in ids and n not in retired]
            version = self.store.add_codebook_version(
                sha256=book.sha256,
                source=str(Path(path).resolve()),
                title=book.title,
                language=book.language,
                content=book.content,
            )
            if book.interviewers:
                labels = dict.fromkeys([*self.interviewer_labels(), *book.interviewers])
                self.store.set_setting("interviewers", ",".join(labels))
        return CodebookLoad(version, added, updated, unchanged, retired, removed)

    def codebook(self) -> codebook_mod.Codebook | None:
        """The last loaded codebook as parsed from its stored text."""
        row = self.store.codebook_version()
        if row is None:
            return None
        return codebook_mod.parse_codebook(row["content"], row["source"] or "<stored codebook>")

    def codes(self, *, include_inactive: bool = False) -> list[Code]:
        """Codes in tree order."""
        return self.store.codes(include_inactive=include_inactive)

    def code(self, name: str) -> Code:
        """A code by name; NotFound names the closest one."""
        codes = self.store.codes()
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

    def rename_code(self, old: str, new: str) -> Path | None:
        """Rename a code; its tags and suggestions follow it. The codebook file it was loaded
        from is edited too (comments kept), so the next load keeps the link; returns that file."""
        code = self.code(old)
        if new in self.store.code_ids():
            raise QualcodeError(f"a code named {new!r} exists already; choose another name")
        row = self.store.codebook_version()
        source = Path(row["source"]) if row and row["source"] else None
        with self.store.write():
            self.store.rename_code(code.name, new)
            if row is not None:  # keep the stored codebook text in step with the codes
                content = codebook_mod.parse_codebook(row["content"], str(source))
                if (
                    source is not None
                    and source.is_file()
                    and codebook_mod.rename_code_in_file(source, code.name, new)
                ):
                    text = source.read_text("utf-8")
                    self.store.add_codebook_version(
                        sha256=codebook_mod.parse_codebook(text, str(source)).sha256,
                        source=str(source),
                        title=content.title,
                        language=content.language,
                        content=text,
                    )
                    return source
        return None

    def code_counts(self) -> dict[str, int]:
        """Number of tags per code name (own tags, not children's)."""
        rows = self.store.query(
            "SELECT c.name, count(g.id) AS n FROM codes c LEFT JOIN tags g ON g.code_id = c.id "
            "GROUP BY c.id"
        )
        return {r["name"]: r["n"] for r in rows}

    # -- transcripts --------------------------------------------------------------------

    def transcripts(self) -> list[Transcript]:
        """Every transcript with counts and attributes."""
        return self.store.transcripts()

    def transcript(self, name: str) -> Transcript:
        """A transcript by its name or file name; NotFound names the closest."""
        row = self.store.transcript_row(name)
        if row is None:
            raise not_found(
                "transcript",
                name,
                self.store.transcript_names(),
                hint="import transcripts with `qualcode import`",
            )
        return self.store.transcripts(row["id"])[0]

    def transcript_text(self, transcript: Transcript) -> str:
        """The full stored text of a transcript."""
        rows = self.store.query("SELECT text FROM transcripts WHERE id = ?", [transcript.id])
        return str(rows[0]["text"])

    def show(self, name: str) -> TranscriptView:
        """A transcript's header, numbered turns and tags."""
        t = self.transcript(name)
        row = self.store.query("SELECT text, header_end FROM transcripts WHERE id = ?", [t.id])[0]
        text = row["text"]
        return TranscriptView(
            transcript=t,
            header=text[: row["header_end"]].strip(),
            turns=self.store.turns(t.id, text),
            tags=self.store.tags(transcript_id=t.id),
            text=text,
        )

    def import_paths(self, paths: Sequence[Path], **options: Any) -> Any:
        """Import transcript files or folders; see importing.import_paths."""
        from .importing import import_paths

        return import_paths(self, paths, **options)

    def load_attributes(self, csv_path: Path) -> Any:
        """Load respondent attributes from a CSV; see importing.load_attributes."""
        from .importing import load_attributes

        return load_attributes(self, csv_path)

    # -- tagging ------------------------------------------------------------------------

    def tag(self, transcript: str, codes: Sequence[str], **options: Any) -> Any:
        """Tag turns or a span with codes; see tagging.tag."""
        from .tagging import tag

        return tag(self, transcript, codes, **options)

    def untag(self, transcript: str, codes: Sequence[str], **options: Any) -> Any:
        """Remove tags; see tagging.untag."""
        from .tagging import untag

        return untag(self, transcript, codes, **options)

    def tags(self, *, transcript: str | None = None, code: str | None = None) -> list[Tag]:
        """Tags, optionally of one transcript and/or one code (with its children)."""
        tid = self.transcript(transcript).id if transcript else None
        ids = None
        if code:
            ids = [c.id for c in self.descendants(self.code(code))]
        return self.store.tags(transcript_id=tid, code_ids=ids)

    def descendants(self, code: Code) -> list[Code]:
        """A code and every code below it."""
        codes = self.store.codes()
        out, frontier = [code], {code.name}
        while frontier:
            nxt = [c for c in codes if c.parent in frontier]
            out.extend(nxt)
            frontier = {c.name for c in nxt}
        return out

    # -- reports ------------------------------------------------------------------------

    def report(self, **options: Any) -> Any:
        """Theme frequencies; see reports.frequencies."""
        from .reports import frequencies

        return frequencies(self, **options)

    # -- reports and exports (issue 5) --------------------------------------------------

    def matrix(self, **options: Any) -> Any:
        """Framework matrix codes x groups; see reports.matrix."""
        from .reports import matrix

        return matrix(self, **options)

    def cooccurrence(self, **options: Any) -> Any:
        """Code x code co-occurrence; see reports.cooccurrence."""
        from .reports import cooccurrence

        return cooccurrence(self, **options)

    def quotes(self, codes: Sequence[str] | None = None, **options: Any) -> Any:
        """Quotes by code; see reports_quotes.quotes."""
        from .reports_quotes import quotes

        return quotes(self, codes, **options)

    def ratings(self, columns: Sequence[str] = (), **options: Any) -> Any:
        """Rating distributions; see ratings.ratings."""
        from .ratings import ratings

        return ratings(self, columns, **options)

    def load_ratings(self, path: Path, **options: Any) -> Any:
        """Store a survey CSV as respondent attributes; see ratings.load_survey."""
        from .ratings import load_survey

        return load_survey(self, path, **options)

    def pseudonyms(self) -> Any:
        """The pseudonym table; see anonymize.list_pseudonyms."""
        from .anonymize import list_pseudonyms

        return list_pseudonyms(self)

    def add_pseudonym(self, name: str, pseudonym: str) -> Any:
        """Add or change a pseudonym; see anonymize.add_pseudonym."""
        from .anonymize import add_pseudonym

        return add_pseudonym(self, name, pseudonym)

    def remove_pseudonym(self, name: str) -> bool:
        """Remove a pseudonym; see anonymize.remove_pseudonym."""
        from .anonymize import remove_pseudonym

        return remove_pseudonym(self, name)

    def load_pseudonyms(self, path: Path) -> Any:
        """Load name,pseudonym pairs from a CSV; see anonymize.load_pseudonyms."""
        from .anonymize import load_pseudonyms

        return load_pseudonyms(self, path)

    def anonymize_text(self, text: str) -> str:
        """Text with the pseudonym table applied; see anonymize.Anonymizer."""
        from .anonymize import anonymizer

        return anonymizer(self).text(text)

    def export_report(self, path: Path, **options: Any) -> Any:
        """Export the full report (format from the extension); see exports.api.export_report."""
        from .exports.api import export_report

        return export_report(self, path, **options)

    def export_quotes(self, path: Path, codes: Sequence[str], **options: Any) -> Any:
        """Export quotes of codes; see exports.api.export_quotes."""
        from .exports.api import export_quotes

        return export_quotes(self, path, codes, **options)

    def export_all(self, folder: Path, **options: Any) -> Any:
        """The full report in every format into a folder; see exports.api.export_all."""
        from .exports.api import export_all

        return export_all(self, folder, **options)

    def chart(self, path: Path, **options: Any) -> Any:
        """A bar chart PNG/SVG of code frequencies; see exports.api.write_chart."""
        from .exports.api import write_chart

        return write_chart(self, path, **options)

    # -- suggestions (issue 4) ----------------------------------------------------------

    def suggest(self, **options: Any) -> Any:
        """Run keyword rules and store suggestions; see suggest.suggest."""
        from .suggest import suggest

        return suggest(self, **options)

    def suggestions(self, **options: Any) -> Any:
        """Stored suggestions (pending by default); see suggest.list_suggestions."""
        from .suggest import list_suggestions

        return list_suggestions(self, **options)

    def suggestion(self, suggestion_id: int) -> Any:
        """One suggestion by id; see suggest.get_suggestion."""
        from .suggest import get_suggestion

        return get_suggestion(self, suggestion_id)

    def review_queue(self, **options: Any) -> Any:
        """Pending then skipped suggestions; see suggest.review_queue."""
        from .suggest import review_queue

        return review_queue(self, **options)

    def decide(self, suggestion_id: int, action: str, **options: Any) -> Any:
        """Accept, reject or skip a suggestion; see suggest.decide."""
        from .suggest import decide

        return decide(self, suggestion_id, action, **options)

    def decide_all(self, action: str, **options: Any) -> Any:
        """Accept or reject pending suggestions in bulk; see suggest.decide_all."""
        from .suggest import decide_all

        return decide_all(self, action, **options)

    def undo_decision(self, suggestion_id: int | None = None, **options: Any) -> Any:
        """Undo a review decision (default: the latest); see suggest.undo."""
        from .suggest import undo

        return undo(self, suggestion_id, **options)

    def keyness(self, code: str | None = None, **options: Any) -> Any:
        """Distinctive keys of a code's turns or of attribute groups; see discovery.keyness."""
        from .discovery import keyness

        return keyness(self, code, **options)

    def add_keywords(self, code: str, words: Sequence[str]) -> Any:
        """Add keywords to a code in the codebook file and reload it; see discovery."""
        from .discovery import add_keywords

        return add_keywords(self, code, words)

    def similar(self, **options: Any) -> Any:
        """Turns most like a turn or a code's turns; see discovery.similar."""
        from .discovery import similar

        return similar(self, **options)

    def explain_keys(self, words: Sequence[str], **options: Any) -> Any:
        """Each word's lemma and matching key; see discovery.explain_keys."""
        from .discovery import explain_keys

        return explain_keys(words, project=self, **options)
