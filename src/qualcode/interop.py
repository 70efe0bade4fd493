"""REFI-QDA exchange for a stored project: export (.qdpx, .qdc) and import (.qdpx).

The pure format layer lives in `qualcode.refi`; this module gathers the project's records
from the store for it, and writes what it reads back through the store in one transaction.
"""

from __future__ import annotations

import json
import re
import uuid
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import QualcodeError

if TYPE_CHECKING:
    from .codebook import Codebook, CodeSpec
    from .models import Turn
    from .refi import RefiProject
    from .store import Store

PROJECT_KEY = "project_uuid"  # settings key: the stable identity every exported GUID hangs on
IMPORT_FORMAT = "txt"  # stored format of a transcript read from a REFI-QDA text source
_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")  # what codebook files accept


@dataclass(frozen=True)
class RefiExport:
    """What an export wrote."""

    path: Path
    size: int
    codes: int
    sources: int = 0
    selections: int = 0
    codings: int = 0
    cases: int = 0
    notes: int = 0
    left_out: tuple[str, ...] = ()  # what could not travel (e.g. detached tags)


@dataclass(frozen=True)
class RefiImport:
    """What an import read and stored, and everything it could not take as it was."""

    origin: str | None
    codes: int
    transcripts: int
    tags: int
    respondents: int
    attributes: int
    memos: int
    selections_read: int
    codings_read: int
    position_unit: str
    problems: tuple[str, ...] = ()  # from the reader: unplaceable selections, schema errors
    skipped: tuple[str, ...] = ()  # sources and notes qualcode does not keep
    warnings: tuple[str, ...] = field(default=())  # kept, but not quite as given


# -- export ------------------------------------------------------------------------------


def project_key(store: Store) -> str:
    """The project's stable identity (a UUID kept in settings, made on first use)."""
    key = store.get_setting(PROJECT_KEY)
    if key:
        return key
    if store.read_only:
        # Cannot remember a new key: derive one from the file's place, stable for this copy.
        return str(uuid.uuid5(uuid.NAMESPACE_URL, store.path.resolve().as_uri()))
    key = str(uuid.uuid4())
    with store.write(record=False):
        store.set_setting(PROJECT_KEY, key)
    return key


def refi_project(store: Store, *, name: str | None = None) -> tuple[RefiProject, list[str]]:
    """The store's project as a RefiProject, with notes on what could not be included."""
    from . import __version__
    from .refi.mapping import project_from_qualcode

    transcripts = store.transcripts.all()
    texts = {r["name"]: str(r["text"]) for r in store.transcripts.texts()}
    tags = store.tags.all(include_detached=True)
    placed = [t for t in tags if t.status == "placed"]
    left_out = []
    if len(placed) < len(tags):
        left_out.append(
            f"{len(tags) - len(placed)} detached tags (their text is gone from an edited "
            "transcript; see `qualcode check`)"
        )
    attributes = {r.id: dict(r.attributes) for r in store.respondents.all()}
    project = project_from_qualcode(
        name or store.path.resolve().parent.name,
        project_key(store),
        transcripts,
        texts,
        store.codes.all(include_inactive=True),
        placed,
        attributes,
        origin=f"qualcode {__version__}",
    )
    return project, left_out


