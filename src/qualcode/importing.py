"""Importing transcript files and respondent attributes into a project."""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from .codebook_ops import stored_codebook
from .errors import ImportFailed, QualcodeError
from .importers import SUPPORTED_EXTENSIONS, SpeakerRules, decode_text, read_transcript
from .importers.common import normalise_newlines
from .language import guess_language
from .models import ParsedTranscript, Transcript

if TYPE_CHECKING:
    from .importers.preview import FilePreview
    from .store import Store

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
    speakers: tuple[tuple[str, int, str], ...] = ()  # (label, turns, role)
    proposed_interviewer: str | None = None


@dataclass(frozen=True)
class ImportReport:
    """Outcomes of one import run, in file order."""

    outcomes: list[ImportOutcome] = field(default_factory=list)
    all_or_nothing: bool = False
    warnings: list[str] = field(default_factory=list)

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


# -- attributes ------------------------------------------------------------------------------


def _link_errors(rows: Sequence[AttributeRow], known_files: Sequence[str], source: Path) -> None:
    """A row whose file matches no transcript (here or being imported) is an error."""
    from .errors import closest

    stems = {Path(f).stem for f in known_files}
    for row in rows:
        if row.file and row.file not in known_files and Path(row.file).stem not in stems:
            guess = closest(row.file, known_files)
            hint = f"; did you mean {guess!r}?" if guess else ""
            raise QualcodeError(
                f"{source}:{row.line}: no transcript file named {row.file!r}{hint} "
                "Fix the file column; nothing was changed"
            )


def value_warnings(store: Store) -> list[str]:
    """Attribute values that differ only by case or spacing ('Liepāja' / 'liepāja ')."""
    seen: dict[tuple[str, str], set[str]] = {}
    for _, key, value in store.respondents.all_values():
        seen.setdefault((key, " ".join(value.split()).casefold()), set()).add(value)
    return [
        f"attribute {key!r} has values that differ only by case or spacing: "
        + " / ".join(repr(v) for v in sorted(values))
        + "; they count as different groups. Fix them with `qualcode respondents set`"
        for (key, _), values in sorted(seen.items())
        if len(values) > 1
    ]


@dataclass(frozen=True)
class AttributesLoad:
    """What loading an attributes CSV did."""

    respondents: int
    relinked: list[str]
    warnings: list[str]


def load_attributes(store: Store, csv_path: Path) -> AttributesLoad:
    """Set respondents' attributes from a CSV and link transcripts named in its file column."""
    rows = read_attributes_csv(csv_path)
    files: dict[str, Transcript] = {t.file_name: t for t in store.transcripts.all()}
    _link_errors(rows, list(files), csv_path)
    stems: dict[str, Transcript] = {Path(f).stem: t for f, t in files.items()}
    relinked = []
    with store.write():
        for row in rows:
            store.respondents.upsert(row.respondent, row.attributes)
            t: Transcript | None = files.get(row.file or "") or stems.get(Path(row.file or "").stem)
            if row.file and t is not None and t.respondent != row.respondent:
                store.transcripts.relink(t.id, row.respondent)
                relinked.append(f"{t.name} -> {row.respondent}")
    return AttributesLoad(len({r.respondent for r in rows}), relinked, value_warnings(store))


# -- import: plan, then apply ------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedFile:
    """What will happen to one file: import, replace, unchanged, failed or skipped."""

    path: Path
    action: str
    parsed: ParsedTranscript | None = None
    name: str | None = None
    respondent: str | None = None
    target_id: int | None = None  # the transcript a replace overwrites
    language: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    message: str = ""

    def outcome(self, status: str | None = None, message: str | None = None) -> ImportOutcome:
        """This file's line in the import report."""
        pt = self.parsed
        speakers: tuple[tuple[str, int, str], ...] = ()
        if pt is not None:
            roles = {t.speaker: t.role for t in pt.turns}
            counts: dict[str, int] = {}
            for t in pt.turns:
                counts[t.speaker] = counts.get(t.speaker, 0) + 1
            speakers = tuple((s, n, roles[s]) for s, n in counts.items())
        return ImportOutcome(
            str(self.path),
            status or self.action,
            self.name,
            len(pt.turns) if pt else 0,
            pt.format if pt else None,
            pt.encoding if pt else None,
            self.language,
            self.message if message is None else message,
            speakers,
            pt.proposed_interviewer if pt else None,
        )


