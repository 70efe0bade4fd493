"""Pseudonyms for export: replace respondents' and other people's names, inflected forms too.

Latvian names inflect (Jānis, Jāņa, Jānim, Jāni; Anita, Anitas, Anitai, Anitu; Bērziņš,
Bērziņa, Bērziņam), so a name is matched as its stem followed by any Latvian noun ending,
with the consonant alternation of the genitive (n -> ņ, l -> ļ, ...) for -is and -e names.
A word only matches when it starts with a capital letter, as the name does, so surnames that
are also common words (Liepa, Egle) are not replaced in lowercase prose. Stored transcripts
never change: the table is applied to the rows of an export.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .errors import QualcodeError

if TYPE_CHECKING:
    from .store import Store

T = TypeVar("T")

# Nominative endings stripped to find the stem, longest first.
NOMINATIVE = ("is", "us", "š", "s", "a", "e")
# Every case ending of Latvian nouns (all declensions, singular and plural).
ENDINGS = (
    "a", "as", "ai", "u", "ā", "ām", "ās", "am", "s", "š", "is", "im", "i", "ī", "iem", "us",
    "um", "ū", "os", "e", "es", "ei", "ē", "ēm", "ēs", "o",
)  # fmt: skip
# Consonant alternation before the genitive ending of -is nouns and the plural of -e nouns.
ALTERNATION = (
    ("ln", "ļņ"), ("sn", "šņ"), ("zn", "žņ"), ("sl", "šļ"), ("zl", "žļ"), ("ll", "ļļ"),
    ("nn", "ņņ"), ("dz", "dž"), ("b", "bj"), ("p", "pj"), ("m", "mj"), ("v", "vj"), ("n", "ņ"),
    ("l", "ļ"), ("s", "š"), ("z", "ž"), ("t", "š"), ("d", "ž"), ("c", "č"),
)  # fmt: skip
_MARKS = "\u0300-\u036f"  # combining marks: NFD text (macOS exports) has them after letters
_WORD_CHARS = rf"\w{_MARKS}"


@dataclass(frozen=True)
class Pseudonym:
    """A real name and what replaces it on export."""

    name: str
    pseudonym: str


def stems(token: str) -> tuple[list[str], tuple[str, ...]]:
    """A name token -> (its stems, the endings that may follow them)."""
    word = unicodedata.normalize("NFC", token)
    lower = word.casefold()
    for ending in NOMINATIVE:
        stem = word[: -len(ending)]
        if lower.endswith(ending) and len(stem) >= 2:
            out = [stem]
            if ending in ("is", "e"):
                for plain, palatal in ALTERNATION:
                    if stem.endswith(plain):
                        out.append(stem[: -len(plain)] + palatal)
                        break
            return out, ENDINGS
    return [word], ("", *ENDINGS)  # no Latvian ending (John, Ingrid): add endings to it


def _forms(token: str) -> list[str]:
    """Every inflected form of a name token, NFC and NFD, longest first."""
    stem_list, endings = stems(token)
    forms = {stem + e for stem in stem_list for e in endings}
    forms |= {unicodedata.normalize("NFD", f) for f in forms}
    return sorted(forms, key=lambda f: (-len(f), f))


def _token_pattern(token: str) -> str:
    return "(?:" + "|".join(re.escape(f) for f in _forms(token)) + ")"


class Anonymizer:
    """Replaces every name of a pseudonym table, in any inflected form, in text."""

    def __init__(self, table: Iterable[Pseudonym]) -> None:
        entries: list[tuple[str, str]] = []  # (regex of one name or name part, pseudonym)
        full = sorted(table, key=lambda p: (-len(p.name.split()), -len(p.name), p.name))
        for p in full:
            tokens = p.name.split()
            if tokens:
                entries.append((r"\s+".join(_token_pattern(t) for t in tokens), p.pseudonym))
        for p in full:  # then each part of a multi-word name on its own ("Bērziņa kundze")
            parts = p.name.split()
            if len(parts) > 1:
                entries += [(_token_pattern(t), p.pseudonym) for t in parts if len(t) >= 3]
        self.pseudonyms = [e[1] for e in entries]
        self._regex = None
        if entries:
            body = "|".join(f"(?P<n{i}>{rx})" for i, (rx, _) in enumerate(entries))
            self._regex = re.compile(
                rf"(?<![{_WORD_CHARS}])(?:{body})(?![{_WORD_CHARS}])", re.IGNORECASE
            )

    def __bool__(self) -> bool:
        return self._regex is not None

    def text(self, value: str) -> str:
        """The text with every name replaced by its pseudonym."""
        if self._regex is None or not value:
            return value

        def swap(m: re.Match[str]) -> str:
            found = m.group(0)
            if not found[0].isupper():  # names are written with a capital letter
                return found
            return self.pseudonyms[int((m.lastgroup or "n0")[1:])]

        return self._regex.sub(swap, value)

    def apply(self, obj: T) -> T:
        """A copy of obj (dataclasses, dicts, lists, tuples) with every string anonymised."""
        from .textsafe import map_strings

        return map_strings(obj, self.text)


# -- the pseudonym table (migration m003) ----------------------------------------------


def _check(name: str, pseudonym: str, where: str = "") -> tuple[str, str]:
    name, pseudonym = " ".join(name.split()), " ".join(pseudonym.split())
    if not name or not pseudonym:
        raise QualcodeError(
            f"{where}give both a name and its pseudonym, e.g. "
            '`qualcode pseudonyms add "Jānis Bērziņš" R-07`'
        )
    if len(name.replace(" ", "")) < 2:
        raise QualcodeError(f"{where}the name {name!r} is too short to replace safely")
    return name, pseudonym


def list_pseudonyms(store: Store) -> list[Pseudonym]:
    """The pseudonym table, by name."""
    return [Pseudonym(*r) for r in store.pseudonyms.all()]


def _save(store: Store, pairs: Sequence[tuple[str, str]]) -> None:
    with store.write():
        store.pseudonyms.save(pairs)


def add_pseudonym(store: Store, name: str, pseudonym: str) -> Pseudonym:
    """Add (or change) one name's pseudonym."""
    pair = _check(name, pseudonym)
    _save(store, [pair])
    return Pseudonym(*pair)


