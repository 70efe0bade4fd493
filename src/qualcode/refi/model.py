"""Tool-independent records of a REFI-QDA exchange project (.qdpx) or codebook (.qdc).

Positions are Unicode code points into ``RefiSource.text`` (REFI-QDA 1.5 §10.2), whatever
the file counted in: the reader converts, the writer writes code points. GUIDs are kept in
one canonical form (lowercase, no braces) so files from different tools compare equal.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

# Fixed root for every GUID qualcode makes: exports stay byte-identical across runs.
QUALCODE_GUID_ROOT = uuid.UUID("6f1d3c2a-8b4e-5a70-9c1d-2e3f4a5b6c7d")

VARIABLE_TYPES = ("Text", "Boolean", "Integer", "Float", "Date", "DateTime")
VariableValue = str | bool | int | float

CODEPOINT = "codepoint"  # REFI-QDA: Unicode code points from 0
UTF16 = "utf16"  # NVivo for Windows: UTF-16 code units
CRLF_AS_ONE = "codepoint-lf"  # code points counted on the text with CRLF read as one newline


@lru_cache(maxsize=256)
def _namespace(namespace_key: str) -> uuid.UUID:
    return uuid.uuid5(QUALCODE_GUID_ROOT, namespace_key)


def guid(namespace_key: str, *parts: str) -> str:
    """A stable GUID (uuid5) for the thing named by parts within namespace_key."""
    namespace = _namespace(namespace_key)
    # \x1f (unit separator) cannot occur in names, so ("a b", "c") != ("a", "b c").
    return str(uuid.uuid5(namespace, "\x1f".join(parts)))


def canonical_guid(value: str) -> str:
    """The GUID in qualcode's canonical form: lowercase, without braces or spaces."""
    return value.strip().strip("{}").strip().lower()


@dataclass(frozen=True)
class RefiUser:
    """A person (or tool) that created codes, selections or notes."""

    guid: str
    name: str | None = None
    id: str | None = None


@dataclass(frozen=True)
class RefiCode:
    """A code with its children; is_codable False marks a grouping-only parent."""

    guid: str
    name: str
    is_codable: bool = True
    color: str | None = None  # "#rrggbb"
    description: str | None = None
    children: tuple[RefiCode, ...] = ()


@dataclass(frozen=True)
class RefiCoding:
    """One code applied to a selection, by a user."""

    guid: str
    code_guid: str
    user_guid: str | None = None
    created: str | None = None  # xsd:dateTime


@dataclass(frozen=True)
class RefiSelection:
    """A span of a text source, [start, end) in code points, with its codings."""

    guid: str
    start: int
    end: int
    codings: tuple[RefiCoding, ...] = ()
    name: str | None = None
    description: str | None = None
    user_guid: str | None = None


@dataclass(frozen=True)
class RefiSource:
    """A plain-text source: its full text (BOM removed, newlines as in the file)."""

    guid: str
    name: str
    text: str
    selections: tuple[RefiSelection, ...] = ()
    description: str | None = None
    variables: Mapping[str, VariableValue] = field(default_factory=dict)
    user_guid: str | None = None
    created: str | None = None


@dataclass(frozen=True)
class RefiVariable:
    """A variable (attribute) that cases or sources carry; type is one of VARIABLE_TYPES."""

    guid: str
    name: str
    type: str = "Text"
    description: str | None = None


@dataclass(frozen=True)
class RefiCase:
    """A case (a respondent): variable values by variable name and the sources about it."""

    guid: str
    name: str
    variables: Mapping[str, VariableValue] = field(default_factory=dict)
    source_guids: tuple[str, ...] = ()
    description: str | None = None


@dataclass(frozen=True)
class RefiNote:
    """A memo; targets are the GUIDs of what it is attached to, () for the project."""

    guid: str
    text: str
    name: str | None = None
    targets: tuple[str, ...] = ()
    user_guid: str | None = None
    created: str | None = None


@dataclass(frozen=True)
class RefiSet:
    """A named group of sources and/or codes."""

    guid: str
    name: str
    source_guids: tuple[str, ...] = ()
    code_guids: tuple[str, ...] = ()
    description: str | None = None


@dataclass(frozen=True)
class SkippedSource:
    """A source the reader did not take (PDF, audio, picture, rich text only...)."""

    guid: str
    name: str
    kind: str  # the element name: PDFSource, AudioSource, TextSource ...
    reason: str


@dataclass(frozen=True)
class RefiProject:
    """A whole exchange project. The last four fields describe how it was read."""

    name: str
    origin: str | None = None
    users: tuple[RefiUser, ...] = ()
    codes: tuple[RefiCode, ...] = ()
    sources: tuple[RefiSource, ...] = ()
    cases: tuple[RefiCase, ...] = ()
    variables: tuple[RefiVariable, ...] = ()
    notes: tuple[RefiNote, ...] = ()
    sets: tuple[RefiSet, ...] = ()
    created_by: str | None = None  # a user GUID
    created: str | None = None  # xsd:dateTime
    description: str | None = None
    # How the file was read (the writer ignores these):
    problems: tuple[str, ...] = ()
    skipped: tuple[SkippedSource, ...] = ()
    position_unit: str = CODEPOINT  # what the file counted in (converted to code points)
    hierarchy_separator: str | None = None  # "::" or "." when flat names look nested


@dataclass(frozen=True)
class RefiCodebook:
    """A codebook file (.qdc): codes and code sets."""

    codes: tuple[RefiCode, ...]
    origin: str | None = None
    sets: tuple[RefiSet, ...] = ()
    problems: tuple[str, ...] = ()
    hierarchy_separator: str | None = None


def walk_codes(
    codes: tuple[RefiCode, ...], parent: RefiCode | None = None
) -> Iterator[tuple[RefiCode, RefiCode | None]]:
    """Every code in the tree, depth first, with its parent (None at the top)."""
    for code in codes:
        yield code, parent
        yield from walk_codes(code.children, code)


def count_selections(project: RefiProject) -> tuple[int, int]:
    """The number of selections and of codings over all sources."""
    selections = sum(len(s.selections) for s in project.sources)
    codings = sum(len(sel.codings) for s in project.sources for sel in s.selections)
    return selections, codings
