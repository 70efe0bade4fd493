"""Codebooks in YAML or JSON: load, validate (errors carry file:line), and edit in place."""

from __future__ import annotations

import hashlib
import io
import json
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
    "exclude_context",
    "min_score",
    "negation",
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
    # Words that veto a keyword near them: keyword -> words ("*" for every keyword).
    exclude_context: tuple[tuple[str, tuple[str, ...]], ...] = ()
    min_score: float | None = None  # passages scoring below it are not suggested
    negation: bool = True  # False: a negated keyword still counts

    def rules(self) -> dict[str, Any]:
        """Matching rules other than keywords, as stored with the code."""
        out: dict[str, Any] = {"window": self.window}
        if self.patterns:
            out["patterns"] = list(self.patterns)
        if self.exclude:
            out["exclude"] = list(self.exclude)
        if self.exclude_context:
            out["exclude_context"] = {k: list(v) for k, v in self.exclude_context}
        if self.min_score is not None:
            out["min_score"] = self.min_score
        if not self.negation:
            out["negation"] = False
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
        # A stack, not recursion: nested generators cost O(depth) per step.
        stack: list[Iterator[tuple[int, CodeSpec]]] = [iter(enumerate(self.codes))]
        parents: list[str | None] = [None]
        while stack:
            step = next(stack[-1], None)
            if step is None:
                stack.pop()
                parents.pop()
                continue
            i, code = step
            yield code, parents[-1], i
            if code.children:
                stack.append(iter(enumerate(code.children)))
                parents.append(code.name)

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
        return int(lc.line) + 1 if isinstance(lc.line, int) else None


MAX_CODE_DEPTH = 100  # levels of `children:`; README: "any depth" up to this
# Each code level is two YAML levels (the code's mapping and its `children:` list or its
# keywords), plus the top mapping and `codes:`.
MAX_YAML_DEPTH = 2 * MAX_CODE_DEPTH + 2
# Aliases (*name) repeat an anchored (&name) node; a few hundred bytes of nested aliases
# expand to billions of nodes (the "billion laughs"). Codebooks that share a keyword list
# stay far below this.
MAX_ALIAS_NODES = 100_000
MAX_CODEBOOK_CHARS = 5_000_000  # ruamel reads about 1 MB/s; real codebooks are a few kB
MAX_NUMBER_DIGITS = 1000  # Python refuses to read integers over 4,300 digits
_PLAIN_TAGS = {
    f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq")
}
_SURROGATE = re.compile("[\ud800-\udfff]")
_NUMBER_LIKE = re.compile(r"[-+]?[0-9][0-9a-fA-FxXoObB_:.eE+-]*")


_BRACKETS = re.compile(r"[\[\]{}]")


def _check_brackets(text: str, source: str) -> None:
    """Refuse flow nesting ([[[... or {{{...) past the limit before ruamel scans it.

    ruamel's scanner looks ahead through every open bracket (quadratic time), so the event
    check below would take seconds on a file of brackets. Brackets inside quoted text are
    counted too; a codebook never has hundreds of unclosed ones.
    """
    depth = 0
    for m in _BRACKETS.finditer(text):
        depth += 1 if m.group() in "[{" else -1
        if depth > MAX_YAML_DEPTH:
            line = text.count("\n", 0, m.start()) + 1
            raise CodebookError(
                source, line, f"nested too deeply; codes can nest up to {MAX_CODE_DEPTH} levels"
            )


def _check_events(text: str, source: str) -> None:
    """Refuse what a codebook never needs before building it: deep nesting, alias bombs,
    Python or custom tags, lone surrogates and giant numbers (each at its line).

    Walks the parser's event stream, which needs no recursion and stops at the first problem.
    """
    from ruamel.yaml.events import (
        AliasEvent,
        CollectionEndEvent,
        CollectionStartEvent,
        NodeEvent,
        ScalarEvent,
    )

    sizes: dict[str, int] = {}  # anchor -> nodes it stands for, its aliases expanded
    stack: list[list[Any]] = []  # open collections: [nodes so far, anchor]
    from_aliases = 0
    for event in _yaml().parse(text):
        line = event.start_mark.line + 1 if event.start_mark is not None else None
        if isinstance(event, NodeEvent) and not isinstance(event, AliasEvent):
            tag = getattr(event, "tag", None)
            tag = getattr(tag, "value", tag)
            if tag is not None and tag != "!" and str(tag) not in _PLAIN_TAGS:
                raise CodebookError(
                    source, line, f"unsupported YAML tag {tag}; remove it (plain values only)"
                )
        if isinstance(event, CollectionStartEvent):
            if len(stack) >= MAX_YAML_DEPTH:
                raise CodebookError(
                    source,
                    line,
                    f"nested too deeply; codes can nest up to {MAX_CODE_DEPTH} levels",
                )
            stack.append([1, event.anchor])
            continue
        if isinstance(event, CollectionEndEvent):
            n, anchor = stack.pop()
        elif isinstance(event, ScalarEvent):
            n, anchor = 1, event.anchor
            if _SURROGATE.search(event.value):
                raise CodebookError(
                    source,
                    line,
                    "text with a lone surrogate (\\ud800-\\udfff escape); "
                    "write the character itself",
                )
            if (
                event.style is None
                and len(event.value) > MAX_NUMBER_DIGITS
                and _NUMBER_LIKE.fullmatch(event.value)
            ):
                raise CodebookError(
                    source,
                    line,
                    f"a number of {len(event.value):,} digits; quote it if it is text",
                )
        elif isinstance(event, AliasEvent):
            n, anchor = sizes.get(event.anchor or "", 1), None
            from_aliases += n
            if from_aliases > MAX_ALIAS_NODES:
                raise CodebookError(
                    source,
                    line,
                    f"aliases (*{event.anchor}) expand to over {MAX_ALIAS_NODES:,} values; "
                    "write the lists out instead of nesting aliases",
                )
        else:
            continue
        if anchor:
            sizes[anchor] = n
        if stack:
            stack[-1][0] += n


