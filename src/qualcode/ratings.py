"""Survey ratings (e.g. 1-10 statements): distribution, mean, median and band shares.

Answers are respondent attributes, from the attributes CSV or `qualcode ratings load`. A
respondent of the survey is one who answered at least one of the reported statements; a
statement such a respondent skipped counts as missing, apart from the shares.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .codebook_ops import stored_codebook
from .errors import QualcodeError
from .reports import (
    Group,
    Share,
    all_groups,
    check_attributes,
    resolve_attributes,
    value_key,
)

if TYPE_CHECKING:
    from .store import Store

DEFAULT_SCALE = (1, 10)
DEFAULT_BANDS = ((8, 9), (8, 10))
# Answers that mean "no answer" rather than a bad value.
MISSING = {"", "-", "–", "?", "na", "n/a", "nan", "none", "null", "nav", "nezinu", "nav atbildes"}
_RANGE = re.compile(r"^\s*(-?\d+)\s*(?:[-–:]|\.\.)\s*(-?\d+)\s*$")


@dataclass(frozen=True)
class RatingStats:
    """Answers to one statement within one group."""

    answered: int
    missing: int
    counts: dict[int, int]  # every value of the scale, 0 when nobody gave it
    mean: float | None
    median: float | None
    bands: dict[str, Share]  # "8-9" -> n/answered

    def share(self, value: int) -> Share:
        """How many gave this value, out of those who answered."""
        return Share(self.counts.get(value, 0), self.answered)


@dataclass(frozen=True)
class RatingRow:
    """One statement overall and per group."""

    column: str
    statement: str
    overall: RatingStats
    groups: dict[Group, RatingStats]


@dataclass(frozen=True)
class RatingsReport:
    """Rating statements with their distributions."""

    scale: tuple[int, int]
    bands: tuple[tuple[int, int], ...]
    by: tuple[str, ...]
    groups: list[Group]
    rows: list[RatingRow]
    respondents: int  # respondents who answered at least one statement
    skipped: list[str]  # columns that look like ratings but are not, and why

    @property
    def values(self) -> list[int]:
        """Every value of the scale."""
        return list(range(self.scale[0], self.scale[1] + 1))


@dataclass(frozen=True)
class SurveyLoad:
    """What `ratings load` stored."""

    respondents: int
    columns: list[str]
    answers: int


def parse_range(text: str, what: str = "band") -> tuple[int, int]:
    """'8-9' -> (8, 9); a single number '1' -> (1, 1)."""
    m = _RANGE.match(text)
    if m:
        lo, hi = int(m.group(1)), int(m.group(2))
    elif text.strip().lstrip("-").isdigit():
        lo = hi = int(text)
    else:
        raise QualcodeError(f"{what} {text!r} is not LOW-HIGH; write e.g. 8-9 or 1-10")
    if lo > hi:
        raise QualcodeError(f"{what} {text!r}: LOW must not be above HIGH")
    return lo, hi


def band_label(band: tuple[int, int]) -> str:
    """(8, 9) -> '8-9'; (1, 1) -> '1'."""
    return str(band[0]) if band[0] == band[1] else f"{band[0]}-{band[1]}"


def whole_number(value: str) -> int | None:
    """'8', ' 8 ', '8.0', '8,0' -> 8; anything else None."""
    text = value.strip().replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


def is_missing(value: str | None) -> bool:
    """True for an empty or explicit no-answer value."""
    return value is None or value.strip().casefold() in MISSING


def project_scale(store: Store, scale: tuple[int, int] | None = None) -> tuple[int, int]:
    """The scale given, else the codebook's `ratings.scale`, else 1-10."""
    if scale is not None:
        return scale
    book = stored_codebook(store)
    if book is not None and book.ratings is not None:
        return book.ratings.scale
    return DEFAULT_SCALE


def _statements(store: Store) -> dict[str, str]:
    book = stored_codebook(store)
    return dict(book.ratings.statements) if book and book.ratings else {}


def _bad_values(answers: dict[str, str], scale: tuple[int, int]) -> list[str]:
    """'LV-03=11' for every answer that is not a whole number within the scale."""
    bad = []
    for rid, raw in sorted(answers.items(), key=lambda kv: value_key(kv[0])):
        if is_missing(raw):
            continue
        v = whole_number(raw)
        if v is None or not scale[0] <= v <= scale[1]:
            bad.append(f"{rid}={raw!r}")
    return bad


def _stats(
    values: list[int], missing: int, scale: tuple[int, int], bands: Sequence[tuple[int, int]]
) -> RatingStats:
    counts = dict.fromkeys(range(scale[0], scale[1] + 1), 0)
    for v in values:
        counts[v] += 1
    return RatingStats(
        answered=len(values),
        missing=missing,
        counts=counts,
        mean=statistics.fmean(values) if values else None,
        median=float(statistics.median(values)) if values else None,
        bands={
            band_label(b): Share(sum(1 for v in values if b[0] <= v <= b[1]), len(values))
            for b in bands
        },
    )


