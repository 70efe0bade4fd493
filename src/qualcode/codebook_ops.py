"""The codebook in a project: loading (codes matched by name) and renaming codes."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import QualcodeError

if TYPE_CHECKING:
    from .codebook import Codebook
    from .store import Store


@dataclass(frozen=True)
class CodebookLoad:
    """What loading a codebook changed."""

    version: int
    added: list[str]
    updated: list[str]
    unchanged: list[str]
    retired: list[str]  # no longer in the codebook but kept because tags use them
    removed: list[str]  # no longer in the codebook and unused: deleted
    problems: list[str] = field(default_factory=list)  # what a .qdc reader noticed


def stored_codebook(store: Store) -> Codebook | None:
    """The last loaded codebook as parsed from its stored text."""
    from .codebook import parse_codebook

    row = store.codes.latest_version()
    if row is None:
        return None
    return parse_codebook(row["content"], row["source"] or "<stored codebook>")


def read_codebook(path: Path, *, unflatten: bool = False) -> tuple[Codebook, list[str]]:
    """A codebook file: YAML or JSON, or a REFI-QDA .qdc (with the problems its reader saw)."""
    from .codebook import read_codebook_file

    path = Path(path)
    if path.suffix.lower() in (".qdc", ".qdpx"):
        from .interop import read_qdc_codebook

        return read_qdc_codebook(path, unflatten=unflatten)
    return read_codebook_file(path), []


def load_codebook(store: Store, path: Path, *, unflatten: bool = False) -> CodebookLoad:
    """Load or update the codebook: codes are matched by name, so tags survive edits."""
    book, problems = read_codebook(Path(path), unflatten=unflatten)
    load = apply_codebook(store, book, str(Path(path).resolve()))
    return replace(load, problems=problems) if problems else load


def apply_codebook(store: Store, book: Codebook, source: str) -> CodebookLoad:
    """Store a parsed codebook's codes (matched by name) and record it as a new version."""
    before = {c.name: c for c in store.codes.all()}
    added, updated, unchanged = [], [], []
    with store.write():
        ids: dict[str, int] = {}
        for spec, parent, position in book.walk():
            old = before.get(spec.name)
            code_id = store.codes.upsert(
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
            new = (
                spec.label,
                spec.description,
                spec.color,
                parent,
                position,
                spec.keywords,
                spec.rules(),
                True,
            )
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
            ) != new:
                updated.append(spec.name)
            else:
                unchanged.append(spec.name)
        retired = store.codes.deactivate_except(set(ids.values()))
        removed = [n for n in before if n not in ids and n not in retired]
        version = store.codes.add_version(
            sha256=book.sha256,
            source=source,
            title=book.title,
            language=book.language,
            content=book.content,
        )
        if book.interviewers:
            labels = dict.fromkeys([*store.list_setting("interviewers"), *book.interviewers])
            store.set_setting("interviewers", ",".join(labels))
    return CodebookLoad(version, added, updated, unchanged, retired, removed)


def rename_code(store: Store, old: str, new: str) -> Path | None:
    """Rename a code; its tags and suggestions follow it. The codebook file it was loaded
    from is edited too (comments kept), so the next load keeps the link; returns that file."""
    from .codebook import parse_codebook, rename_code_in_file

    code = store.codes.get(old)
    if new in store.codes.ids():
        raise QualcodeError(f"a code named {new!r} exists already; choose another name")
    row = store.codes.latest_version()
    source = Path(row["source"]) if row and row["source"] else None
    with store.write():
        store.codes.rename(code.name, new)
        if row is not None:  # keep the stored codebook text in step with the codes
            content = parse_codebook(row["content"], str(source))
            if (
                source is not None
                and source.is_file()
                and rename_code_in_file(source, code.name, new)
            ):
                text = source.read_text("utf-8")
                store.codes.add_version(
                    sha256=parse_codebook(text, str(source)).sha256,
                    source=str(source),
                    title=content.title,
                    language=content.language,
                    content=text,
                )
                return source
    return None