@dataclass(frozen=True)
class ImportPlan:
    """Every file's planned action and the attribute rows to store; nothing written yet."""

    files: list[PlannedFile]
    attribute_rows: list[AttributeRow]
    all_or_nothing: bool = False

    @property
    def failed(self) -> list[PlannedFile]:
        """Files that cannot be imported (unreadable, or a conflict)."""
        return [f for f in self.files if f.action == "failed"]


_IMPORTED = {"import": "imported", "replace": "replaced"}


def plan_import(
    store: Store,
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
    """Read and parse every file and decide what happens to it; writes nothing.

    A changed file is matched by file name to the transcript it came from, and keeps that
    transcript's name and respondent. Name conflicts (with stored transcripts or within
    this batch) are failures unless replace is given.
    """
    table = read_attributes_csv(attributes) if attributes else []
    by_file = {r.file: r for r in table if r.file}
    by_stem = {Path(r.file).stem: r for r in table if r.file}
    by_id = {r.respondent: r for r in table}
    rules = SpeakerRules()
    rules = SpeakerRules(
        interviewers=rules.interviewers
        | frozenset([*store.list_setting("interviewers"), *interviewers]),
        labels=frozenset([*store.list_setting("speakers"), *speakers]),
    )
    book = stored_codebook(store)
    default_lang = book.language if book else None

    files, skipped = collect_files(paths)
    if attributes:
        known = [t.file_name for t in store.transcripts.all()] + [f.name for f in files]
        _link_errors(table, known, attributes)
    planned = [PlannedFile(Path(o.file), o.status, message=o.message) for o in skipped]
    taken: dict[str, Path] = {}
    for path in files:
        if progress:
            progress(path.name)
        try:
            pt = read_transcript(path, encoding=encoding, rules=rules)
        except ImportFailed as exc:
            planned.append(PlannedFile(path, "failed", message=exc.reason))
            continue
        planned.append(_plan_one(store, path, pt, by_file, by_stem, by_id, attrs, replace, taken))
        entry = planned[-1]
        if entry.action in _IMPORTED:
            lang = (
                language
                or entry.attributes.get("language")
                or entry.attributes.get("lang")
                or pt.declared_language
                or guess_language(pt.text, default_lang)
                or default_lang
            )
            planned[-1] = dataclasses.replace(entry, language=lang)
    return ImportPlan(planned, table, all_or_nothing)


def _plan_one(
    store: Store,
    path: Path,
    pt: ParsedTranscript,
    by_file: dict[str, AttributeRow],
    by_stem: dict[str, AttributeRow],
    by_id: dict[str, AttributeRow],
    attrs: dict[str, str] | None,
    replace: bool,
    taken: dict[str, Path],
) -> PlannedFile:
    row = by_file.get(path.name) or by_stem.get(path.stem) or by_id.get(path.stem)
    merged = {**(row.attributes if row else {}), **(attrs or {})}
    same = store.transcripts.by_sha(pt.sha256)
    if same:
        return PlannedFile(
            path, "unchanged", pt, same["name"], message="already imported (same bytes)"
        )
    earlier = store.transcripts.by_file_name(pt.file_name)
    if len(earlier) == 1:  # the same file, changed: it keeps its name and respondent
        old = earlier[0]
        respondent = row.respondent if row else (old["respondent_id"] or old["name"])
        if not replace:
            return PlannedFile(
                path,
                "failed",
                pt,
                old["name"],
                message=f"{path.name} changed since it was imported as {old['name']}; pass "
                "--replace to update it (tags move with their text)",
            )
        return _claim(
            taken,
            path,
            PlannedFile(path, "replace", pt, old["name"], respondent, old["id"], attributes=merged),
        )
    respondent = row.respondent if row else path.stem
    name = respondent
    old_row = store.transcripts.find_row(name)
    if old_row is not None and old_row["name"] == name and not replace:
        # Another file already holds this respondent's name: keep both, named apart.
        name = f"{respondent}-{path.stem}" if respondent != path.stem else name
        old_row = store.transcripts.find_row(name)
    if old_row is not None and old_row["name"] == name:
        if not replace:
            return PlannedFile(
                path,
                "failed",
                pt,
                name,
                message=f"a different transcript named {name!r} exists (from "
                f"{old_row['file_name']}); pass --replace to replace it (tags are moved to "
                "the new text where their passage is found)",
            )
        return _claim(
            taken,
            path,
            PlannedFile(path, "replace", pt, name, respondent, old_row["id"], attributes=merged),
        )
    return _claim(taken, path, PlannedFile(path, "import", pt, name, respondent, attributes=merged))


def _claim(taken: dict[str, Path], path: Path, entry: PlannedFile) -> PlannedFile:
    assert entry.name is not None
    if entry.name in taken:
        return dataclasses.replace(
            entry,
            action="failed",
            message=f"{taken[entry.name].name} in this import also becomes {entry.name!r}; "
            "give them different names in the attributes CSV",
        )
    taken[entry.name] = path
    return entry


def apply_import(store: Store, plan: ImportPlan, *, force: bool = False) -> ImportReport:
    """Write a plan in one transaction. With all_or_nothing, any failure writes nothing."""
    if plan.all_or_nothing and plan.failed:
        return ImportReport(
            [
                f.outcome("not imported", "not imported: another file failed")
                if f.action in _IMPORTED
                else f.outcome()
                for f in plan.files
            ],
            all_or_nothing=True,
        )
    outcomes: list[ImportOutcome] = []
    with store.write():
        for entry in plan.attribute_rows:  # survey-only rows are respondents with attributes
            store.respondents.upsert(entry.respondent, entry.attributes)
        for f in plan.files:
            if f.action not in _IMPORTED:
                outcomes.append(f.outcome())
                continue
            assert f.parsed is not None and f.name is not None and f.respondent is not None
            store.respondents.upsert(f.respondent, f.attributes)
            if f.action == "import":
                store.transcripts.insert(
                    f.parsed,
                    name=f.name,
                    respondent_id=f.respondent,
                    language=f.language,
                    source_path=str(f.path.resolve()),
                )
                outcomes.append(f.outcome("imported", "; ".join(f.parsed.warnings)))
                continue
            assert f.target_id is not None
            try:
                with store.savepoint():
                    result = replace_transcript(
                        store,
                        f.target_id,
                        f.parsed,
                        language=f.language,
                        source_path=str(f.path.resolve()),
                    )
                    if result.detached and not force:
                        raise _WouldDetach(len(result.detached))
            except _WouldDetach as exc:
                outcomes.append(
                    f.outcome(
                        "failed",
                        f"{exc.n} tags of {f.name} would be lost from their text (their passage "
                        "is not in the new file); nothing changed. Pass --force to replace anyway: "
                        "they are kept as detached tags, listed by `qualcode check`",
                    )
                )
                continue
            if f.respondent:
                store.transcripts.relink(f.target_id, f.respondent)
            outcomes.append(
                f.outcome("replaced", "; ".join([*f.parsed.warnings, result.summary()]))
            )
    return ImportReport(
        outcomes, all_or_nothing=plan.all_or_nothing, warnings=value_warnings(store)
    )


def import_paths(
    store: Store,
    paths: Sequence[Path],
    *,
    force: bool = False,
    **options: Any,
) -> ImportReport:
    """Plan, then apply (see plan_import for the options)."""
    return apply_import(store, plan_import(store, paths, **options), force=force)


class _WouldDetach(Exception):
    def __init__(self, n: int) -> None:
        self.n = n


# -- replacing a transcript's text -----------------------------------------------------------


@dataclass(frozen=True)
class Replaced:
    """Where a replaced transcript's tags went."""

    exact: int
    moved: int
    detached: list[str]

    def summary(self) -> str:
        """'14 tags kept (2 re-placed), 1 detached'."""
        kept = self.exact + self.moved
        out = f"{kept} tags kept" + (f" ({self.moved} re-placed)" if self.moved else "")
        return out + (f", {len(self.detached)} detached" if self.detached else "")


def replace_transcript(
    store: Store,
    transcript_id: int,
    parsed: ParsedTranscript,
    *,
    language: str | None,
    source_path: str | None,
) -> Replaced:
    """New text and turns for a transcript; every tag and decision re-placed (or detached)."""
    from .anchoring import Anchor, reanchor

    old_text = store.transcripts.text(transcript_id)
    old_turns = store.transcripts.turns(transcript_id, old_text)
    tags = store.tags.anchors(transcript_id)
    decided = store.suggestions.decided_anchors(transcript_id)
    store.suggestions.drop_pending(transcript_id)
    store.transcripts.replace_content(
        transcript_id, parsed, language=language, source_path=source_path
    )
    new_turns = store.transcripts.turns(transcript_id, parsed.text)
    anchors = [
        Anchor(
            ("tag", r["id"]),
            r["start"],
            r["end"],
            r["text"],
            bool(r["whole_turn"]),
            r["turn_number"],
        )
        for r in tags
        if r["status"] == "placed"
    ] + [
        Anchor(
            ("suggestion", r["id"]),
            r["start"],
            r["end"],
            r["text"],
            bool(r["whole_turn"]),
            r["turn_number"],
        )
        for r in decided
    ]
    placements = reanchor(old_text, parsed.text, old_turns, new_turns, anchors)
    exact = moved = 0
    detached: list[str] = []
    for p in placements:
        kind, key = cast(tuple[str, int], p.key)
        turn = next(
            (
                u
                for u in new_turns
                if p.start is not None and u.start <= p.start < max(u.end, u.start + 1)
            ),
            None,
        )
        if kind == "suggestion":
            # A decision whose passage is gone stays where it was, unlinked from any turn.
            if p.start is not None and p.end is not None:
                store.suggestions.move(
                    key, start=p.start, end=p.end, turn_id=turn.id if turn else None
                )
            continue
        if p.start is None or p.end is None:
            store.tags.place(key, start=0, end=0, text="", turn_id=None, status="detached")
            detached.append(str(key))
            continue
        ok = store.tags.place(
            key,
            start=p.start,
            end=p.end,
            text=parsed.text[p.start : p.end],
            turn_id=turn.id if turn else None,
        )
        if not ok:
            detached.append(str(key))
        elif p.status == "exact":
            exact += 1
        else:
            moved += 1
    return Replaced(exact, moved, detached)


def resplit_transcript(
    store: Store,
    name: str,
    *,
    interviewers: Sequence[str] = (),
    speakers: Sequence[str] = (),
) -> Replaced:
    """Split a stored transcript into turns again with other speaker settings.

    The original file is read again when it is still where it was imported from and has
    the same bytes; otherwise the stored text is split (Word formatting such as bold labels
    is then not available). Tags and decisions move with their text.
    """
    import hashlib

    from .importers import parse_bytes

    t = store.transcripts.get(name)
    src = store.transcripts.source(t.id)
    rules = SpeakerRules()
    rules = SpeakerRules(
        interviewers=rules.interviewers
        | frozenset([*store.list_setting("interviewers"), *interviewers]),
        labels=frozenset([*store.list_setting("speakers"), *speakers]),
    )
    path = Path(src["source_path"]) if src["source_path"] else None
    data = None
    if path is not None and path.is_file():
        raw = path.read_bytes()
        if hashlib.sha256(raw).hexdigest() == src["sha256"]:
            data = raw
    if data is not None:
        parsed = parse_bytes(data, src["file_name"], encoding=src["encoding"], rules=rules)
    else:
        text = store.transcripts.text(t.id)
        parsed = parse_bytes(text.encode("utf-8"), "stored.txt", encoding="utf-8", rules=rules)
        parsed = dataclasses.replace(
            parsed,
            file_name=src["file_name"],
            format=src["format"],
            encoding=src["encoding"],
            sha256=src["sha256"],
        )
    with store.write():
        return replace_transcript(
            store, t.id, parsed, language=src["language"], source_path=src["source_path"]
        )


def preview_paths(
    paths: Sequence[Path],
    *,
    encoding: str | None = None,
    language: str | None = None,
    interviewers: Sequence[str] = (),
    speakers: Sequence[str] = (),
) -> list[FilePreview]:
    """Preview every transcript file among paths (folders expanded); nothing is written.

    A file that cannot be read is raised as ImportFailed naming it.
    """
    from .importers.preview import preview_file

    files, skipped = collect_files(paths)
    missing = [o for o in skipped if o.status == "failed"]
    if missing:
        raise ImportFailed(missing[0].file, missing[0].message)
    return [
        preview_file(
            f,
            encoding=encoding,
            language=language,
            interviewers=tuple(interviewers),
            speakers=tuple(speakers),
        )
        for f in files
    ]
