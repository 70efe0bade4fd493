"""Writing REFI-QDA projects (.qdpx) and codebooks (.qdc) that validate against the XSDs.

Output is deterministic: elements in model order, no clock times, fixed ZIP timestamps, so
exporting the same project twice gives byte-identical files. Files are written atomically.
"""

from __future__ import annotations

import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import QualcodeError
from .model import (
    VARIABLE_TYPES,
    RefiCode,
    RefiCodebook,
    RefiNote,
    RefiProject,
    RefiSet,
    VariableValue,
    walk_codes,
)
from .xmlutil import CODEBOOK_NS, PROJECT_NS

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed, so the archive bytes do not depend on the clock
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SCHEMA_LOCATION = "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation"


def write_qdpx(project: RefiProject, path: str | Path) -> None:
    """Write the project as a .qdpx: project.qde plus one UTF-8 text file per source."""
    qde, texts = project_document(project)
    path = Path(path)

    def fill(handle: Any) -> None:
        with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
            _add(archive, "project.qde", qde)
            for name, data in texts:
                _add(archive, f"sources/{name}", data)

    _atomic(path, fill)


def write_qdc(
    codes: RefiCodebook | Sequence[RefiCode], path: str | Path, origin: str = "qualcode"
) -> None:
    """Write a codebook (.qdc) with its code sets."""
    book = codes if isinstance(codes, RefiCodebook) else RefiCodebook(tuple(codes), origin)
    data = codebook_document(book)
    _atomic(Path(path), lambda handle: handle.write(data))


