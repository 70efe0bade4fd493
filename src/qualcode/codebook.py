"""Codebooks in YAML or JSON: load, validate (errors carry file:line), and edit in place."""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import CodebookError, closest, not_found

# ruamel.yaml costs ~0.05 s to import; commands that never read a codebook file skip it.
if TYPE_CHECKING:
    from ruamel.yaml import YAML

CODE_FIELDS = {
    "name",
    "label",
    "description",
    "color",
    "colour",
    "keywords",
    "patterns",
    "exclude",
    "window",
    "children",
    "memo",
}
TOP_FIELDS = {"title", "language", "codes", "ratings", "description", "version", "interviewers"}
WINDOWS = {"turn", "sentence"}
_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$|^[a-z]+$")


@dataclass(frozen=True)
class CodeSpec:
    """One code as written in a codebook file."""

    name: str
    label: str | None = None
    description: str | None = None
    color: str | None = None
    keywords: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    window: str = "turn"
    children: tuple[CodeSpec, ...] = ()
    line: int | None = None

    def rules(self) -> dict[str, Any]:
        """Matching rules other than keywords, as stored with the code."""
        out: dict[str, Any] = {"window": self.window}
        if self.patterns:
            out["patterns"] = list(self.patterns)
        if self.exclude:
            out["exclude"] = list(self.exclude)
        return out


@dataclass(frozen=True)
class RatingsSpec:
    """Survey statements answered on a numeric scale."""

    scale: tuple[int, int] = (1, 10)
    statements: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Codebook:
    """A parsed codebook."""

    codes: tuple[CodeSpec, ...]
    title: str | None = None
    language: str | None = None
    ratings: RatingsSpec | None = None
    interviewers: tuple[str, ...] = ()
    source: str = "<codebook>"
    content: str = ""

    @property
    def sha256(self) -> str:
        """Hash of the codebook text, to tell versions apart."""
        return hashlib.sha256(self.content.encode("utf-8")).hexdigest()

    def walk(self) -> Iterator[tuple[CodeSpec, str | None, int]]:
        """Every code depth-first as (code, parent name, position among siblings)."""

        def rec(
            codes: tuple[CodeSpec, ...], parent: str | None
        ) -> Iterator[tuple[CodeSpec, str | None, int]]:
            for i, code in enumerate(codes):
                yield code, parent, i
                yield from rec(code.children, code.name)

        return rec(self.codes, None)

    def names(self) -> list[str]:
        """Every code name in tree order."""
        return [c.name for c, _, _ in self.walk()]


def _yaml() -> YAML:
    from ruamel.yaml import YAML

    y = YAML(typ="rt")
    y.allow_duplicate_keys = False
    return y


def _line(node: Any, key: str | int | None = None) -> int | None:
    """1-based line of a ruamel node (or of one of its keys/items)."""
    lc = getattr(node, "lc", None)
    if lc is None:
        return None
    from ruamel.yaml.comments import CommentedMap

    try:
        if key is not None:
            if isinstance(node, CommentedMap):
                return int(lc.key(key)[0]) + 1
            return int(lc.item(key)[0]) + 1
        return int(lc.line) + 1
    except (KeyError, IndexError, TypeError):
        return int(lc.line) + 1


def _parse_text(text: str, source: str) -> Any:
    if source.lower().endswith(".json"):
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            raise CodebookError(source, exc.lineno, f"JSON syntax error: {exc.msg}") from None
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        return _yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = (exc.problem or exc.context or "syntax error").strip()
        if "found duplicate key" in str(exc):
            problem = "duplicate key " + str(exc).split("found duplicate key")[1].split("\n")[0]
        raise CodebookError(
            source, line, f"YAML syntax error: {problem}; check indentation and quoting"
        ) from None
    except YAMLError as exc:
        raise CodebookError(source, None, f"YAML error: {exc}") from None


