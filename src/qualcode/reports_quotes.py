"""Quotes by code: the passages behind a theme, with who said them, grouped by attributes."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .ratings import whole_number
from .reports import (
    Group,
    _facts_by_code,
    _select,
    all_groups,
    resolve_attributes,
    respondent_groups,
)
from .teamwork import TagView, prepare_view

MAX_GROUP_VALUES = 12

if TYPE_CHECKING:
    from .store import Store


def grouping_attributes(store: Store) -> list[str]:
    """Attributes that group respondents, those with most values first (town before role).

    2-12 values, mostly shared, not numbers (ratings). Dates, organisations and other mostly
    unique values are left out: they make groups of one and identify people in quotes.
    """
    rows = store.respondents.key_counts()
    values: dict[str, list[str]] = {}
    for _, key, value in store.respondents.all_values():
        values.setdefault(key, []).append(value)
    out = []
    for key, distinct, _ in rows:
        # Mostly unique values (an organisation, a date) make groups of one: no grouping.
        singles = sum(1 for c in Counter(values[key]).values() if c == 1)
        if not 2 <= distinct <= MAX_GROUP_VALUES or singles > distinct / 2:
            continue
        if all(whole_number(v) is not None for v in values[key]):
            continue
        out.append((-distinct, key))
    return [key for _, key in sorted(out)]


def _attributes(store: Store, keys: Sequence[str]) -> dict[str, dict[str, str]]:
    """Respondent -> the chosen attributes."""
    rows = store.respondents.all_values()
    wanted = set(keys)
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for rid, key, value in rows:
        if key in wanted:
            out[rid][key] = value
    return out


@dataclass(frozen=True)
class Quote:
    """One passage tagged with a code (or one of its children), with its respondent."""

    code: str
    transcript: str
    turn: int | None
    respondent: str
    attributes: dict[str, str]
    text: str
    start: int
    end: int

    @property
    def source(self) -> str:
        """Where the quote comes from: respondent, transcript and turn."""
        where = (
            self.respondent
            if self.respondent == self.transcript
            else (f"{self.respondent}, {self.transcript}")
        )
        return where + (f", turn {self.turn}" if self.turn is not None else "")


@dataclass(frozen=True)
class QuoteGroup:
    """The quotes of one group (all respondents when there is no grouping)."""

    key: Group
    respondents: int
    total: int  # quotes before --limit
    quotes: list[Quote]


@dataclass(frozen=True)
class QuoteReport:
    """Quotes of one code, grouped by the `by` attributes."""

    code: str
    label: str | None
    color: str | None
    by: tuple[str, ...]
    groups: list[QuoteGroup]
    view: str = ""  # whose tags: '' for all, 'coder NAME', or 'final coding; ...'

    @property
    def count(self) -> int:
        """Quotes shown (after the limit)."""
        return sum(len(g.quotes) for g in self.groups)


def quotes(
    store: Store,
    codes: Sequence[str] | None = None,
    *,
    by: Sequence[str] = (),
    limit: int | None = None,
    skip_empty: bool = False,
    attributes: Sequence[str] | None = None,
    view: TagView | None = None,
) -> list[QuoteReport]:
    """Quotes of each code (with its children), each passage once, in transcript order.

    At most `limit` per group; every code when none are named. Each quote carries the
    respondent's `attributes` (default: `by` and the grouping attributes).
    """
    if limit is not None and limit < 0:
        from .errors import QualcodeError

        raise QualcodeError("--limit must be 0 or more")
    by = resolve_attributes(store, by)
    all_codes, selected = _select(store, codes)
    names = {c.id: c.name for c in all_codes}
    groups_of = respondent_groups(store, by)
    sizes = all_groups(groups_of, by)
    note = prepare_view(store, view)
    facts = _facts_by_code(store, all_codes, selected, with_text=True, view=view)
    shown = attributes if attributes is not None else [*by, *grouping_attributes(store)]
    attrs = _attributes(store, shown)
    reports = []
    for code in selected:
        split: dict[Group, list[Quote]] = defaultdict(list)
        seen: set[tuple[int, int, int]] = set()
        for f in facts[code.id]:
            if (f.transcript_id, f.start, f.end) in seen:
                continue
            seen.add((f.transcript_id, f.start, f.end))
            key = groups_of.get(f.respondent, ())
            split[key].append(
                Quote(
                    names[f.code_id],
                    f.transcript,
                    f.turn,
                    f.respondent,
                    dict(attrs.get(f.respondent, {})),
                    f.text.strip(),
                    f.start,
                    f.end,
                )
            )
        groups = [
            QuoteGroup(
                key,
                size,
                len(split.get(key, [])),
                split.get(key, [])[:limit] if limit is not None else split.get(key, []),
            )
            for key, size in sizes.items()
        ]
        report = QuoteReport(code.name, code.label, code.color, tuple(by), groups, note)
        if report.count or not skip_empty:
            reports.append(report)
    return reports
