"""qualcode's records <-> RefiProject, pure (no database): the store/CLI wires these in.

Export: transcripts -> TextSources (name, full text), respondents -> Cases with Variables,
codes -> Codes (label and keywords as a description addendum), tags -> PlainTextSelections
(one per transcript span) with one Coding per tag (coder -> User), tag memos -> Notes on the
Coding, project memos -> Notes on the project. Import is the inverse, with names made unique.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ..codebook import CodeSpec
from ..models import Code, Tag, Transcript
from .model import (
    RefiCase,
    RefiCode,
    RefiCoding,
    RefiNote,
    RefiProject,
    RefiSelection,
    RefiSource,
    RefiUser,
    RefiVariable,
    VariableValue,
    guid,
)

_RGB = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_ADDENDUM = re.compile(r"\n*(?:^(Label|Keywords): (.*)$\n?)+\Z", re.MULTILINE)


@dataclass(frozen=True)
class Memo:
    """A project memo (no target) as qualcode keeps it."""

    title: str
    text: str


def describe(description: str | None, label: str | None, keywords: Sequence[str]) -> str | None:
    """A REFI description carrying qualcode's label and keywords as trailing lines."""
    lines = [f"Label: {label}"] if label else []
    if keywords:
        lines.append("Keywords: " + ", ".join(keywords))
    if not lines:
        return description
    return "\n\n".join(p for p in (description or "", "\n".join(lines)) if p)


def parse_description(text: str | None) -> tuple[str | None, str | None, tuple[str, ...]]:
    """(description, label, keywords) from a REFI description written by describe()."""
    if not text:
        return text, None, ()
    match = _ADDENDUM.search(text)
    if not match:
        return text, None, ()
    label: str | None = None
    keywords: tuple[str, ...] = ()
    for line in match.group(0).strip("\n").splitlines():
        key, _, value = line.partition(": ")
        if key == "Label":
            label = value
        elif key == "Keywords":
            keywords = tuple(k.strip() for k in value.split(",") if k.strip())
    rest = text[: match.start()]
    return (rest or None), label, keywords


def _hex(color: str | None) -> str | None:
    if not color:
        return None
    if _RGB.match(color):
        return color.lower()
    try:
        from matplotlib.colors import to_hex

        return str(to_hex(color))
    except (ImportError, ValueError):
        return None  # a colour name REFI cannot carry; the code travels without it


def _value(text: str, numeric: bool) -> VariableValue:
    return int(text) if numeric else text


def project_from_qualcode(
    name: str,
    key: str,
    transcripts: Sequence[Transcript],
    texts: Mapping[str, str],
    codes: Sequence[Code],
    tags: Sequence[Tag],
    attributes: Mapping[str, Mapping[str, str]],
    memos: Sequence[Memo] = (),
    origin: str = "qualcode",
) -> RefiProject:
    """The exchange model of a qualcode project; key makes its GUIDs (use a stable project id).

    texts maps transcript name -> full text; attributes maps respondent -> {attribute: value}.
    """
    by_parent: dict[str | None, list[Code]] = defaultdict(list)
    for code in sorted(codes, key=lambda c: (c.position, c.name)):
        by_parent[code.parent].append(code)

    def tree(parent: str | None) -> tuple[RefiCode, ...]:
        return tuple(
            RefiCode(
                guid=guid(f"{key}:code", c.name),
                name=c.name,
                is_codable=c.active,
                color=_hex(c.color),
                description=describe(c.description, c.label, c.keywords),
                children=tree(c.name),
            )
            for c in by_parent.get(parent, [])
        )

    coders = sorted({t.coder for t in tags})
    users = tuple(RefiUser(guid(f"{key}:user", c), c) for c in coders)
    spans: dict[str, dict[tuple[int, int], list[Tag]]] = defaultdict(lambda: defaultdict(list))
    for tag in tags:
        spans[tag.transcript][(tag.start, tag.end)].append(tag)
    notes: list[RefiNote] = [
        RefiNote(guid(f"{key}:memo", m.title, str(i)), m.text, m.title) for i, m in enumerate(memos)
    ]
    sources = []
    for t in sorted(transcripts, key=lambda t: t.name):
        selections = []
        for (start, end), group in sorted(spans.get(t.name, {}).items()):
            codings = []
            for tag in sorted(group, key=lambda g: (g.code, g.coder)):
                coding_guid = guid(
                    f"{key}:coding", t.name, tag.code, str(start), str(end), tag.coder
                )
                codings.append(
                    RefiCoding(
                        coding_guid,
                        guid(f"{key}:code", tag.code),
                        guid(f"{key}:user", tag.coder),
                        tag.created_at,
                    )
                )
                if tag.memo:
                    notes.append(
                        RefiNote(
                            guid(f"{key}:tag-memo", coding_guid), tag.memo, "memo", (coding_guid,)
                        )
                    )
            sel_guid = guid(f"{key}:selection", t.name, str(start), str(end))
            selections.append(RefiSelection(sel_guid, start, end, tuple(codings)))
        sources.append(
            RefiSource(guid(f"{key}:source", t.name), t.name, texts[t.name], tuple(selections))
        )
    names = sorted({a for attrs in attributes.values() for a in attrs})
    numeric = {
        # "007" or "-0" would come back as 7 or 0: only canonical integers travel as Integer
        a: all(re.fullmatch(r"0|-?[1-9]\d{0,17}", v[a]) for v in attributes.values() if a in v)
        for a in names
    }
    variables = tuple(
        RefiVariable(guid(f"{key}:variable", a), a, "Integer" if numeric[a] else "Text")
        for a in names
    )
    by_respondent: dict[str, list[str]] = defaultdict(list)
    for t in transcripts:
        if t.respondent:
            by_respondent[t.respondent].append(guid(f"{key}:source", t.name))
    cases = tuple(
        RefiCase(
            guid(f"{key}:case", r),
            r,
            {a: _value(v, numeric[a]) for a, v in sorted(attributes.get(r, {}).items())},
            tuple(sorted(by_respondent.get(r, []))),
        )
        for r in sorted(set(attributes) | set(by_respondent))
    )
    return RefiProject(
        name=name,
        origin=origin,
        users=users,
        codes=tree(None),
        sources=tuple(sources),
        cases=cases,
        variables=variables,
        notes=tuple(notes),
    )