def parse_codebook(text: str, source: str = "<codebook>") -> Codebook:
    """Parse and validate codebook text; raises CodebookError with file:line."""
    data = _parse_text(text, source)
    if data is None:
        raise CodebookError(source, None, "the codebook is empty; it needs a `codes:` list")
    if isinstance(data, list):  # a bare list of codes is accepted too
        from ruamel.yaml.comments import CommentedMap

        data = CommentedMap(codes=data)
    if not isinstance(data, dict):
        raise CodebookError(source, 1, "expected a mapping with a `codes:` list at the top")
    for key in data:
        if key not in TOP_FIELDS:
            guess = closest(str(key), TOP_FIELDS)
            hint = (
                f"; did you mean `{guess}`?"
                if guess
                else f"; known: {', '.join(sorted(TOP_FIELDS))}"
            )
            raise CodebookError(source, _line(data, key), f"unknown field `{key}`{hint}")
    raw_codes = data.get("codes")
    if not isinstance(raw_codes, list) or not raw_codes:
        raise CodebookError(
            source,
            _line(data, "codes") if "codes" in data else 1,
            "`codes:` must be a non-empty list of codes",
        )
    seen: dict[str, int | None] = {}
    codes = tuple(_parse_code(item, raw_codes, i, source, seen) for i, item in enumerate(raw_codes))
    language = data.get("language")
    if language is not None and not (
        isinstance(language, str) and re.fullmatch(r"[a-z]{2,3}", language)
    ):
        raise CodebookError(
            source, _line(data, "language"), "`language` must be a language code such as lv or en"
        )
    interviewers = data.get("interviewers") or []
    if not isinstance(interviewers, list):
        raise CodebookError(source, _line(data, "interviewers"), "`interviewers` must be a list")
    return Codebook(
        codes=codes,
        title=_opt_str(data, "title", source),
        language=language,
        ratings=_parse_ratings(data, source),
        interviewers=tuple(str(x) for x in interviewers),
        source=source,
        content=text,
    )


def _opt_str(node: Any, key: str, source: str) -> str | None:
    value = node.get(key)
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        raise CodebookError(source, _line(node, key), f"`{key}` must be text")
    return str(value).strip()


def _str_list(node: Any, key: str, source: str, where: str) -> tuple[str, ...]:
    value = node.get(key)
    if value is None:
        return ()
    if isinstance(value, str):  # "a, b, c" is forgiven
        value = [v for v in (s.strip() for s in value.split(",")) if v]
    if not isinstance(value, list):
        raise CodebookError(source, _line(node, key), f"{where}: `{key}` must be a list")
    out = []
    for i, item in enumerate(value):
        if isinstance(item, (dict, list)) or item is None or str(item).strip() == "":
            raise CodebookError(
                source, _line(value, i), f"{where}: `{key}` item {i + 1} must be a word or phrase"
            )
        out.append(str(item).strip())
    return tuple(out)


def _parse_code(
    node: Any, parent: Any, index: int, source: str, seen: dict[str, int | None]
) -> CodeSpec:
    line = _line(parent, index)
    if isinstance(node, str):  # "- needs-training" shorthand
        from ruamel.yaml.comments import CommentedMap

        node = CommentedMap(name=node)
    if not isinstance(node, dict):
        raise CodebookError(source, line, "each code must be a mapping with at least `name:`")
    for key in node:
        if key not in CODE_FIELDS:
            guess = closest(str(key), CODE_FIELDS)
            hint = f"; did you mean `{guess}`?" if guess else ""
            raise CodebookError(source, _line(node, key), f"unknown field `{key}` in a code{hint}")
    name = node.get("name")
    if name is None or str(name).strip() == "" or isinstance(name, (dict, list)):
        raise CodebookError(source, line, "a code has no `name:`")
    name = str(name).strip()
    where = f"code {name!r}"
    if name in seen:
        first = seen[name]
        raise CodebookError(
            source,
            _line(node, "name"),
            f"duplicate code name {name!r} (first defined at line {first}); "
            "code names must be unique",
        )
    seen[name] = _line(node, "name")
    color = _opt_str(node, "color", source) or _opt_str(node, "colour", source)
    if color and not _COLOR.match(color):
        raise CodebookError(
            source,
            _line(node, "color" if "color" in node else "colour"),
            f"{where}: colour {color!r} is not #rrggbb or a colour name",
        )
    patterns = _str_list(node, "patterns", source, where)
    for i, pattern in enumerate(patterns):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise CodebookError(
                source, _line(node["patterns"], i), f"{where}: invalid regex {pattern!r}: {exc}"
            ) from None
    window = str(node.get("window", "turn"))
    if window not in WINDOWS:
        raise CodebookError(
            source,
            _line(node, "window"),
            f"{where}: `window` must be one of {', '.join(sorted(WINDOWS))}",
        )
    raw_children = node.get("children") or []
    if not isinstance(raw_children, list):
        raise CodebookError(source, _line(node, "children"), f"{where}: `children` must be a list")
    children = tuple(
        _parse_code(child, raw_children, i, source, seen) for i, child in enumerate(raw_children)
    )
    return CodeSpec(
        name=name,
        label=_opt_str(node, "label", source),
        description=_opt_str(node, "description", source),
        color=color,
        keywords=_str_list(node, "keywords", source, where),
        patterns=patterns,
        exclude=_str_list(node, "exclude", source, where),
        window=window,
        children=children,
        line=line,
    )


