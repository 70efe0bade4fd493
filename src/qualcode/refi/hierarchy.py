"""Flat code names that encode a hierarchy (``A::B``, ``a.b``): detecting and unfolding them."""

from __future__ import annotations

import re

from .model import RefiCode, guid

_DOTTED = re.compile(r"^[^.\s]+(?:\.[^.\s]+)+$")


def detect_separator(codes: tuple[RefiCode, ...]) -> str | None:
    """'::' or '.' when a flat code list looks like it flattens a hierarchy, else None."""
    if len(codes) < 2 or any(code.children for code in codes):
        return None
    names = [code.name for code in codes]
    if any("::" in n and all(part.strip() for part in n.split("::")) for n in names):
        return "::"
    dotted = [n for n in names if _DOTTED.match(n)]
    if len(dotted) >= 2 and len(dotted) * 4 >= len(names):
        return "."
    return None


def _split(name: str, separator: str) -> tuple[str, ...]:
    """The path a name encodes; names that only happen to contain the separator stay whole."""
    parts = tuple(part.strip() for part in name.split(separator))
    if separator == "." and not _DOTTED.match(name):
        return (name,)
    if not all(parts):
        return (name,)
    return parts


def unflatten(codes: tuple[RefiCode, ...], separator: str) -> tuple[RefiCode, ...]:
    """The codes nested by their separated names; missing parents become non-codable codes."""
    # path (tuple of segments) -> (code fields, child paths in order)
    nodes: dict[tuple[str, ...], RefiCode] = {}
    children: dict[tuple[str, ...], list[tuple[str, ...]]] = {(): []}

    def ensure(path: tuple[str, ...]) -> None:
        if path in nodes:
            return
        if len(path) > 1:
            ensure(path[:-1])
        nodes[path] = RefiCode(
            guid=guid("refi-parent", separator.join(path)), name=path[-1], is_codable=False
        )
        children.setdefault(path, [])
        children[path[:-1]].append(path)

    for code in codes:
        path = _split(code.name, separator)
        if len(path) > 1:
            ensure(path[:-1])
        if path in nodes and not nodes[path].is_codable:
            # a parent made up earlier turns out to exist: take the real one, same place
            nodes[path] = RefiCode(
                code.guid, path[-1], code.is_codable, code.color, code.description
            )
            continue
        if path in nodes:  # a duplicate name: keep both, the second as given
            path = (*path[:-1], code.name)
        nodes[path] = RefiCode(code.guid, path[-1], code.is_codable, code.color, code.description)
        children.setdefault(path, [])
        children[path[:-1]].append(path)

    def build(path: tuple[str, ...]) -> RefiCode:
        node = nodes[path]
        kids = tuple(build(child) for child in children.get(path, []))
        return RefiCode(node.guid, node.name, node.is_codable, node.color, node.description, kids)

    return tuple(build(path) for path in children[()])
