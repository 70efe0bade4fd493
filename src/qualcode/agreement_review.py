"""Where coders differ, and the final coding a reviewer settles from their decisions.

Pure, on the same plain data as `agreement`: coded spans and units with their extents. The
walk is by unit presence (a coder applied a code in a unit or did not), whatever
`AgreementOptions.unit` says: a reviewer settles a turn, not a run of characters. Text, the
interviewer's question before a turn and the recording of decisions belong to the caller.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .agreement import (
    AgreementOptions,
    CodedSpan,
    SpanIndex,
    Unit,
    build_index,
    code_mask,
    unit_items,
)
from .errors import QualcodeError


@dataclass(frozen=True)
class CodeSplit:
    """One code some coders applied in a unit and others did not."""

    code: str
    applied_by: tuple[str, ...]
    not_applied_by: tuple[str, ...]


@dataclass(frozen=True)
class Disagreement:
    """A unit where coders differ, with each coder's codes there and the split codes."""

    transcript: str
    key: int | str
    start: int  # first character of the unit
    end: int  # end of its last extent
    extents: tuple[tuple[int, int], ...]
    coders: tuple[str, ...]  # coders who saw the unit
    codes_by_coder: tuple[tuple[str, tuple[str, ...]], ...]  # every compared code they applied
    splits: tuple[CodeSplit, ...]


@dataclass(frozen=True)
class Decision:
    """A reviewer's ruling on one code in one unit: whose tags stand (() keeps neither)."""

    transcript: str
    key: int | str
    code: str
    keep: tuple[str, ...]


@dataclass(frozen=True)
class UnitCode:
    """One code in one unit."""

    transcript: str
    key: int | str
    code: str


@dataclass(frozen=True)
class FinalSpan:
    """A passage of the final coding, clipped to its unit; overlapping kept tags are merged."""

    transcript: str
    key: int | str
    code: str
    start: int
    end: int
    coders: tuple[str, ...]  # whose tags it comes from
    decided: bool  # True: a reviewer's decision; False: every coder who saw the unit agreed


@dataclass(frozen=True)
class FinalCoding:
    """The settled coding, the disagreements still open, and decisions that matched nothing."""

    spans: tuple[FinalSpan, ...]
    unresolved: tuple[UnitCode, ...]
    unmatched: tuple[Decision, ...]  # unit not compared, code not compared, or nobody applied it


def _masks(ix: SpanIndex) -> tuple[Any, Any]:
    """Coder bit masks per unit and code (units x codes); and the units' seen masks."""
    import numpy as np

    items = unit_items(ix)
    matrix = np.zeros((len(ix.unit_ids), len(ix.codes)), dtype=np.int64)
    for j, code in enumerate(ix.codes):
        matrix[:, j] = code_mask(ix, items, code)
    return matrix, items.seen


def _namer(ix: SpanIndex) -> Callable[[int], tuple[str, ...]]:
    """Coder names of a bit mask, memoised: a project has few distinct coder sets."""
    cache: dict[int, tuple[str, ...]] = {}

    def names(mask: int) -> tuple[str, ...]:
        got = cache.get(mask)
        if got is None:
            got = cache[mask] = tuple(c for k, c in enumerate(ix.coders) if mask >> k & 1)
        return got

    return names


def disagreements(
    spans: Iterable[CodedSpan], units: Iterable[Unit], options: AgreementOptions | None = None
) -> list[Disagreement]:
    """Units where some coders applied a code and others did not, by transcript and text order."""
    import numpy as np

    ix = build_index(spans, units, options or AgreementOptions())
    matrix, seen = _masks(ix)
    names = _namer(ix)
    split = (matrix != 0) & (matrix != seen[:, None])
    rows = np.flatnonzero(split.any(axis=1))
    out: list[Disagreement] = []
    # unit_ids are already in transcript, then text order.
    for u, masks, seen_mask in zip(
        rows.tolist(), matrix[rows].tolist(), seen[rows].tolist(), strict=True
    ):
        applied: dict[str, list[str]] = defaultdict(list)
        splits: list[CodeSplit] = []
        for code, m in zip(ix.codes, masks, strict=True):
            if not m:
                continue
            for name in names(m):
                applied[name].append(code)
            if m != seen_mask:
                splits.append(CodeSplit(code, names(m), names(seen_mask & ~m)))
        transcript, key = ix.unit_ids[u]
        extents = tuple(ix.unit_extents[u])
        who = names(seen_mask)
        out.append(
            Disagreement(
                transcript=transcript,
                key=key,
                start=extents[0][0],
                end=extents[-1][1],
                extents=extents,
                coders=who,
                codes_by_coder=tuple((c, tuple(applied.get(c, ()))) for c in who),
                splits=tuple(splits),
            )
        )
    return out