def _parse_ratings(data: Any, source: str) -> RatingsSpec | None:
    node = data.get("ratings")
    if node is None:
        return None
    if not isinstance(node, dict):
        raise CodebookError(source, _line(data, "ratings"), "`ratings` must be a mapping")
    scale = node.get("scale", [1, 10])
    if (
        not isinstance(scale, list)
        or len(scale) != 2
        or not all(isinstance(v, int) for v in scale)
        or scale[0] >= scale[1]
    ):
        raise CodebookError(
            source,
            _line(node, "scale") if "scale" in node else None,
            "`ratings.scale` must be [low, high], whole numbers, e.g. [1, 10]",
        )
    statements = node.get("statements") or {}
    if not isinstance(statements, dict):
        raise CodebookError(
            source,
            _line(node, "statements"),
            "`ratings.statements` must map a column name to its statement text",
        )
    return RatingsSpec(
        scale=(scale[0], scale[1]), statements={str(k): str(v) for k, v in statements.items()}
    )


def read_codebook_file(path: Path) -> Codebook:
    """Read and validate a codebook file (YAML or JSON)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CodebookError(str(path), None, f"cannot read the file ({exc.strerror})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CodebookError(
            str(path), None, "the codebook is not UTF-8; save it as UTF-8"
        ) from None
    return parse_codebook(text.replace("\r\n", "\n"), str(path))


def _find_code_node(items: Any, code_name: str) -> Any:
    for item in items:
        if isinstance(item, dict):
            if str(item.get("name")) == code_name:
                return item
            hit = _find_code_node(item.get("children") or [], code_name)
            if hit is not None:
                return hit
    return None


def _edit_code(path: Path, code_name: str, edit: Callable[[Any], bool]) -> bool:
    """Apply edit to one code's mapping in a codebook file and save it, keeping comments.

    The result is validated before it replaces the file (written to a temporary file and
    renamed), so a failed edit never leaves a broken codebook. Returns what edit returned.
    """
    codebook = read_codebook_file(path)
    if code_name not in codebook.names():
        raise not_found("code", code_name, codebook.names(), hint=f"in {path}")
    y = _yaml()
    y.indent(mapping=2, sequence=4, offset=2)
    y.width = 4096
    data = y.load(codebook.content)
    node = _find_code_node(data["codes"] if isinstance(data, dict) else data, code_name)
    if node is None:  # written in "- name" shorthand: nothing to edit safely
        raise CodebookError(
            str(path),
            None,
            f"code {code_name!r} is not a mapping; write it as "
            "`- name: ...` to let qualcode edit it",
        )
    if not edit(node):
        return False
    buf = io.StringIO()
    if path.suffix.lower() == ".json":
        buf.write(json.dumps(json.loads(json.dumps(data)), ensure_ascii=False, indent=2) + "\n")
    else:
        y.dump(data, buf)
    parse_codebook(buf.getvalue(), str(path))  # never write a codebook we cannot read back
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(buf.getvalue(), encoding="utf-8")
    tmp.replace(path)
    return True


def add_keywords(path: Path, code_name: str, words: list[str]) -> list[str]:
    """Append keywords to a code in a codebook file, keeping its comments; returns the new ones."""
    added: list[str] = []

    def edit(node: Any) -> bool:
        existing = node.get("keywords")
        if existing is None or isinstance(existing, str):
            items = [v.strip() for v in (existing or "").split(",") if v.strip()]
            from ruamel.yaml.comments import CommentedSeq

            existing = CommentedSeq(items)
            existing.fa.set_flow_style()
            node["keywords"] = existing
        have = {str(k).lower() for k in existing}
        added.extend(
            w for w in dict.fromkeys(w.strip() for w in words) if w and w.lower() not in have
        )
        existing.extend(added)
        return bool(added)

    _edit_code(path, code_name, edit)
    return added


def rename_code_in_file(path: Path, old: str, new: str) -> bool:
    """Rename a code in a codebook file (keeping comments); False if the file lacks it."""
    try:
        names = read_codebook_file(path).names()
    except CodebookError:
        return False
    if old not in names:
        return False

    def edit(node: Any) -> bool:
        node["name"] = new
        return True

    return _edit_code(path, old, edit)