@contextmanager
def _stack_room() -> Iterator[None]:
    """Room for ruamel's recursive constructor (about 8 frames per code level)."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 10 * MAX_YAML_DEPTH + 2000))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def _parse_text(text: str, source: str) -> Any:
    if len(text) > MAX_CODEBOOK_CHARS:
        raise CodebookError(
            source,
            None,
            f"{len(text):,} characters is too large for a codebook (limit "
            f"{MAX_CODEBOOK_CHARS:,}); check that it is the right file",
        )
    if source.lower().endswith(".json"):
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            raise CodebookError(source, exc.lineno, f"JSON syntax error: {exc.msg}") from None
        except (RecursionError, ValueError):  # too deep, or a number over 4,300 digits:
            pass  # the YAML checks below name the line
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.reader import ReaderError

    try:
        _check_brackets(text, source)
        _check_events(text, source)
        with _stack_room():
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
    except ReaderError as exc:  # a control character: YAML allows none of them
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        raise CodebookError(
            source,
            line,
            f"character U+{exc.character:04X} is not allowed in YAML; remove it",
        ) from None
    except YAMLError as exc:
        raise CodebookError(source, None, f"YAML error: {' '.join(str(exc).split())}") from None
    except (RecursionError, ValueError, TypeError) as exc:  # past the checks above: say so
        raise CodebookError(source, None, f"cannot read the codebook: {exc}") from None


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
    codes = tuple(
        _parse_code(item, raw_codes, i, source, seen, 1) for i, item in enumerate(raw_codes)
    )
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
    node: Any, parent: Any, index: int, source: str, seen: dict[str, int | None], depth: int
) -> CodeSpec:
    line = _line(parent, index)
    if depth > MAX_CODE_DEPTH:
        raise CodebookError(
            source, line, f"nested too deeply; codes can nest up to {MAX_CODE_DEPTH} levels"
        )
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
        _parse_code(child, raw_children, i, source, seen, depth + 1)
        for i, child in enumerate(raw_children)
    )
    return CodeSpec(
        exclude_context=_exclude_context(node, source, where),
        min_score=_min_score(node, source, where),
        negation=_negation(node, source, where),
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


def _exclude_context(node: Any, source: str, where: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """`exclude_context`: a list (vetoes every keyword) or a mapping keyword -> words."""
    value = node.get("exclude_context")
    if value is None:
        return ()
    if isinstance(value, (list, str)):
        return (("*", _str_list(node, "exclude_context", source, where)),)
    if not isinstance(value, dict):
        raise CodebookError(
            source,
            _line(node, "exclude_context"),
            f"{where}: `exclude_context` must be a list of words, or map a keyword to words",
        )
    out = []
    for keyword in value:
        if isinstance(keyword, (dict, list)) or str(keyword).strip() == "":
            raise CodebookError(
                source, _line(value, keyword), f"{where}: `exclude_context` keys must be keywords"
            )
        words = _str_list(value, keyword, source, f"{where}, exclude_context")
        out.append((str(keyword).strip(), words))
    return tuple(out)


def _min_score(node: Any, source: str, where: str) -> float | None:
    value = node.get("min_score")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise CodebookError(
            source,
            _line(node, "min_score"),
            f"{where}: `min_score` must be a number from 0 to 1, e.g. 0.5",
        )
    return float(value)


def _negation(node: Any, source: str, where: str) -> bool:
    value = node.get("negation", True)
    if not isinstance(value, bool):
        raise CodebookError(
            source, _line(node, "negation"), f"{where}: `negation` must be true or false"
        )
    return value


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
    with _stack_room():  # the codebook passed the checks; deep ones need the room
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


def remove_keywords(
    path: Path, code_name: str, words: list[str], *, patterns: list[str] | None = None
) -> list[str]:
    """Remove keywords (and patterns) from a code in a codebook file, keeping its comments;
    returns the ones removed."""
    removed: list[str] = []
    drop = {w.strip().lower() for w in words}
    drop_patterns = set(patterns or ())

    def edit(node: Any) -> bool:
        existing = node.get("keywords")
        if isinstance(existing, str):
            kept = [v.strip() for v in existing.split(",") if v.strip()]
            removed.extend(k for k in kept if k.lower() in drop)
            node["keywords"] = ", ".join(k for k in kept if k.lower() not in drop)
        elif existing is not None:
            # Deleting items in place keeps the sequence (and the comments on the others).
            for i in reversed(range(len(existing))):
                if str(existing[i]).strip().lower() in drop:
                    removed.insert(0, str(existing[i]))
                    del existing[i]
        found = node.get("patterns") if drop_patterns else None
        if found is not None and not isinstance(found, str):
            for i in reversed(range(len(found))):
                if str(found[i]) in drop_patterns:
                    removed.insert(0, str(found[i]))
                    del found[i]
        return bool(removed)

    _edit_code(path, code_name, edit)
    return removed


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