def _clipped_spans(ix: SpanIndex) -> dict[tuple[int, str], list[tuple[int, int, int]]]:
    """(unit, code) -> (start, end, coder index) of every span clipped to the unit's extents."""
    import numpy as np

    out: dict[tuple[int, str], list[tuple[int, int, int]]] = defaultdict(list)
    for (code, k), (gs, ge) in ix.spans.items():
        i0 = np.searchsorted(ix.ext_end, gs, side="right")
        i1 = np.searchsorted(ix.ext_start, ge, side="left")
        # One row per (span, extent it overlaps); nearly every span overlaps exactly one.
        counts = np.maximum(i1 - i0, 0)
        rows = np.repeat(np.arange(len(gs)), counts)
        ext = np.repeat(i0, counts) + (
            np.arange(len(rows)) - np.repeat(np.cumsum(counts) - counts, counts)
        )
        base = ix.ext_start[ext] - ix.ext_start[ext] % ix.stride
        lo = np.maximum(gs[rows], ix.ext_start[ext]) - base
        hi = np.minimum(ge[rows], ix.ext_end[ext]) - base
        for u, a, b in zip(ix.ext_unit[ext].tolist(), lo.tolist(), hi.tolist(), strict=True):
            out[(u, code)].append((a, b, k))
    return out


def _merge(pieces: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Union of intervals, each with the bit mask of the coders whose pieces it joins."""
    merged: list[tuple[int, int, int]] = []
    for lo, hi, k in sorted(pieces):
        if merged and lo <= merged[-1][1]:
            mlo, mhi, mask = merged[-1]
            merged[-1] = (mlo, max(mhi, hi), mask | 1 << k)
        else:
            merged.append((lo, hi, 1 << k))
    return merged


def final_coding(
    spans: Iterable[CodedSpan],
    units: Iterable[Unit],
    decisions: Iterable[Decision],
    options: AgreementOptions | None = None,
) -> FinalCoding:
    """The final coding: agreed tags stand, decided ones as ruled, the rest stay unresolved."""
    ix = build_index(spans, units, options or AgreementOptions())
    coder_ix = {c: i for i, c in enumerate(ix.coders)}
    unit_ix = {ident: i for i, ident in enumerate(ix.unit_ids)}
    import numpy as np

    matrix, seen = _masks(ix)
    code_ix = {c: j for j, c in enumerate(ix.codes)}
    names = _namer(ix)
    ruled: dict[tuple[int, str], int] = {}
    unmatched: list[Decision] = []
    for d in decisions:
        strangers = [c for c in d.keep if c not in coder_ix]
        if strangers:
            raise QualcodeError(
                f"decision on {d.code!r} in {d.transcript!r} {d.key} keeps {strangers[0]!r}, "
                f"who is not among the compared coders ({', '.join(ix.coders)})"
            )
        u = unit_ix.get((d.transcript, d.key))
        if u is None or d.code not in code_ix or not matrix[u, code_ix[d.code]]:
            unmatched.append(d)
            continue
        ruled[(u, d.code)] = sum(1 << coder_ix[c] for c in d.keep)
    pieces = _clipped_spans(ix)
    out: list[FinalSpan] = []
    unresolved: list[UnitCode] = []
    units_ix, codes_ix = np.nonzero(matrix)  # row-major: unit order, then code order
    for u, j, m, seen_mask in zip(
        units_ix.tolist(),
        codes_ix.tolist(),
        matrix[units_ix, codes_ix].tolist(),
        seen[units_ix].tolist(),
        strict=True,
    ):
        code = ix.codes[j]
        transcript, key = ix.unit_ids[u]
        decided = (u, code) in ruled
        if decided:
            keep = ruled[(u, code)]
        elif m == seen_mask:
            keep = m
        else:
            unresolved.append(UnitCode(transcript, key, code))
            continue
        kept = [p for p in pieces.get((u, code), []) if keep >> p[2] & 1]
        for lo, hi, who in _merge(kept):
            out.append(FinalSpan(transcript, key, code, lo, hi, names(who), decided))
    return FinalCoding(tuple(out), tuple(unresolved), tuple(unmatched))