def _add(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, _ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


def _atomic(path: Path, fill: Callable[[Any], Any]) -> None:
    """Write through a temporary file in the same folder, then rename over path."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    except OSError as exc:
        raise QualcodeError(
            f"{path}: cannot write here ({exc.strerror}); choose another folder"
        ) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            fill(handle)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _clean(text: str) -> str:
    """Text XML 1.0 can carry (control characters other than tab/newline are dropped)."""
    return _XML_BAD.sub("", text)


def _sub(parent: Any, tag: str, **attrs: str | None) -> Any:
    from lxml import etree

    element = etree.SubElement(parent, tag)
    for key, value in attrs.items():
        if value is not None:
            element.set(key, _clean(value))
    return element


def _datetime(value: str | None) -> str | None:
    """value as xsd:dateTime, or None when it is not a date and time."""
    if not value or not _DATETIME.match(value.strip()):
        return None
    return value.strip().replace(" ", "T", 1)


def _text_el(parent: Any, tag: str, text: str | None) -> None:
    if text is not None:
        _sub(parent, tag).text = _clean(text)


def _code_el(
    parent: Any, code: RefiCode, note_refs: dict[str, list[str]], with_notes: bool
) -> None:
    el = _sub(
        parent,
        "Code",
        guid=code.guid,
        name=code.name,
        isCodable="true" if code.is_codable else "false",
    )
    if code.color:
        el.set("color", code.color)
    _text_el(el, "Description", code.description)
    if with_notes:
        _note_refs(el, code.guid, note_refs)
    for child in code.children:
        _code_el(el, child, note_refs, with_notes)


def _note_refs(el: Any, owner: str, note_refs: dict[str, list[str]]) -> None:
    for note_guid in note_refs.pop(owner, []):
        _sub(el, "NoteRef", targetGUID=note_guid)


def _value_el(parent: Any, variable_guid: str, value: VariableValue) -> None:
    vv = _sub(parent, "VariableValue")
    _sub(vv, "VariableRef", targetGUID=variable_guid)
    if isinstance(value, bool):
        _sub(vv, "BooleanValue").text = "true" if value else "false"
    elif isinstance(value, int):
        _sub(vv, "IntegerValue").text = str(value)
    elif isinstance(value, float):
        # xsd:decimal has no exponent: 1e-05 must be written 0.00001
        _sub(vv, "FloatValue").text = format(Decimal(repr(value)), "f")
    else:
        _sub(vv, "TextValue").text = _clean(value)


def _set_el(parent: Any, s: RefiSet, member_attr: str, with_sources: bool) -> None:
    el = _sub(parent, "Set", guid=s.guid, name=s.name)
    _text_el(el, "Description", s.description)
    for code_guid in s.code_guids:
        _sub(el, "MemberCode", **{member_attr: code_guid})
    if with_sources:
        for source_guid in s.source_guids:
            _sub(el, "MemberSource", targetGUID=source_guid)


def _serialize(root: Any) -> bytes:
    from lxml import etree

    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return data


def codebook_document(book: RefiCodebook) -> bytes:
    """The .qdc XML for a codebook."""
    from lxml import etree

    if not book.codes:
        raise QualcodeError("the codebook has no codes; a REFI-QDA codebook needs at least one")
    root = etree.Element(f"{{{CODEBOOK_NS}}}CodeBook", nsmap={None: CODEBOOK_NS})
    if book.origin:
        root.set("origin", _clean(book.origin))
    _in_namespace(root, CODEBOOK_NS, lambda r: _codebook_body(r, book))
    return _serialize(root)


def _codebook_body(root: Any, book: RefiCodebook) -> None:
    codes_el = _sub(root, "Codes")
    for code in book.codes:
        _code_el(codes_el, code, {}, with_notes=False)
    if book.sets:
        sets_el = _sub(root, "Sets")
        for s in book.sets:
            _set_el(sets_el, s, "guid", with_sources=False)


def _in_namespace(root: Any, ns: str, build: Callable[[Any], None]) -> None:
    """Build children with plain names, then put every one in the namespace."""
    build(root)
    for element in root.iter():
        if not element.tag.startswith("{"):
            element.tag = f"{{{ns}}}{element.tag}"


def project_document(project: RefiProject) -> tuple[bytes, list[tuple[str, bytes]]]:
    """The project.qde XML and the (file name, UTF-8 bytes) of each source's text."""
    from lxml import etree

    _check(project)
    root = etree.Element(f"{{{PROJECT_NS}}}Project", nsmap={None: PROJECT_NS})
    root.set("name", _clean(project.name or "qualcode project"))
    if project.origin:
        root.set("origin", _clean(project.origin))
    if project.created_by:
        root.set("creatingUserGUID", project.created_by)
    created = _datetime(project.created)
    if created:
        root.set("creationDateTime", created)
    texts: list[tuple[str, bytes]] = []
    _in_namespace(root, PROJECT_NS, lambda r: _project_body(r, project, texts))
    return _serialize(root), texts


def _project_body(root: Any, project: RefiProject, texts: list[tuple[str, bytes]]) -> None:
    note_refs: dict[str, list[str]] = {}
    project_notes: list[str] = []
    for note in project.notes:
        if not note.targets:
            project_notes.append(note.guid)
        for target in note.targets:
            note_refs.setdefault(target, []).append(note.guid)
    if project.users:
        users = _sub(root, "Users")
        for user in project.users:
            _sub(users, "User", guid=user.guid, name=user.name, id=user.id)
    if project.codes:
        codes_el = _sub(_sub(root, "CodeBook"), "Codes")
        for code in project.codes:
            _code_el(codes_el, code, note_refs, with_notes=True)
    var_guid = {v.name: v.guid for v in project.variables}
    if project.variables:
        vars_el = _sub(root, "Variables")
        for v in project.variables:
            el = _sub(vars_el, "Variable", guid=v.guid, name=v.name, typeOfVariable=v.type)
            _text_el(el, "Description", v.description)
    if project.cases:
        cases_el = _sub(root, "Cases")
        for case in project.cases:
            el = _sub(cases_el, "Case", guid=case.guid, name=case.name)
            _text_el(el, "Description", case.description)
            for name, value in case.variables.items():
                _value_el(el, var_guid[name], value)
            for source_guid in case.source_guids:
                _sub(el, "SourceRef", targetGUID=source_guid)
    if project.sources:
        sources_el = _sub(root, "Sources")
        for src in project.sources:
            file_name = f"{src.guid}.txt"
            texts.append((file_name, src.text.encode("utf-8")))
            el = _sub(
                sources_el,
                "TextSource",
                guid=src.guid,
                name=src.name,
                plainTextPath=f"internal://{file_name}",
                creatingUser=src.user_guid,
                creationDateTime=_datetime(src.created),
            )
            _text_el(el, "Description", src.description)
            for sel in src.selections:
                sel_el = _sub(
                    el,
                    "PlainTextSelection",
                    guid=sel.guid,
                    name=sel.name,
                    startPosition=str(sel.start),
                    endPosition=str(sel.end),
                    creatingUser=sel.user_guid,
                )
                _text_el(sel_el, "Description", sel.description)
                for coding in sel.codings:
                    c_el = _sub(
                        sel_el,
                        "Coding",
                        guid=coding.guid,
                        creatingUser=coding.user_guid,
                        creationDateTime=_datetime(coding.created),
                    )
                    _sub(c_el, "CodeRef", targetGUID=coding.code_guid)
                    _note_refs(c_el, coding.guid, note_refs)
                _note_refs(sel_el, sel.guid, note_refs)
            _note_refs(el, src.guid, note_refs)
            for name, value in src.variables.items():
                _value_el(el, var_guid[name], value)
    if project.notes:
        notes_el = _sub(root, "Notes")
        for note in project.notes:
            _note_el(notes_el, note)
    if project.sets:
        sets_el = _sub(root, "Sets")
        for s in project.sets:
            _set_el(sets_el, s, "targetGUID", with_sources=True)
    _text_el(root, "Description", project.description)
    for note_guid in project_notes:
        _sub(root, "NoteRef", targetGUID=note_guid)
    if note_refs:
        raise QualcodeError(
            f"a note is attached to {sorted(note_refs)[0]}, which is not a code, source, "
            "selection or coding; attach it to one of those or to the project"
        )


def _note_el(parent: Any, note: RefiNote) -> None:
    el = _sub(
        parent,
        "Note",
        guid=note.guid,
        name=note.name,
        creatingUser=note.user_guid,
        creationDateTime=_datetime(note.created),
    )
    _text_el(el, "PlainTextContent", note.text)


def _check(project: RefiProject) -> None:
    """Refuse a model the schema or the reader could not take back."""
    variables = {v.name for v in project.variables}
    for v in project.variables:
        if v.type not in VARIABLE_TYPES:
            raise QualcodeError(
                f"variable {v.name!r} has type {v.type!r}; use one of {', '.join(VARIABLE_TYPES)}"
            )
    owners = [(f"case {c.name!r}", c.variables) for c in project.cases]
    owners += [(f"source {s.name!r}", s.variables) for s in project.sources]
    for owner, values in owners:
        for name in values:
            if name not in variables:
                raise QualcodeError(
                    f"{owner} has a value for {name!r}, which is not among the variables"
                )
    codes = {code.guid for code, _ in walk_codes(project.codes)}
    for src in project.sources:
        for sel in src.selections:
            if not 0 <= sel.start <= sel.end <= len(src.text):
                raise QualcodeError(
                    f"source {src.name!r}: selection {sel.start}-{sel.end} lies outside its "
                    f"{len(src.text)}-character text"
                )
            for coding in sel.codings:
                if coding.code_guid not in codes:
                    raise QualcodeError(
                        f"source {src.name!r}: a coding refers to code {coding.code_guid}, "
                        "which is not in the codebook"
                    )
