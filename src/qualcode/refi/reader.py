"""Reading REFI-QDA projects (.qdpx) and codebooks (.qdc) as the big tools write them.

Lenient about dialects (namespaces 1.0, 1:0, 0:4; ``sources/`` or ``Sources/``; any .qde
name; GUIDs in either case or braces), strict about positions: a selection that cannot be
placed on its text is reported in ``problems`` and left out, never moved.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from . import positions as pos
from .hierarchy import detect_separator, unflatten
from .model import (
    CODEPOINT,
    RefiCase,
    RefiCode,
    RefiCodebook,
    RefiCoding,
    RefiNote,
    RefiProject,
    RefiSelection,
    RefiSet,
    RefiSource,
    RefiUser,
    RefiVariable,
    SkippedSource,
    VariableValue,
    canonical_guid,
    guid,
    walk_codes,
)
from .safety import RefiFileError, SafeZip, parse_xml
from .xmlutil import KNOWN_NS_PREFIX, kid, kid_text, kids, local, namespace, schema_errors

_RGB = re.compile(r"^#(?:[0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})$")
_NON_TEXT = {
    "PDFSource": "a PDF source (qualcode reads plain-text sources only)",
    "PictureSource": "a picture source (qualcode reads plain-text sources only)",
    "AudioSource": "an audio source (qualcode reads plain-text sources only)",
    "VideoSource": "a video source (qualcode reads plain-text sources only)",
}


def read_qdpx(path: str | Path, *, unflatten_codes: bool = False) -> RefiProject:
    """The project in a .qdpx file; problems and skipped sources are listed in the result."""
    path = Path(path)
    with SafeZip(path) as archive:
        qde = _find_qde(archive)
        root = parse_xml(archive.read(qde), f"{path}:{qde}")
        return _Reader(archive, f"{path}:{qde}").project(root, unflatten_codes)


def read_qdc(path: str | Path, *, unflatten_codes: bool = False) -> RefiCodebook:
    """The codebook in a .qdc file (or the codebook of a .qdpx project)."""
    path = Path(path)
    try:
        head = path.read_bytes()[:4]
    except OSError as exc:
        raise RefiFileError(f"{path}: cannot read ({exc.strerror})") from None
    if head.startswith(b"PK"):
        project = read_qdpx(path, unflatten_codes=unflatten_codes)
        return RefiCodebook(
            project.codes,
            project.origin,
            project.sets,
            project.problems,
            project.hierarchy_separator,
        )
    root = parse_xml(path.read_bytes(), str(path))
    if local(root) != "CodeBook":
        raise RefiFileError(f"{path}: root element is <{local(root)}>, not a REFI-QDA <CodeBook>")
    problems = _namespace_problems(root, "codebook")
    problems += [f"not valid against Codebook.xsd: {e}" for e in schema_errors(root, "codebook")]
    codes_el = kid(root, "Codes")
    codes = (
        tuple(_read_code(c, problems) for c in kids(codes_el, "Code"))
        if codes_el is not None
        else ()
    )
    sets_el = kid(root, "Sets")
    sets = tuple(_read_set(s) for s in kids(sets_el, "Set")) if sets_el is not None else ()
    separator = detect_separator(codes)
    if unflatten_codes and separator:
        codes = unflatten(codes, separator)
    return RefiCodebook(codes, root.get("origin"), sets, tuple(problems), separator)


def _find_qde(archive: SafeZip) -> str:
    """The project document: project.qde, else the one .qde (ATLAS.ti 26 names it freely)."""
    qdes = [m for m in archive.members if m.lower().endswith(".qde")]
    top = [m for m in qdes if "/" not in m]
    for candidates in (top, qdes):
        exact = [m for m in candidates if m.lower() == "project.qde"]
        if exact:
            return exact[0]
        if len(candidates) == 1:
            return candidates[0]
        if len(candidates) > 1:
            raise RefiFileError(
                f"{archive.path}: several .qde documents ({', '.join(sorted(candidates))}); "
                "keep one and try again"
            )
    raise RefiFileError(f"{archive.path}: no project.qde inside; is this a REFI-QDA .qdpx?")


def _namespace_problems(root: Any, kind: str) -> list[str]:
    ns = namespace(root)
    if ns and not ns.startswith(KNOWN_NS_PREFIX):
        return [f"unknown namespace {ns!r}; read as REFI-QDA {kind} anyway"]
    return []


def _guid(element: Any, attribute: str = "guid") -> str | None:
    value = element.get(attribute)
    return canonical_guid(value) if value else None


def _bool(value: str | None, default: bool = True) -> bool:
    if value is None:
        return default
    return value.strip().lower() in ("true", "1")


def _read_code(element: Any, problems: list[str]) -> RefiCode:
    name = element.get("name") or ""
    code_guid = _guid(element) or guid("refi-missing-code", name)
    color = element.get("color")
    if color is not None and not _RGB.match(color.strip()):
        problems.append(f"code {name!r}: colour {color!r} is not #rrggbb; left out")
        color = None
    return RefiCode(
        guid=code_guid,
        name=name,
        is_codable=_bool(element.get("isCodable")),
        color=color.strip().lower() if color else None,
        description=kid_text(element, "Description"),
        children=tuple(_read_code(c, problems) for c in kids(element, "Code")),
    )


def _read_set(element: Any) -> RefiSet:
    def refs(name: str) -> tuple[str, ...]:
        # the codebook schema names the attribute guid, the project schema targetGUID
        return tuple(
            canonical_guid(r.get("targetGUID") or r.get("guid") or "") for r in kids(element, name)
        )

    return RefiSet(
        guid=_guid(element) or guid("refi-missing-set", element.get("name") or ""),
        name=element.get("name") or "",
        source_guids=refs("MemberSource"),
        code_guids=refs("MemberCode"),
        description=kid_text(element, "Description"),
    )


def decode_text(data: bytes) -> tuple[str, str | None]:
    """The text of a plain-text source (BOM removed) and a problem note when not UTF-8."""
    for bom, encoding in (
        (b"\xef\xbb\xbf", "utf-8"),
        (b"\xff\xfe\x00\x00", "utf-32-le"),
        (b"\x00\x00\xfe\xff", "utf-32-be"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(encoding)
            except UnicodeDecodeError:
                break
            note = None if encoding == "utf-8" else f"encoded as {encoding}, not UTF-8"
            return text, note
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is None:
            return data.decode("utf-8", errors="replace"), "not UTF-8; bad bytes replaced"
        return str(best), f"not UTF-8 as REFI-QDA requires; read as {best.encoding}"


class _Reader:
    """One pass over a project document; collects problems as it goes."""

    def __init__(self, archive: SafeZip, where: str) -> None:
        self.archive = archive
        self.where = where
        self.problems: list[str] = []
        self.skipped: list[SkippedSource] = []

    def project(self, root: Any, unflatten_codes: bool) -> RefiProject:
        if local(root) != "Project":
            raise RefiFileError(f"{self.where}: root is <{local(root)}>, not a REFI-QDA <Project>")
        self.problems += _namespace_problems(root, "project")
        self.problems += [
            f"not valid against Project.xsd: {e}" for e in schema_errors(root, "project")
        ]
        users_el = kid(root, "Users")
        users = tuple(
            RefiUser(_guid(u) or guid("refi-user", u.get("name") or ""), u.get("name"), u.get("id"))
            for u in (kids(users_el, "User") if users_el is not None else [])
        )
        book = kid(root, "CodeBook")
        codes_el = kid(book, "Codes") if book is not None else None
        codes = (
            tuple(_read_code(c, self.problems) for c in kids(codes_el, "Code"))
            if codes_el is not None
            else ()
        )
        variables = self._variables(root)
        by_var_guid = {v.guid: v.name for v in variables}
        sources, unit = self._place(self._sources(root, by_var_guid), root.get("origin"), codes)
        cases = self._cases(root, by_var_guid)
        notes = self._notes(root)
        sets_el = kid(root, "Sets")
        sets = tuple(_read_set(s) for s in kids(sets_el, "Set")) if sets_el is not None else ()
        separator = detect_separator(codes)
        if unflatten_codes and separator:
            codes = unflatten(codes, separator)
        return RefiProject(
            name=root.get("name") or "",
            origin=root.get("origin"),
            users=users,
            codes=codes,
            sources=sources,
            cases=cases,
            variables=variables,
            notes=notes,
            sets=sets,
            created_by=_guid(root, "creatingUserGUID"),
            created=root.get("creationDateTime"),
            description=kid_text(root, "Description"),
            problems=tuple(self.problems),
            skipped=tuple(self.skipped),
            position_unit=unit,
            hierarchy_separator=separator,
        )

    def _variables(self, root: Any) -> tuple[RefiVariable, ...]:
        container = kid(root, "Variables")
        out = []
        for v in kids(container, "Variable") if container is not None else []:
            name = v.get("name") or ""
            out.append(
                RefiVariable(
                    guid=_guid(v) or guid("refi-missing-variable", name),
                    name=name,
                    type=v.get("typeOfVariable") or "Text",
                    description=kid_text(v, "Description"),
                )
            )
        return tuple(out)

    def _values(
        self, element: Any, by_var_guid: dict[str, str], owner: str
    ) -> dict[str, VariableValue]:
        values: dict[str, VariableValue] = {}
        for vv in kids(element, "VariableValue"):
            ref = kid(vv, "VariableRef")
            target = _guid(ref, "targetGUID") if ref is not None else None
            if target not in by_var_guid:
                self.problems.append(f"{owner}: a value refers to an unknown variable; left out")
                continue
            value: VariableValue = ""
            for child in vv:
                kind, text = local(child), (child.text or "").strip()
                if kind == "VariableRef":
                    continue
                try:
                    if kind == "BooleanValue":
                        value = text.lower() in ("true", "1")
                    elif kind == "IntegerValue":
                        value = int(text)
                    elif kind == "FloatValue":
                        value = float(text)
                    else:
                        value = child.text or ""
                except ValueError:
                    value = text
            values[by_var_guid[str(target)]] = value
        return values

    def _cases(self, root: Any, by_var_guid: dict[str, str]) -> tuple[RefiCase, ...]:
        container = kid(root, "Cases")
        out = []
        for c in kids(container, "Case") if container is not None else []:
            name = c.get("name") or ""
            if kids(c, "CodeRef") or kids(c, "SelectionRef"):
                self.problems.append(f"case {name!r}: codes and selections on a case are not kept")
            out.append(
                RefiCase(
                    guid=_guid(c) or guid("refi-missing-case", name),
                    name=name,
                    variables=self._values(c, by_var_guid, f"case {name!r}"),
                    source_guids=tuple(
                        canonical_guid(r.get("targetGUID") or "") for r in kids(c, "SourceRef")
                    ),
                    description=kid_text(c, "Description"),
                )
            )
        return tuple(out)

    def _text_of(self, element: Any, owner: str) -> str | None:
        """A TextSource's (or Note's) text, or None with the reason added to skipped."""
        inline = kid(element, "PlainTextContent")
        if inline is not None:
            return inline.text or ""
        ref = element.get("plainTextPath")
        if not ref:
            return None
        member = self._member(ref)
        if member is None:
            return None
        text, note = decode_text(self.archive.read(member))
        if note:
            self.problems.append(f"{owner}: {note}")
        return text

    def _member(self, ref: str) -> str | None:
        if ref.startswith("internal://"):
            name = ref[len("internal://") :]
        elif "://" in ref or ref.startswith("/") or (len(ref) > 1 and ref[1] == ":"):
            return None  # an external file, not shipped inside the archive
        else:
            name = ref  # a relative path (qc writes these)
        for candidate in (name, unquote(name)):
            for folder in ("sources/", ""):
                found = self.archive.find(folder + candidate)
                if found:
                    return found
        return None

    def _sources(
        self, root: Any, by_var_guid: dict[str, str]
    ) -> list[tuple[RefiSource, list[Any]]]:
        container = kid(root, "Sources")
        out: list[tuple[RefiSource, list[Any]]] = []
        for index, s in enumerate(container if container is not None else []):
            kind = local(s)
            ref = s.get("plainTextPath") or s.get("path") or ""
            name = (
                s.get("name")
                or (Path(ref.split("://")[-1]).stem if ref else "")
                or f"source {index + 1}"
            )
            source_guid = _guid(s) or guid("refi-missing-source", name, str(index))
            if kind in _NON_TEXT:
                self.skipped.append(SkippedSource(source_guid, name, kind, _NON_TEXT[kind]))
                continue
            if kind != "TextSource":
                continue
            text = self._text_of(s, f"source {name!r}")
            if text is None:
                reason = (
                    f"its text file {ref!r} is not inside the archive"
                    if ref
                    else "it has rich text only (no plainTextPath or PlainTextContent)"
                )
                self.skipped.append(SkippedSource(source_guid, name, kind, reason))
                continue
            raw = list(kids(s, "PlainTextSelection"))
            whole = kids(s, "Coding")
            if whole:
                # codings on the source itself code the whole text
                raw.append(("whole", source_guid, whole))
            out.append(
                (
                    RefiSource(
                        guid=source_guid,
                        name=name,
                        text=text,
                        description=kid_text(s, "Description"),
                        variables=self._values(s, by_var_guid, f"source {name!r}"),
                        user_guid=_guid(s, "creatingUser"),
                        created=s.get("creationDateTime"),
                    ),
                    raw,
                )
            )
        return out

    def _place(
        self,
        sources: list[tuple[RefiSource, list[Any]]],
        origin: str | None,
        codes: tuple[RefiCode, ...],
    ) -> tuple[tuple[RefiSource, ...], str]:
        """Selections converted to code points under the project's counting model."""

        def span(sel: Any, text: str) -> tuple[int, int]:
            if isinstance(sel, tuple):
                return 0, pos.Positions(text, unit).units()
            try:
                return int(sel.get("startPosition", "")), int(sel.get("endPosition", ""))
            except ValueError:
                return -1, -1

        unit = CODEPOINT
        spans = [
            (src.text, [span(sel, src.text) for sel in raw if not isinstance(sel, tuple)])
            for src, raw in sources
        ]
        unit, why = pos.choose_model(origin, spans)
        if why:
            self.problems.append(why)
        known = {code.guid for code, _ in walk_codes(codes)}
        placed = []
        for src, raw in sources:
            model = pos.Positions(src.text, unit)
            selections = []
            for sel in raw:
                start, end = span(sel, src.text)
                a, b = model.to_codepoint(start), model.to_codepoint(end)
                if isinstance(sel, tuple):
                    sel_guid, elements, name, user = (
                        guid("refi-whole-source", src.guid),
                        sel[2],
                        None,
                        None,
                    )
                    desc = None
                else:
                    sel_guid = _guid(sel) or guid(
                        "refi-missing-selection", src.guid, str(start), str(end)
                    )
                    elements, name, user = (
                        kids(sel, "Coding"),
                        sel.get("name"),
                        _guid(sel, "creatingUser"),
                    )
                    desc = kid_text(sel, "Description")
                if a is None or b is None or a > b:
                    self.problems.append(
                        f"source {src.name!r}: selection {start}-{end} cannot be placed on its "
                        f"{model.units()}-unit text ({unit}); left out"
                    )
                    continue
                codings = []
                for c in elements:
                    ref = kid(c, "CodeRef")
                    target = _guid(ref, "targetGUID") if ref is not None else None
                    if target not in known:
                        self.problems.append(
                            f"source {src.name!r}: a coding at {start}-{end} refers to "
                            "an unknown code; left out"
                        )
                        continue
                    codings.append(
                        RefiCoding(
                            guid=_guid(c) or guid("refi-missing-coding", sel_guid, str(target)),
                            code_guid=str(target),
                            user_guid=_guid(c, "creatingUser") or user,
                            created=c.get("creationDateTime"),
                        )
                    )
                selections.append(RefiSelection(sel_guid, a, b, tuple(codings), name, desc, user))
            placed.append(dataclasses.replace(src, selections=tuple(selections)))
        return tuple(placed), unit

    def _notes(self, root: Any) -> tuple[RefiNote, ...]:
        container = kid(root, "Notes")
        if container is None:
            return ()
        targets: dict[str, list[str]] = {}
        for ref in root.iter("{*}NoteRef"):
            owner = ref.getparent()
            note_guid = _guid(ref, "targetGUID")
            owner_guid = _guid(owner) if owner is not None and local(owner) != "Project" else None
            if note_guid and owner_guid:
                targets.setdefault(note_guid, []).append(owner_guid)
        out = []
        for n in kids(container, "Note"):
            note_guid = _guid(n) or guid("refi-missing-note", n.get("name") or "")
            text = self._text_of(n, f"note {n.get('name')!r}")
            if text is None:
                self.problems.append(
                    f"note {n.get('name')!r}: its text is not in the archive; left out"
                )
                continue
            out.append(
                RefiNote(
                    guid=note_guid,
                    text=text,
                    name=n.get("name"),
                    targets=tuple(targets.get(note_guid, ())),
                    user_guid=_guid(n, "creatingUser"),
                    created=n.get("creationDateTime"),
                )
            )
        return tuple(out)
