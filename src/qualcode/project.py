"""Project: the typed composition root the CLI and notebooks use.

It opens the store and hands it to the feature modules; no SQL and no logic of its own.
Feature modules are imported inside the methods, so `qualcode report` never loads spaCy.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from .codebook_ops import CodebookLoad
from .errors import ProjectNotFound, QualcodeError, not_found
from .models import (
    Code,
    LogEntry,
    Respondent,
    Tag,
    Transcript,
    TranscriptView,
)
from .project_analysis import AnalysisMixin
from .project_team import TeamMixin
from .store import DB_NAME, Store, find_project_db

if TYPE_CHECKING:
    from .anonymize import Pseudonym
    from .codebook import Codebook
    from .history import CheckReport, UndoResult
    from .importers.preview import FilePreview
    from .importing import AttributesLoad, ImportPlan, ImportReport, Replaced
    from .interop import RefiExport, RefiImport
    from .managing import TranscriptRemoved
    from .ratings import RatingsReport, SurveyLoad
    from .reports import CooccurReport, FrequencyReport, MatrixReport
    from .reports_quotes import QuoteReport
    from .tagging import TagChange, TagImport

T = TypeVar("T")
CONFIG_KEYS = ("coder", "interviewers", "speakers")
__all__ = ["CodebookLoad", "Project", "TranscriptView"]


class Project(AnalysisMixin, TeamMixin):
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
        return self.store.default_coder()

    def interviewer_labels(self) -> list[str]:
        """Speaker labels treated as interviewers in this project (beside the defaults)."""
        return self.store.list_setting("interviewers")

    def speaker_labels(self) -> list[str]:
        """Extra speaker labels always recognised at import (e.g. first names)."""
        return self.store.list_setting("speakers")

    def set_interviewer_labels(self, labels: Sequence[str]) -> None:
        """Remember extra interviewer labels for later imports."""
        self.set_config("interviewers", ",".join(labels))

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

    def load_codebook(self, path: Path, *, unflatten: bool = False) -> CodebookLoad:
        """Load or update the codebook (YAML, JSON or REFI-QDA .qdc); codes match by name."""
        from .codebook_ops import load_codebook

        return load_codebook(self.store, path, unflatten=unflatten)

    def codebook(self) -> Codebook | None:
        """The last loaded codebook as parsed from its stored text."""
        from .codebook_ops import stored_codebook

        return stored_codebook(self.store)

    def codes(self, *, include_inactive: bool = False) -> list[Code]:
        """Codes in tree order."""
        return self.store.codes.all(include_inactive=include_inactive)

    def code(self, name: str) -> Code:
        """A code by name; NotFound names the closest one."""
        return self.store.codes.get(name)

    def rename_code(self, old: str, new: str) -> Path | None:
        """Rename a code (and in its codebook file); returns the file edited."""
        from .codebook_ops import rename_code

        return rename_code(self.store, old, new)

    def code_counts(self) -> dict[str, int]:
        """Number of tags per code name (own tags, not children's)."""
        return self.store.codes.tag_counts()

    def descendants(self, code: Code) -> list[Code]:
        """A code and every code below it."""
        return self.store.codes.descendants(code)

    # -- transcripts and respondents ------------------------------------------------------

    def transcripts(self) -> list[Transcript]:
        """Every transcript with counts and attributes."""
        return self.store.transcripts.all()

    def transcript(self, name: str) -> Transcript:
        """A transcript by its name or file name; NotFound names the closest."""
        return self.store.transcripts.get(name)

    def transcript_text(self, transcript: Transcript) -> str:
        """The full stored text of a transcript."""
        return self.store.transcripts.text(transcript.id)

    def show(self, name: str) -> TranscriptView:
        """A transcript's header, numbered turns and tags."""
        return self.store.transcripts.view(name)

    def plan_import(
        self,
        paths: Sequence[Path],
        *,
        attributes: Path | None = None,
        attrs: dict[str, str] | None = None,
        encoding: str | None = None,
        language: str | None = None,
        interviewers: Sequence[str] = (),
        speakers: Sequence[str] = (),
        replace: bool = False,
        all_or_nothing: bool = False,
        progress: Callable[[str], None] | None = None,
    ) -> ImportPlan:
        """What importing these files would do (nothing written)."""
        from .importing import plan_import

        return plan_import(
            self.store,
            paths,
            attributes=attributes,
            attrs=attrs,
            encoding=encoding,
            language=language,
            interviewers=interviewers,
            speakers=speakers,
            replace=replace,
            all_or_nothing=all_or_nothing,
            progress=progress,
        )

    def apply_import(self, plan: ImportPlan, *, force: bool = False) -> ImportReport:
        """Write an import plan in one transaction."""
        from .importing import apply_import

        return apply_import(self.store, plan, force=force)

    def import_paths(
        self,
        paths: Sequence[Path],
        *,
        attributes: Path | None = None,
        attrs: dict[str, str] | None = None,
        encoding: str | None = None,
        language: str | None = None,
        interviewers: Sequence[str] = (),
        speakers: Sequence[str] = (),
        replace: bool = False,
        force: bool = False,
        all_or_nothing: bool = False,
        progress: Callable[[str], None] | None = None,
    ) -> ImportReport:
        """Import transcript files or folders: plan, then apply."""
        plan = self.plan_import(
            paths,
            attributes=attributes,
            attrs=attrs,
            encoding=encoding,
            language=language,
            interviewers=interviewers,
            speakers=speakers,
            replace=replace,
            all_or_nothing=all_or_nothing,
            progress=progress,
        )
        return self.apply_import(plan, force=force)

    def resplit(
        self, name: str, *, interviewers: Sequence[str] = (), speakers: Sequence[str] = ()
    ) -> Replaced:
        """Split a stored transcript into turns again (tags move with their text)."""
        from .importing import resplit_transcript

        return resplit_transcript(self.store, name, interviewers=interviewers, speakers=speakers)

    def preview(
        self,
        paths: Sequence[Path],
        *,
        encoding: str | None = None,
        language: str | None = None,
        interviewers: Sequence[str] = (),
        speakers: Sequence[str] = (),
    ) -> list[FilePreview]:
        """What import would make of each file (encoding, speakers, roles, first turns)."""
        from .importing import preview_paths

        return preview_paths(
            paths,
            encoding=encoding,
            language=language,
            interviewers=[*self.interviewer_labels(), *interviewers],
            speakers=[*self.speaker_labels(), *speakers],
        )

    def load_attributes(self, csv_path: Path) -> AttributesLoad:
        """Load respondent attributes (and transcript links) from a CSV."""
        from .importing import load_attributes

        return load_attributes(self.store, csv_path)

    def remove_transcript(self, name: str) -> TranscriptRemoved:
        """Remove a transcript with its tags (recorded; `undo` brings them back)."""
        from .managing import remove_transcript

        return remove_transcript(self.store, name)

    def rename_transcript(self, name: str, new: str) -> Transcript:
        """Rename a transcript."""
        from .managing import rename_transcript

        return rename_transcript(self.store, name, new)

    def relink_transcript(self, name: str, respondent: str) -> Transcript:
        """Link a transcript to another respondent (made if new)."""
        from .managing import relink_transcript

        return relink_transcript(self.store, name, respondent)

    def attribute_keys(self) -> list[str]:
        """Every attribute name in the project."""
        return self.store.respondents.keys()

    def respondents(self) -> list[Respondent]:
        """Every respondent with attributes and transcripts."""
        return self.store.respondents.all()

    def set_attributes(self, respondent: str, values: dict[str, str]) -> Respondent:
        """Set attributes of a respondent."""
        from .managing import set_attributes

        return set_attributes(self.store, respondent, values)

    def unset_attributes(self, respondent: str, keys: Sequence[str]) -> Respondent:
        """Remove attributes of a respondent."""
        from .managing import unset_attributes

        return unset_attributes(self.store, respondent, keys)

    def rename_respondent(self, old: str, new: str) -> Respondent:
        """Give a respondent a new id; attributes and transcripts follow."""
        from .managing import rename_respondent

        return rename_respondent(self.store, old, new)

    # -- tagging ------------------------------------------------------------------------

    def tag(
        self,
        transcript: str,
        codes: Sequence[str],
        *,
        turns: str | None = None,
        span: str | None = None,
        coder: str | None = None,
        memo: str | None = None,
        across_turns: bool = False,
        text: str | None = None,
    ) -> list[TagChange]:
        """Tag turns ('12-15'), a span ('1040:1112') or the quoted `text` with codes."""
        from .tagging import tag

        return tag(
            self.store,
            transcript,
            codes,
            turns=turns,
            span=span,
            coder=coder,
            memo=memo,
            across_turns=across_turns,
            quote=text,
        )

    def untag(
        self,
        transcript: str,
        codes: Sequence[str],
        *,
        turns: str | None = None,
        span: str | None = None,
        coder: str | None = None,
        all_coders: bool = False,
        inside: bool = False,
    ) -> list[TagChange]:
        """Remove tags of codes from turns or a span."""
        from .tagging import untag

        return untag(
            self.store,
            transcript,
            codes,
            turns=turns,
            span=span,
            coder=coder,
            all_coders=all_coders,
            inside=inside,
        )

    def import_tags(self, path: Path, *, coder: str | None = None) -> TagImport:
        """Import tags from a CSV (transcript, turn, code[, coder])."""
        from .tagging import import_tags_csv

        return import_tags_csv(self.store, path, coder=coder)

    def tags(
        self, *, transcript: str | None = None, code: str | None = None, coder: str | None = None
    ) -> list[Tag]:
        """Tags, optionally of one transcript, one code (with its children), one coder."""
        tid = self.store.transcripts.get(transcript).id if transcript else None
        ids = None
        if code:
            ids = [c.id for c in self.store.codes.descendants(self.store.codes.get(code))]
        return self.store.tags.all(transcript_id=tid, code_ids=ids, coder=coder)

    # -- REFI-QDA exchange ------------------------------------------------------------------

    @classmethod
    def init_from_refi(
        cls,
        folder: Path,
        path: Path,
        *,
        unflatten: bool = False,
        coder: str | None = None,
        interviewers: Sequence[str] = (),
    ) -> tuple[Project, RefiImport]:
        """A new project in folder filled from a REFI-QDA .qdpx (nothing made if it fails)."""
        from .interop import import_project, read_project_file

        refi = read_project_file(path, unflatten=unflatten)  # a bad file leaves no folder
        folder = Path(folder)
        made_folder = not folder.exists()
        project = cls.init(folder)
        try:
            result = import_project(
                project.store,
                refi,
                source=str(Path(path).resolve()),
                coder=coder,
                interviewers=interviewers,
            )
        except BaseException:
            project.close()
            for leftover in folder.glob(f"{DB_NAME}*"):
                leftover.unlink()
            if made_folder and not any(folder.iterdir()):
                folder.rmdir()
            raise
        return project, result

    def export_refi_project(self, path: Path, *, force: bool = False) -> RefiExport:
        """Write the project as a REFI-QDA .qdpx (stable GUIDs: same project, same bytes)."""
        from .interop import export_project

        return export_project(self.store, path, force=force)

    def export_refi_codebook(self, path: Path, *, force: bool = False) -> RefiExport:
        """Write the codebook as a REFI-QDA .qdc."""
        from .interop import export_codebook

        return export_codebook(self.store, path, force=force)

    # -- history ------------------------------------------------------------------------

    def log(
        self, *, transcript: str | None = None, code: str | None = None, limit: int | None = 50
    ) -> list[LogEntry]:
        """Recorded commands, newest first, optionally touching a transcript or code."""
        from .history import log

        return log(self.store, transcript=transcript, code=code, limit=limit)

    def undo(self, n: int = 1, *, coder: str | None = None) -> UndoResult:
        """Revert the current coder's last n commands (itself recorded)."""
        from .history import undo

        return undo(self.store, n, coder=coder)

    def check(self) -> CheckReport:
        """Integrity, links, tags whose text no longer matches, detached tags, duplicates."""
        from .history import check

        return check(self.store)

    def backup(self, target: Path | None = None) -> Path:
        """Copy the project with SQLite's backup API (safe while others write)."""
        from .history import backup

        return backup(self.store, target)

    # -- reports ------------------------------------------------------------------------

    def report(
        self,
        *,
        by: Sequence[str] = (),
        sort: str = "tree",
        codes: Sequence[str] | None = None,
        unit: str = "respondent",
        min_count: int = 0,
        coder: str | None = None,
        final: bool = False,
    ) -> FrequencyReport:
        """Theme frequencies overall and per group (all tags, one coder's, or the final coding)."""
        from .reports import frequencies
        from .teamwork import TagView

        return frequencies(
            self.store,
            by=by,
            sort=sort,
            codes=codes,
            unit=unit,
            min_count=min_count,
            view=TagView(coder, final),
        )

    def matrix(
        self,
        *,
        codes: Sequence[str] | None = None,
        by: Sequence[str] = (),
        quotes: int = 2,
        width: int = 100,
        coder: str | None = None,
        final: bool = False,
    ) -> MatrixReport:
        """Framework matrix codes x groups (all tags, one coder's, or the final coding)."""
        from .reports import matrix
        from .teamwork import TagView

        return matrix(
            self.store,
            codes=codes,
            by=by,
            quotes=quotes,
            width=width,
            view=TagView(coder, final),
        )

    def cooccurrence(self, *, codes: Sequence[str] | None = None) -> CooccurReport:
        """Code x code co-occurrence."""
        from .reports import cooccurrence

        return cooccurrence(self.store, codes=codes)

    def quotes(
        self,
        codes: Sequence[str] | None = None,
        *,
        by: Sequence[str] = (),
        limit: int | None = None,
        skip_empty: bool = False,
        attributes: Sequence[str] | None = None,
        coder: str | None = None,
        final: bool = False,
    ) -> list[QuoteReport]:
        """Quotes by code (all tags, one coder's, or the final coding)."""
        from .reports_quotes import quotes
        from .teamwork import TagView

        return quotes(
            self.store,
            codes,
            by=by,
            limit=limit,
            skip_empty=skip_empty,
            attributes=attributes,
            view=TagView(coder, final),
        )

    def ratings(
        self,
        columns: Sequence[str] = (),
        *,
        by: Sequence[str] = (),
        scale: tuple[int, int] | None = None,
        bands: Sequence[tuple[int, int]] = (),
    ) -> RatingsReport:
        """Rating distributions."""
        from .ratings import ratings

        return ratings(self.store, columns, by=by, scale=scale, bands=bands)

    def load_ratings(self, path: Path, *, scale: tuple[int, int] | None = None) -> SurveyLoad:
        """Store a survey CSV as respondent attributes."""
        from .ratings import load_survey

        return load_survey(self.store, path, scale=scale)

    # -- pseudonyms -----------------------------------------------------------------------

    def pseudonyms(self) -> list[Pseudonym]:
        """The pseudonym table."""
        from .anonymize import list_pseudonyms

        return list_pseudonyms(self.store)

    def add_pseudonym(self, name: str, pseudonym: str) -> Pseudonym:
        """Add or change a pseudonym."""
        from .anonymize import add_pseudonym

        return add_pseudonym(self.store, name, pseudonym)

    def remove_pseudonym(self, name: str) -> bool:
        """Remove a pseudonym."""
        from .anonymize import remove_pseudonym

        return remove_pseudonym(self.store, name)

    def load_pseudonyms(self, path: Path) -> list[Pseudonym]:
        """Load name,pseudonym pairs from a CSV."""
        from .anonymize import load_pseudonyms

        return load_pseudonyms(self.store, path)

    def anonymize(self, value: T) -> T:
        """Any report rows (dataclasses, lists, strings) with the pseudonym table applied."""
        from .anonymize import anonymizer

        return anonymizer(self.store).apply(value)

    def anonymize_text(self, text: str) -> str:
        """Text with the pseudonym table applied."""
        from .anonymize import anonymizer

        return anonymizer(self.store).text(text)
