"""Importing transcript files and respondent attributes into a project."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ImportFailed, QualcodeError
from .importers import SUPPORTED_EXTENSIONS, SpeakerRules, decode_text, read_transcript
from .importers.common import normalise_newlines
from .language import guess_language
from .models import ParsedTranscript

if TYPE_CHECKING:
    from .project import Project

ID_COLUMNS = ("respondent_id", "respondent", "id")
FILE_COLUMNS = ("file", "filename", "file_name", "transcript")
# Files in a transcripts folder that are clearly not transcripts: skipped without a word.
_NOT_TRANSCRIPTS = {".csv", ".yaml", ".yml", ".json", ".tsv", ".xlsx", ".db", ".py"}


@dataclass(frozen=True)
class AttributeRow:
    """One respondent row of an attributes CSV."""

    respondent: str
    file: str | None
    attributes: dict[str, str]
    line: int


@dataclass(frozen=True)
class ImportOutcome:
    """What happened to one file."""

    file: str
    status: str  # imported | replaced | unchanged | failed | skipped
    name: str | None = None
    turns: int = 0
    format: str | None = None
    encoding: str | None = None
    language: str | None = None
    message: str = ""


@dataclass(frozen=True)
class ImportReport:
    """Outcomes of one import run, in file order."""

    outcomes: list[ImportOutcome] = field(default_factory=list)
    all_or_nothing: bool = False

    @property
    def failed(self) -> list[ImportOutcome]:
        """Files that could not be imported."""
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def imported(self) -> list[ImportOutcome]:
        """Files imported or replaced now."""
        return [o for o in self.outcomes if o.status in ("imported", "replaced")]


MAX_ATTRIBUTES_BYTES = 50_000_000  # an attributes table is a few kB; refuse runaway files
MAX_ATTRIBUTE_FIELD = 1_000_000  # characters in one cell (csv's own default is 131,072)


def read_attributes_csv(path: Path) -> list[AttributeRow]:
    """Parse an attributes CSV (any encoding, comma/semicolon/tab) into rows."""
    try:
        size = path.stat().st_size
        if size > MAX_ATTRIBUTES_BYTES:
            raise QualcodeError(
                f"{path}: {size:,} bytes is too large for an attributes table "
                f"(limit {MAX_ATTRIBUTES_BYTES:,}); check that it is the right file"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise QualcodeError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        text, _ = decode_text(data)
    except ImportFailed as exc:
        raise QualcodeError(f"{path}: {exc.reason}") from None
    # Like transcripts: a stray carriage return is a line break, not an error in the csv module.
    text = normalise_newlines(text)
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
            text[:4096], delimiters=",;\t"
        )
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    old_limit = csv.field_size_limit(MAX_ATTRIBUTE_FIELD)
    try:
        return _attribute_rows(path, reader)
    except csv.Error as exc:
        why = str(exc)
        if "field larger than field limit" in why:
            why = f"a cell longer than {MAX_ATTRIBUTE_FIELD:,} characters"
        raise QualcodeError(
            f"{path}:{reader.reader.line_num}: cannot read the CSV ({why}); check the quotes "
            "around that line, or save it again from the spreadsheet as CSV"
        ) from None
    finally:
        csv.field_size_limit(old_limit)


def _attribute_rows(path: Path, reader: csv.DictReader[str]) -> list[AttributeRow]:
    header = [h.strip() for h in (reader.fieldnames or [])]
    lowered = {h.lower(): h for h in header}
    id_col = next((lowered[c] for c in ID_COLUMNS if c in lowered), None)
    if id_col is None:
        raise QualcodeError(
            f"{path}: no respondent id column; name one of the columns "
            f"{', '.join(ID_COLUMNS)} (found: {', '.join(header) or 'nothing'})"
        )
    file_col = next((lowered[c] for c in FILE_COLUMNS if c in lowered), None)
    rows: list[AttributeRow] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        rid = row.get(id_col, "")
        if not rid:
            if any(row.values()):
                raise QualcodeError(f"{path}:{i}: the row has no {id_col}; fill it in")
            continue
        if rid in seen and not file_col:
            raise QualcodeError(f"{path}:{i}: respondent {rid!r} appears again (line {seen[rid]})")
        seen.setdefault(rid, i)
        attrs = {k: v for k, v in row.items() if k not in (id_col, file_col) and k and v != ""}
        rows.append(AttributeRow(rid, row.get(file_col) if file_col else None, attrs, i))
    return rows


def load_attributes(project: Project, csv_path: Path) -> int:
    """Set respondents' attributes from a CSV; returns the number of respondents."""
    rows = read_attributes_csv(csv_path)
    with project.store.write():
        for row in rows:
            project.store.upsert_respondent(row.respondent, row.attributes)
    return len({r.respondent for r in rows})