def remove_pseudonym(store: Store, name: str) -> bool:
    """Remove a name from the table; False when it was not there."""
    with store.write():
        return store.pseudonyms.remove(" ".join(name.split()))


def load_pseudonyms(store: Store, path: Path) -> list[Pseudonym]:
    """Load name,pseudonym pairs from a CSV (a header row is recognised and skipped)."""
    from .importers import decode_text

    try:
        text, _ = decode_text(Path(path).read_bytes(), name=str(path))
    except OSError as exc:
        raise QualcodeError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    pairs = []
    for line, row in enumerate(csv.reader(io.StringIO(text), dialect), start=1):
        if not any(c.strip() for c in row):
            continue
        if line == 1 and [c.strip().casefold() for c in row[:2]] == ["name", "pseudonym"]:
            continue
        if len(row) < 2:
            raise QualcodeError(f"{path}:{line}: needs two columns, name and pseudonym")
        pairs.append(_check(row[0], row[1], f"{path}:{line}: "))
    if not pairs:
        raise QualcodeError(f"{path}: no name,pseudonym rows found")
    _save(store, pairs)
    return [Pseudonym(*p) for p in pairs]


def anonymizer(store: Store) -> Anonymizer:
    """An Anonymizer for the project's pseudonym table; refuses an empty table."""
    table = list_pseudonyms(store)
    if not table:
        raise QualcodeError(
            "the pseudonym table is empty, so --anonymize would change nothing; "
            'add names with `qualcode pseudonyms add "Name" R-07` or '
            "`qualcode pseudonyms load names.csv`"
        )
    return Anonymizer(table)
