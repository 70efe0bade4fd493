"""Namespace-agnostic element access and validation against the shipped REFI-QDA schemas."""

from __future__ import annotations

import copy
from functools import cache
from importlib import resources
from typing import Any

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
# Namespaces tools have written: the standard 1.0, and the 1:0 and 0:4 spellings seen in the wild.
KNOWN_NS_PREFIX = "urn:QDA-XML:"


def local(element: Any) -> str:
    """An element's name without its namespace."""
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def namespace(element: Any) -> str:
    """An element's namespace URI ('' when none)."""
    tag = element.tag
    return tag[1:].partition("}")[0] if isinstance(tag, str) and tag.startswith("{") else ""


def kids(element: Any, name: str) -> list[Any]:
    """The direct children with this local name, in document order."""
    return [child for child in element if local(child) == name]


def kid(element: Any, name: str) -> Any | None:
    """The first direct child with this local name, or None."""
    for child in element:
        if local(child) == name:
            return child
    return None


def kid_text(element: Any, name: str) -> str | None:
    """The text of the first child with this local name, or None when absent."""
    child = kid(element, name)
    if child is None:
        return None
    return child.text or ""


@cache
def _schema(kind: str) -> Any:
    from lxml import etree

    name = "Project.xsd" if kind == "project" else "Codebook.xsd"
    data = resources.files("qualcode.refi").joinpath("schemas", name).read_bytes()
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.fromstring(data, parser))


def schema_errors(root: Any, kind: str, limit: int = 3) -> list[str]:
    """Up to limit messages why root is not valid against the project or codebook XSD."""
    target = PROJECT_NS if kind == "project" else CODEBOOK_NS
    if namespace(root) != target:
        # Validate the 1:0 / 0:4 dialects as if they had the standard namespace.
        root = copy.deepcopy(root)
        for element in root.iter():
            if isinstance(element.tag, str):
                element.tag = f"{{{target}}}{local(element)}"
    schema = _schema(kind)
    if schema.validate(root):
        return []
    return [f"line {e.line}: {e.message}" for e in list(schema.error_log)[:limit]]


def validate_bytes(data: bytes, kind: str) -> list[str]:
    """Messages why an XML document (project.qde or .qdc bytes) fails its schema; [] if valid."""
    from .safety import parse_xml

    return schema_errors(parse_xml(data, kind), kind, limit=20)
