"""REFI-QDA exchange (.qdpx projects, .qdc codebooks): a pure format layer, no database."""

from .hierarchy import detect_separator, unflatten
from .model import (
    CODEPOINT,
    CRLF_AS_ONE,
    UTF16,
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
    canonical_guid,
    count_selections,
    guid,
    walk_codes,
)
from .reader import read_qdc, read_qdpx
from .safety import RefiFileError
from .writer import write_qdc, write_qdpx
from .xmlutil import validate_bytes

__all__ = [
    "CODEPOINT",
    "CRLF_AS_ONE",
    "UTF16",
    "RefiCase",
    "RefiCode",
    "RefiCodebook",
    "RefiCoding",
    "RefiFileError",
    "RefiNote",
    "RefiProject",
    "RefiSelection",
    "RefiSet",
    "RefiSource",
    "RefiUser",
    "RefiVariable",
    "SkippedSource",
    "canonical_guid",
    "count_selections",
    "detect_separator",
    "guid",
    "read_qdc",
    "read_qdpx",
    "unflatten",
    "validate_bytes",
    "walk_codes",
    "write_qdc",
    "write_qdpx",
]
