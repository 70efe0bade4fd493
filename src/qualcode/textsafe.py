"""Making stored text safe on the way out: for XML files (XLSX, DOCX, HTML) and the terminal.

The project keeps every transcript exactly as imported; only what is written out changes.
Both helpers replace one character with one character, so offsets into a text (tag spans,
highlights) stay valid on the cleaned copy.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

REPLACEMENT = "\ufffd"

# XML 1.0 allows tab, LF, CR, U+0020-U+D7FF, U+E000-U+FFFD and U+10000 up; anything else
# (NUL, ESC, vertical tab, lone surrogates, U+FFFE/U+FFFF) makes openpyxl and python-docx
# refuse the whole file.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# C0 controls except tab and newline, DEL and the C1 controls: a terminal acts on them
# (ESC starts colour, cursor and title sequences; CR overwrites the line; C1 CSI is ESC [).
_TERMINAL_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def _picture(match: re.Match[str]) -> str:
    """The visible stand-in for a control character: its Unicode control picture."""
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ ... ␛ ... ␟
    if code == 0x7F:
        return "\u2421"  # ␡
    return REPLACEMENT


def xml_safe(text: str) -> str:
    """Text with every character XML 1.0 forbids replaced by U+FFFD (same length)."""
    return _XML_ILLEGAL.sub(REPLACEMENT, text)


def terminal_safe(text: str) -> str:
    """Text with C0/C1 control characters (except newline and tab) shown as visible symbols.

    ESC becomes ␛, NUL ␀, CR ␍ and so on; C1 controls and lone surrogates become U+FFFD.
    One character for one, so offsets still line up.
    """
    return _TERMINAL_UNSAFE.sub(_picture, text)


def map_strings(obj: T, fn: Callable[[str], str]) -> T:
    """A copy of obj (dataclasses, dicts, lists, tuples) with fn applied to every string."""
    return _walk(obj, fn)  # type: ignore[no-any-return]


def _walk(obj: Any, fn: Callable[[str], str]) -> Any:
    if isinstance(obj, str):
        return fn(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        changes = {
            f.name: _walk(getattr(obj, f.name), fn) for f in dataclasses.fields(obj) if f.init
        }
        return dataclasses.replace(obj, **changes)
    if isinstance(obj, dict):
        return {_walk(k, fn): _walk(v, fn) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_walk(v, fn) for v in obj]
    if isinstance(obj, tuple):
        return tuple(_walk(v, fn) for v in obj)
    return obj