def collect_files(paths: Iterable[Path]) -> tuple[list[Path], list[ImportOutcome]]:
    """Expand folders into transcript files (sorted); report what was skipped or missing."""
    files: list[Path] = []
    skipped: list[ImportOutcome] = []
    for p in paths:
        if p.is_dir():
            for child in sorted(p.rglob("*")):
                hidden = any(part.startswith(".") for part in child.relative_to(p).parts)
                if hidden or not child.is_file():
                    continue
                ext = child.suffix.lower()
                if ext in SUPPORTED_EXTENSIONS:
                    files.append(child)
                elif ext not in _NOT_TRANSCRIPTS and not child.name.startswith("~$"):
                    skipped.append(
                        ImportOutcome(
                            str(child),
                            "skipped",
                            message=f"unknown extension {ext or '(none)'}; qualcode reads "
                            + ", ".join(SUPPORTED_EXTENSIONS),
                        )
                    )
        elif p.is_file():
            files.append(p)
        else:
            skipped.append(ImportOutcome(str(p), "failed", message="no such file or folder"))
    return files, skipped


def import_paths(
    project: Project,
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
    """Import files/folders. Good files are imported in one transaction, bad ones reported;
    with all_or_nothing, one bad file means nothing is written."""
    table = read_attributes_csv(attributes) if attributes else []
    by_file = {r.file: r for r in table if r.file}
    by_stem = {Path(r.file).stem: r for r in table if r.file}
    by_id = {r.respondent: r for r in table}
    labels = [*project.interviewer_labels(), *interviewers]
    rules = SpeakerRules()
    rules = SpeakerRules(
        interviewers=rules.interviewers | frozenset(labels),
        labels=frozenset([*project.speaker_labels(), *speakers]),
    )
    book = project.codebook()
    default_lang = book.language if book else None

    files, outcomes = collect_files(paths)
    parsed: list[tuple[Path, ParsedTranscript]] = []
    for path in files:
        if progress:
            progress(path.name)
        try:
            parsed.append((path, read_transcript(path, encoding=encoding, rules=rules)))
        except ImportFailed as exc:
            outcomes.append(ImportOutcome(str(path), "failed", message=exc.reason))
    failed = [o for o in outcomes if o.status == "failed"]
    if all_or_nothing and failed:
        return ImportReport(outcomes, all_or_nothing=True)

    store = project.store
    with store.write():
        for entry in table:  # survey-only rows count as respondents with attributes too
            store.upsert_respondent(entry.respondent, entry.attributes)
        for path, pt in parsed:
            row = by_file.get(path.name) or by_stem.get(path.stem) or by_id.get(path.stem)
            respondent = row.respondent if row else path.stem
            name = respondent
            existing_same = store.transcript_by_sha(pt.sha256)
            if existing_same:
                outcomes.append(
                    ImportOutcome(
                        str(path),
                        "unchanged",
                        existing_same["name"],
                        message="already imported (same bytes)",
                    )
                )
                continue
            old = store.transcript_row(name)
            if old is not None and old["file_name"] != pt.file_name and not replace:
                name = f"{respondent}-{path.stem}" if respondent != path.stem else name
                old = store.transcript_row(name)
            status = "imported"
            if old is not None:
                if not replace:
                    outcomes.append(
                        ImportOutcome(
                            str(path),
                            "failed",
                            name,
                            message=f"a different transcript named {name!r} exists (from "
                            f"{old['file_name']}); pass --replace to replace it (tags are moved "
                            "to the new text where their passage is found)",
                        )
                    )
                    continue
                status = "replaced"
            merged = {**(row.attributes if row else {}), **(attrs or {})}
            store.upsert_respondent(respondent, merged)
            lang = (
                language
                or merged.get("language")
                or merged.get("lang")
                or guess_language(pt.text, default_lang)
                or default_lang
            )
            moved = ""
            if old is not None:
                from .tagging import reanchor_tags

                kept, lost = reanchor_tags(store, old, pt)
                if lost and not force:
                    outcomes.append(
                        ImportOutcome(
                            str(path),
                            "failed",
                            name,
                            message=f"{len(lost)} tags of {name} would be lost (their text is "
                            "not in the new file); nothing changed. Pass --force to replace anyway",
                        )
                    )
                    continue
                store.delete_transcript(old["id"])
            tid = store.insert_transcript(
                pt,
                name=name,
                respondent_id=respondent,
                language=lang,
                source_path=str(path.resolve()),
            )
            if old is not None:
                from .tagging import restore_tags

                restore_tags(store, tid, kept)
                moved = f"; {len(kept)} tags kept" + (f", {len(lost)} lost" if lost else "")
            outcomes.append(
                ImportOutcome(
                    str(path),
                    status,
                    name,
                    len(pt.turns),
                    pt.format,
                    pt.encoding,
                    lang,
                    message="; ".join(pt.warnings) + moved,
                )
            )
    return ImportReport(outcomes, all_or_nothing=all_or_nothing)