@dataclass(frozen=True)
class ImportedTag:
    """A tag to store: positions are code points into the transcript text."""

    transcript: str
    code: str
    start: int
    end: int
    text: str
    coder: str
    created_at: str | None = None
    memo: str | None = None


@dataclass(frozen=True)
class ImportedProject:
    """What a RefiProject becomes in qualcode's terms."""

    codes: tuple[CodeSpec, ...]
    transcripts: dict[str, str]  # name -> full text
    respondents: dict[str, str]  # transcript name -> respondent
    attributes: dict[str, dict[str, str]]  # respondent -> attributes
    tags: tuple[ImportedTag, ...]
    memos: tuple[Memo, ...]
    warnings: tuple[str, ...] = field(default=())


def _unique(name: str, taken: set[str], parent: str | None) -> str:
    candidate = name if name not in taken or not parent else f"{parent}/{name}"
    n = 2
    base = candidate
    while candidate in taken:
        candidate, n = f"{base} ({n})", n + 1
    taken.add(candidate)
    return candidate


def qualcode_from_project(project: RefiProject, default_coder: str = "imported") -> ImportedProject:
    """The codes (as CodeSpecs), transcripts, respondents, tags and memos of a RefiProject."""
    taken: set[str] = set()
    code_name: dict[str, str] = {}

    def spec(code: RefiCode, parent: str | None) -> CodeSpec:
        name = _unique(code.name.strip() or "unnamed", taken, parent)
        code_name[code.guid] = name
        description, label, keywords = parse_description(code.description)
        if name != code.name and not label:
            label = code.name  # keep the name the other tool showed
        children = tuple(spec(c, name) for c in code.children)
        return CodeSpec(name, label, description, code.color, keywords, children=children)

    codes = tuple(spec(c, None) for c in project.codes)
    users = {u.guid: (u.name or u.id or u.guid) for u in project.users}
    source_names: dict[str, str] = {}
    taken_sources: set[str] = set()
    transcripts: dict[str, str] = {}
    for src in project.sources:
        name = _unique(src.name.strip() or src.guid, taken_sources, None)
        source_names[src.guid] = name
        transcripts[name] = src.text
    memo_of: dict[str, list[str]] = defaultdict(list)
    memos: list[Memo] = []
    for note in project.notes:
        if note.targets:
            for target in note.targets:
                memo_of[target].append(note.text)
        else:
            memos.append(Memo(note.name or "memo", note.text))
    tags: list[ImportedTag] = []
    warnings: list[str] = []
    for src in project.sources:
        for sel in src.selections:
            if sel.start == sel.end:
                warnings.append(
                    f"{source_names[src.guid]}: an empty selection at {sel.start} was left out"
                )
                continue
            for c in sel.codings:
                memo = "\n\n".join(memo_of.get(c.guid, []) + memo_of.get(sel.guid, [])) or None
                tags.append(
                    ImportedTag(
                        source_names[src.guid],
                        code_name[c.code_guid],
                        sel.start,
                        sel.end,
                        src.text[sel.start : sel.end],
                        users.get(c.user_guid or "", default_coder),
                        c.created,
                        memo,
                    )
                )
    respondents: dict[str, str] = {}
    attributes: dict[str, dict[str, str]] = {}
    for case in project.cases:
        attributes[case.name] = {k: _text(v) for k, v in case.variables.items()}
        for source_guid in case.source_guids:
            if source_guid in source_names:
                respondents[source_names[source_guid]] = case.name
    return ImportedProject(
        codes, transcripts, respondents, attributes, tuple(tags), tuple(memos), tuple(warnings)
    )


def _text(value: VariableValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def all_code_names(codes: Iterable[CodeSpec]) -> list[str]:
    """Every code name in a CodeSpec tree, depth first."""
    out: list[str] = []
    for c in codes:
        out.append(c.name)
        out.extend(all_code_names(c.children))
    return out
