"""Which rules work: each keyword and pattern with its suggestions and the share accepted.

Counts come from the `matched` terms stored with every suggestion and the coders' review
decisions on them. A keyword found through its diacritic-free key ("folded") counts for the
keyword itself. Removal is proposed for a term whose accepted share is under a threshold
once enough of its suggestions were decided; `prune` removes those from the codebook file
(comments kept) and reloads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import QualcodeError

if TYPE_CHECKING:
    from .codebook_ops import CodebookLoad
    from .store import Store

THRESHOLD = 0.3  # propose removal when fewer than this share of decided suggestions were accepted
MIN_DECIDED = 5  # ... and at least this many were decided (one rejection proves nothing)


@dataclass(frozen=True)
class RuleStat:
    """One keyword or pattern of a code and how its suggestions fared in review."""

    code: str
    term: str
    kind: str  # keyword | pattern
    suggestions: int
    accepted: int
    rejected: int
    pending: int  # pending or skipped
    accepted_share: float | None  # accepted / decided; None before any decision
    remove: bool  # proposed for removal


@dataclass(frozen=True)
class Pruned:
    """What `rules --prune` removed from the codebook file."""

    path: Path
    removed: tuple[RuleStat, ...]
    load: CodebookLoad | None


def rule_stats(
    store: Store, *, threshold: float = THRESHOLD, min_decided: int = MIN_DECIDED
) -> list[RuleStat]:
    """Every keyword and pattern of the active codes with its review record, by code."""
    counts: dict[tuple[str, str, str], dict[str, int]] = {}
    for code, term, kind, status, n in store.suggestions.term_stats():
        if kind in ("context", "exclude") or term is None:
            continue  # the question's support and vetoes are not the code's own rules
        kind = "pattern" if kind == "pattern" else "keyword"
        slot = counts.setdefault((code, term, kind), {})
        slot[status] = slot.get(status, 0) + n
    for c in store.codes.all(include_inactive=False):
        for k in c.keywords:
            counts.setdefault((c.name, k, "keyword"), {})
        for p in c.rules.get("patterns", []):
            counts.setdefault((c.name, p, "pattern"), {})
    out = []
    for (code, term, kind), by in sorted(counts.items()):
        acc, rej = by.get("accepted", 0), by.get("rejected", 0)
        share = acc / (acc + rej) if acc + rej else None
        out.append(
            RuleStat(
                code,
                term,
                kind,
                sum(by.values()),
                acc,
                rej,
                by.get("pending", 0) + by.get("skipped", 0),
                round(share, 3) if share is not None else None,
                share is not None and acc + rej >= min_decided and share < threshold,
            )
        )
    return out


def prune(store: Store, *, threshold: float = THRESHOLD, min_decided: int = MIN_DECIDED) -> Pruned:
    """Remove the proposed terms from the codebook file (comments kept) and reload it."""
    from .codebook import remove_keywords
    from .codebook_ops import load_codebook

    row = store.codes.latest_version()
    source = Path(row["source"]) if row and row["source"] else None
    if (
        source is None
        or not source.is_file()
        or source.suffix.lower()
        not in (
            ".yaml",
            ".yml",
            ".json",
        )
    ):
        raise QualcodeError(
            f"the codebook file {source or '(unknown)'} is not there or is not YAML/JSON; "
            "load the codebook again with `qualcode codebook load FILE`"
        )
    stats = [s for s in rule_stats(store, threshold=threshold, min_decided=min_decided) if s.remove]
    by_code: dict[str, list[RuleStat]] = {}
    for s in stats:
        by_code.setdefault(s.code, []).append(s)
    removed: list[RuleStat] = []
    for code, items in by_code.items():
        words = [s.term for s in items if s.kind == "keyword"]
        patterns = [s.term for s in items if s.kind == "pattern"]
        gone = set(remove_keywords(source, code, words, patterns=patterns))
        removed.extend(s for s in items if s.term in gone)
    load = load_codebook(store, source) if removed else None
    return Pruned(source, tuple(removed), load)
