"""What a code's rules found in a transcript, kept as data so unchanged pairs are not matched again.

`suggest` matches a (transcript, code) pair only when its fingerprint changed: the
transcript's text, turns and the turns suggested on, the code's compiled rules (keywords with
their keys, excludes, patterns, window, context vetoes, min_score, negation), the pipeline
version and MATCH_VERSION. A re-run with nothing changed matches nothing and never loads a
token table; after a one-keyword edit only that code is matched again. The passages are
stored as compressed JSON (plain data, never pickled), one row per pair in `match_cache`.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .matching import Hit, Passage
from .pipeline import pipeline_version

if TYPE_CHECKING:
    from .cache import TranscriptText
    from .matching import CodeRules

# Bump when matching.py finds something else for the same rules and text.
MATCH_VERSION = "1"


def rules_fingerprint(rule: CodeRules) -> str:
    """A hash of everything in a code's compiled rules that decides what it matches."""
    data = [
        MATCH_VERSION,
        pipeline_version(rule.lang),
        rule.code,
        rule.code_id,
        rule.lang,
        [[p.text, list(p.keys)] for p in rule.keywords],
        [[p.text, list(p.keys)] for p in rule.excludes],
        [[p.pattern, p.flags] for p in rule.patterns],
        rule.window,
        [[k, [[p.text, list(p.keys)] for p in words]] for k, words in rule.context_vetoes],
        rule.min_score,
        rule.negation,
    ]
    return _digest(json.dumps(data, ensure_ascii=False))


def transcript_fingerprint(item: TranscriptText, only_turns: set[int] | None) -> str:
    """A hash of a transcript's text, turns and the turns suggested on (None: all)."""
    wanted = "all" if only_turns is None else ",".join(map(str, sorted(only_turns)))
    return _digest(f"{item.sha256}|{item.signature()}|{wanted}")


def pair_fingerprint(transcript_fp: str, rules_fp: str) -> str:
    """The fingerprint of one (transcript, code) entry."""
    return _digest(f"{transcript_fp}|{rules_fp}")


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:24]


def _hit_row(h: Hit) -> list[Any]:
    return [h.term, h.kind, h.start, h.end, h.first, h.last]


def encode(passages: Sequence[Passage]) -> bytes:
    """One code's passages in one transcript as compressed JSON."""
    rows = [
        [
            p.turn_index,
            p.start,
            p.end,
            p.score,
            [_hit_row(h) for h in p.hits],
            [_hit_row(h) for h in p.context],
        ]
        for p in passages
    ]
    return zlib.compress(json.dumps(rows, ensure_ascii=False).encode("utf-8"), 1)


def decode(data: bytes, code: str, code_id: int) -> list[Passage] | None:
    """The passages in an entry; None when it cannot be read (it is then matched again)."""
    try:
        rows = json.loads(zlib.decompress(data).decode("utf-8"))
        return [
            Passage(
                code,
                code_id,
                int(r[0]),
                int(r[1]),
                int(r[2]),
                float(r[3]),
                tuple(Hit(*h) for h in r[4]),
                tuple(Hit(*h) for h in r[5]),
            )
            for r in rows
        ]
    except (zlib.error, UnicodeDecodeError, ValueError, TypeError, IndexError):
        return None