def _refuse_overwrite(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise QualcodeError(f"{path} exists already; pass --force to overwrite it")
    if not path.parent.is_dir():
        raise QualcodeError(f"folder {path.parent} does not exist; create it first")


def export_project(store: Store, path: Path, *, force: bool = False) -> RefiExport:
    """Write the whole project as a REFI-QDA .qdpx (same project, same bytes)."""
    from .refi import count_selections, walk_codes, write_qdpx

    path = Path(path)
    _refuse_overwrite(path, force)
    project, left_out = refi_project(store)
    write_qdpx(project, path)
    selections, codings = count_selections(project)
    return RefiExport(
        path,
        path.stat().st_size,
        sum(1 for _ in walk_codes(project.codes)),
        len(project.sources),
        selections,
        codings,
        len(project.cases),
        len(project.notes),
        tuple(left_out),
    )


def export_codebook(store: Store, path: Path, *, force: bool = False) -> RefiExport:
    """Write the codebook as a REFI-QDA .qdc (hierarchy, descriptions, colours, keywords)."""
    from . import __version__
    from .refi import RefiCodebook, walk_codes, write_qdc
    from .refi.mapping import project_from_qualcode

    path = Path(path)
    _refuse_overwrite(path, force)
    codes = store.codes.all(include_inactive=True)
    if not codes:
        raise QualcodeError("the project has no codes; load a codebook first")
    project = project_from_qualcode("", project_key(store), [], {}, codes, [], {})
    write_qdc(RefiCodebook(project.codes, f"qualcode {__version__}"), path)
    return RefiExport(path, path.stat().st_size, sum(1 for _ in walk_codes(project.codes)))


# -- codebooks from .qdc -------------------------------------------------------------------


def _spec_json(spec: CodeSpec) -> dict[str, Any]:
    out: dict[str, Any] = {"name": spec.name}
    for key in ("label", "description", "color"):
        value = getattr(spec, key)
        if value:
            out[key] = value
    if spec.keywords:
        out["keywords"] = list(spec.keywords)
    if spec.children:
        out["children"] = [_spec_json(c) for c in spec.children]
    return out


def codebook_from_specs(specs: Sequence[CodeSpec], title: str | None, source: str) -> Codebook:
    """A Codebook whose stored text (JSON) parses back to these codes, like a YAML file's."""
    from .codebook import parse_codebook

    def clean(spec: CodeSpec) -> CodeSpec:
        from dataclasses import replace

        color = spec.color if spec.color and _COLOR.match(spec.color) else None
        return replace(spec, color=color, children=tuple(clean(c) for c in spec.children))

    data: dict[str, Any] = {"codes": [_spec_json(clean(s)) for s in specs]}
    if title:
        data = {"title": title, **data}
    content = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    # parse as JSON so errors and the stored version read like any JSON codebook
    return parse_codebook(content, source if source.endswith(".json") else source + ".json")


def read_qdc_codebook(path: Path, *, unflatten: bool = False) -> tuple[Codebook, list[str]]:
    """The codes of a .qdc (or a .qdpx's codebook) as a Codebook, with the reader's problems."""
    from .refi import RefiProject, read_qdc
    from .refi.mapping import qualcode_from_project

    book = read_qdc(path, unflatten_codes=unflatten)
    if not book.codes:
        raise QualcodeError(f"{path} has no codes; check it is a REFI-QDA codebook")
    problems = list(book.problems)
    if book.hierarchy_separator and not unflatten:
        problems.append(
            f"code names look nested with {book.hierarchy_separator!r}; "
            "load with --unflatten to make them a hierarchy"
        )
    specs = qualcode_from_project(RefiProject(name="", codes=book.codes)).codes
    return codebook_from_specs(specs, Path(path).stem, str(path)), problems


# -- import --------------------------------------------------------------------------------


def read_project_file(path: Path, *, unflatten: bool = False) -> RefiProject:
    """Read a .qdpx (checked for hostile content before anything is extracted)."""
    from .refi import read_qdpx

    path = Path(path)
    if not path.is_file():
        raise QualcodeError(f"{path}: no such file; give the .qdpx project to import")
    return read_qdpx(path, unflatten_codes=unflatten)


class _Newlines:
    """Maps offsets in a text with CRLF/CR to offsets in the same text with LF only."""

    def __init__(self, text: str) -> None:
        self.removed = [i for i in range(len(text) - 1) if text[i] == "\r" and text[i + 1] == "\n"]
        self.text = text.replace("\r\n", "\n").replace("\r", "\n")

    def __call__(self, index: int) -> int:
        # every removed \r before index shortens the text by one
        return index - bisect_left(self.removed, index)


def _parsed(name: str, text: str, rules: Any) -> Any:
    """A ParsedTranscript of a REFI text source, split into turns like an imported .txt."""
    from .importers.common import build
    from .importers.speakers import split_turns

    data = text.encode("utf-8")
    file_name = name if Path(name).suffix.lower() == ".txt" else f"{name}.txt"
    return build(data, file_name, IMPORT_FORMAT, "utf-8", text, split_turns(text, rules))


def _turn_for(turns: Sequence[Turn], start: int, end: int) -> tuple[Turn | None, bool]:
    """The turn holding a passage's start (or the first it overlaps), and whether it crosses."""
    touched = [u for u in turns if u.start < end and start < max(u.end, u.start + 1)]
    turn = next((u for u in turns if u.start <= start < max(u.end, u.start + 1)), None)
    if turn is None and touched:
        turn = touched[0]
    return turn, len(touched) > 1


def import_project(
    store: Store,
    project: RefiProject,
    *,
    source: str,
    coder: str | None = None,
    interviewers: Sequence[str] = (),
    progress: Callable[[str], None] | None = None,
) -> RefiImport:
    """Store a read RefiProject in an empty project, in one transaction.

    interviewers: speaker labels that mark the interviewer's turns (beside the defaults).
    """
    from .codebook_ops import apply_codebook
    from .importers.speakers import SpeakerRules
    from .refi import count_selections
    from .refi.mapping import qualcode_from_project

    if store.transcripts.count() or store.codes.all():
        raise QualcodeError(
            f"{store.path} already has transcripts or codes; import a REFI-QDA project into "
            "a new one with `qualcode import-project FILE --into NEW_FOLDER`"
        )
    imported = qualcode_from_project(project, default_coder=coder or store.default_coder())
    warnings = list(imported.warnings)
    skipped = [f"{s.kind} {s.name!r}: {s.reason}" for s in project.skipped]
    if imported.memos:
        skipped.append(
            f"{len(imported.memos)} project notes (qualcode keeps memos on tags only): "
            + ", ".join(repr(m.title) for m in imported.memos[:5])
            + (" ..." if len(imported.memos) > 5 else "")
        )
    if project.hierarchy_separator:
        warnings.append(
            f"code names look nested with {project.hierarchy_separator!r}; import with "
            "--unflatten to make them a hierarchy"
        )
    rules = SpeakerRules(
        interviewers=SpeakerRules().interviewers
        | frozenset([*store.list_setting("interviewers"), *interviewers]),
        labels=frozenset(store.list_setting("speakers")),
    )
    maps = {name: _Newlines(text) for name, text in imported.transcripts.items()}
    tags_stored = 0
    with store.write(coder=coder):
        if interviewers:  # remembered, as `qualcode import --interviewer` does
            labels = dict.fromkeys([*store.list_setting("interviewers"), *interviewers])
            store.set_setting("interviewers", ",".join(labels))
        if imported.codes:
            book = codebook_from_specs(imported.codes, project.name or Path(source).stem, source)
            apply_codebook(store, book, source)
        for rid in sorted(set(imported.attributes) | set(imported.respondents.values())):
            store.respondents.upsert(rid, imported.attributes.get(rid, {}))
        ids: dict[str, int] = {}
        for name, nl in maps.items():
            if progress:
                progress(name)
            parsed = _parsed(name, nl.text, rules)
            ids[name] = store.transcripts.insert(
                parsed,
                name=name,
                respondent_id=imported.respondents.get(name),
                language=None,
                source_path=source,
            )
            if parsed.proposed_interviewer:
                warnings.append(
                    f"{name}: no interviewer label known; {parsed.proposed_interviewer!r} asks "
                    "most questions (every speaker counts as a respondent): import again with "
                    f"--interviewer {parsed.proposed_interviewer!r} if they are the interviewer"
                )
        code_ids = store.codes.ids()
        turns = {name: store.transcripts.turns(tid) for name, tid in ids.items()}
        for tag in imported.tags:
            nl = maps[tag.transcript]
            start, end = nl(tag.start), nl(tag.end)
            if start >= end:  # a selection of a lone \r\n
                warnings.append(
                    f"{tag.transcript}: a selection {tag.start}:{tag.end} holds no text"
                )
                continue
            turn, crosses = _turn_for(turns[tag.transcript], start, end)
            if crosses:
                warnings.append(
                    f"{tag.transcript}: {tag.code} at {start}:{end} crosses turns; kept as a span"
                )
            new = store.tags.insert(
                transcript_id=ids[tag.transcript],
                turn_id=turn.id if turn else None,
                code_id=code_ids[tag.code],
                start=start,
                end=end,
                text=nl.text[start:end],
                coder=tag.coder,
                origin="imported",
                memo=tag.memo,
                created_at=tag.created_at,
                full_text=nl.text,
            )
            if new is None:
                warnings.append(
                    f"{tag.transcript}: {tag.code} at {start}:{end} by {tag.coder} appears twice; "
                    "kept once"
                )
            else:
                tags_stored += 1
    selections, codings = count_selections(project)
    return RefiImport(
        origin=project.origin,
        codes=len(store.codes.ids()),
        transcripts=len(ids),
        tags=tags_stored,
        respondents=len(store.respondents.ids()),
        attributes=sum(len(a) for a in imported.attributes.values()),
        memos=sum(1 for t in imported.tags if t.memo),
        selections_read=selections,
        codings_read=codings,
        position_unit=project.position_unit,
        problems=tuple(project.problems),
        skipped=tuple(skipped),
        warnings=tuple(warnings),
    )