def ratings(
    store: Store,
    columns: Sequence[str] = (),
    *,
    by: Sequence[str] = (),
    scale: tuple[int, int] | None = None,
    bands: Sequence[tuple[int, int]] = (),
) -> RatingsReport:
    """Distribution, mean, median and band shares of each rating statement, overall and by group.

    Without columns: the codebook's statements and every attribute whose values are all
    whole numbers within the scale. A named column with other values is an error.
    """
    scale = project_scale(store, scale)
    all_bands = tuple(dict.fromkeys([*DEFAULT_BANDS, *bands]))
    statements = _statements(store)
    check_attributes(store, [*columns, *by])
    by = resolve_attributes(store, by)
    answers: dict[str, dict[str, str]] = defaultdict(dict)
    for rid, key, value in store.respondents.all_values():
        answers[key][rid] = value
    explicit = list(columns) or [c for c in statements if c in answers]
    chosen, skipped = list(explicit), []
    for col in explicit:
        bad = _bad_values(answers[col], scale)
        if bad:
            raise QualcodeError(
                f"ratings column {col!r} has values outside the scale "
                f"{band_label(scale)} or not whole numbers: {', '.join(bad[:20])}"
                + (f" and {len(bad) - 20} more" if len(bad) > 20 else "")
                + "; fix them in the survey CSV or pass --scale LOW-HIGH"
            )
    if not columns:
        for col in sorted(answers):
            if col in chosen or col in by:
                continue
            given = [v for v in answers[col].values() if not is_missing(v)]
            numbers = [whole_number(v) for v in given]
            if not given or any(n is None for n in numbers):
                continue
            bad = _bad_values(answers[col], scale)
            if not bad:
                chosen.append(col)
            elif len(bad) < len(given) / 2:  # mostly on the scale: probably a typo, say so
                skipped.append(
                    f"{col}: not reported, values outside {band_label(scale)}: "
                    + ", ".join(bad[:10])
                )
    surveyed = sorted(
        {rid for col in chosen for rid, v in answers[col].items() if not is_missing(v)},
        key=value_key,
    )
    groups_of = {rid: tuple(answers.get(k, {}).get(rid, "(none)") for k in by) for rid in surveyed}
    sizes = all_groups(groups_of, by)
    rows = []
    for col in chosen:
        col_answers = answers[col]
        split: dict[Group, list[int]] = defaultdict(list)
        missing: dict[Group, int] = defaultdict(int)
        for rid in surveyed:
            raw = col_answers.get(rid)
            if is_missing(raw):
                missing[groups_of[rid]] += 1
            else:
                split[groups_of[rid]].append(whole_number(raw or "") or 0)
        every = [v for vs in split.values() for v in vs]
        groups = (
            {
                key: _stats(split.get(key, []), missing.get(key, 0), scale, all_bands)
                for key in sizes
            }
            if by
            else {}
        )
        rows.append(
            RatingRow(
                col,
                statements.get(col, col),
                _stats(every, sum(missing.values()), scale, all_bands),
                groups,
            )
        )
    return RatingsReport(
        scale, all_bands, tuple(by), list(sizes) if by else [], rows, len(surveyed), skipped
    )


def load_survey(store: Store, path: Path, *, scale: tuple[int, int] | None = None) -> SurveyLoad:
    """Store a survey CSV (respondent id + one column per statement) as respondent attributes.

    Every answer must be a whole number within the scale or empty; otherwise nothing is
    stored and the error names the rows."""
    from .importing import read_attributes_csv

    scale = project_scale(store, scale)
    rows = read_attributes_csv(Path(path))
    bad = []
    for row in rows:
        for col, raw in row.attributes.items():
            v = whole_number(raw)
            if not is_missing(raw) and (v is None or not scale[0] <= v <= scale[1]):
                bad.append(f"line {row.line} ({row.respondent}) {col}={raw!r}")
    if bad:
        raise QualcodeError(
            f"{path}: answers outside the scale {band_label(scale)} or not whole numbers: "
            + "; ".join(bad[:20])
            + (f" and {len(bad) - 20} more" if len(bad) > 20 else "")
            + "; nothing was loaded (fix them, or pass --scale LOW-HIGH)"
        )
    columns = list(dict.fromkeys(c for r in rows for c in r.attributes))
    answers = 0
    with store.write():
        for row in rows:
            kept = {k: v.strip() for k, v in row.attributes.items() if not is_missing(v)}
            store.respondents.upsert(row.respondent, kept)
            answers += len(kept)
    return SurveyLoad(len({r.respondent for r in rows}), columns, answers)
