"""Inter-coder agreement on plain data: percent agreement, Cohen's kappa, Krippendorff's alpha.

Pure: it takes coded spans and units of analysis (with their character extents) and returns
row models, so it never touches the store and the terminal, every --format and every export
render the same rows. `agreement_review` builds the disagreement walk and the final coding on
the same index.

How the figures are defined:

* Every (unit, code) pair is one binary decision per coder: the coder applied the code in the
  unit (one of their spans of that code overlaps the unit's extent) or did not. At character
  level the decision is per character of the units' extents (NVivo's coding comparison).
* A coder "saw" a transcript when they tagged anything in it, or when the transcript is named
  in `AgreementOptions.transcripts` (the double-coded set: silence there counts as "not
  coded"). Transcripts seen by fewer than two of the coders are skipped. With three or more
  coders a unit only some of them saw is missing data for the others; alpha handles that.
* Percent agreement: the share of units on which every coder who saw it made the same decision.
* Cohen's kappa (two coders): (p_o - p_e) / (1 - p_e) from the 2x2 table `both`, `only_a`,
  `only_b`, `neither`.
* Krippendorff's alpha (any number of coders, nominal): 1 - (n - 1) * o_01 / (n_0 * n_1) from
  the binary coincidence matrix; checked against the `krippendorff` package in the tests.
* The overall row pools all (unit, code) decisions. Percent agreement is over all of them.
  Kappa is De Vries et al.'s (2008) pooled kappa, (mean p_o - mean p_e) / (1 - mean p_e), and
  alpha is pooled the same way, 1 - sum(D_o) / sum(D_e) over codes: each equals the mean of
  the per-code figures weighted by the chance disagreement each code leaves (1 - p_e, D_e),
  so codes nobody varied on weigh nothing. Alpha over one big (unit x code) table would
  instead count "x applies everywhere, y nowhere" as agreement, between codes.
* Kappa and alpha are undefined (None, with a note) when there is no variation: every coder
  made the same decision on every unit, e.g. nobody applied the code. We do not report 1.0:
  the coders never had to tell a case from a non-case, so their reliability was not tested
  (Krippendorff: alpha is undefined without variation; scikit-learn returns nan).

Uncoded text inflates agreement. Text that nobody coded is a `neither` decision for every code,
so a long transcript with a few tagged turns gets a high percent agreement and, at character
level, a kappa pulled up by the mass of agreed "not coded" characters (QualCoder issue #667,
NVivo's figures too). `exclude_uncoded` drops the units (or characters) that no coder tagged
with any of the compared codes, so the figures say how coders agree where someone saw
something; `overlap` (both / (both + only_a + only_b)) ignores `neither` altogether.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from .errors import QualcodeError

if TYPE_CHECKING:
    from numpy.typing import NDArray

UnitKind = Literal["turn", "respondent", "character"]
UNIT_KINDS: tuple[str, ...] = ("turn", "respondent", "character")
# Coder sets are bit masks packed with a decision mask into one int64 key.
MAX_CODERS = 31


@dataclass(frozen=True)
class CodedSpan:
    """One tag as agreement sees it: `coder` applied `code` to text[start:end]."""

    transcript: str
    coder: str
    code: str
    start: int
    end: int


@dataclass(frozen=True)
class Unit:
    """One extent of a unit of analysis; Units sharing transcript and key form one unit."""

    transcript: str
    key: int | str  # turn number, or respondent name for respondent-level units
    start: int
    end: int


@dataclass(frozen=True)
class AgreementOptions:
    """What to compare: unit kind, codes, coders, the double-coded transcripts."""

    unit: UnitKind = "turn"
    codes: Sequence[str] | None = None  # None: every code the coders applied
    coders: Sequence[str] | None = None  # None: every coder with a span
    exclude_uncoded: bool = False
    transcripts: Sequence[str] | None = None  # None: the transcripts each coder tagged

    def __post_init__(self) -> None:
        if self.unit not in UNIT_KINDS:
            raise QualcodeError(f"unknown unit {self.unit!r}; use one of {', '.join(UNIT_KINDS)}")
        # Tuples keep the options hashable and free of aliasing; duplicates would double-count.
        for name in ("codes", "coders", "transcripts"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, tuple(dict.fromkeys(value)))


@dataclass(frozen=True)
class AgreementRow:
    """Agreement on one code (or, with code None, over all codes) among the coders."""

    code: str | None  # None: the overall row
    unit: UnitKind
    coders: tuple[str, ...]
    units: int  # units compared (characters at character level)
    decisions: int  # (unit, code) decisions: units, or units x codes on the overall row
    coded: tuple[int, ...]  # per coder: decisions where they applied the code
    percent_agreement: float  # 0..100
    kappa: float | None  # two coders only; None when undefined
    alpha: float | None  # None when undefined
    both: int | None = None  # the 2x2 table, two coders only
    only_a: int | None = None
    only_b: int | None = None
    neither: int | None = None
    overlap: float | None = None  # 0..100: both / (both + only_a + only_b), two coders only
    note: str = ""


@dataclass(frozen=True)
class AgreementTable:
    """Per-code rows and the overall row, with what was compared and what was skipped."""

    unit: UnitKind
    coders: tuple[str, ...]
    rows: tuple[AgreementRow, ...]
    overall: AgreementRow
    transcripts: tuple[str, ...]  # compared: seen by two or more of the coders
    skipped_transcripts: tuple[str, ...]  # tagged by only one of the coders
    excluded: int  # units (characters) dropped by exclude_uncoded


@dataclass
class SpanIndex:
    """Units and spans laid on one global axis: transcript i's offsets shifted by i * stride."""

    coders: tuple[str, ...]
    codes: tuple[str, ...]
    transcripts: tuple[str, ...]
    skipped: tuple[str, ...]
    unit_ids: list[tuple[str, int | str]]  # in transcript, then text order
    unit_extents: list[list[tuple[int, int]]]
    ext_start: NDArray[Any]
    ext_end: NDArray[Any]
    ext_unit: NDArray[Any]
    unit_seen: NDArray[Any]  # coder bit mask per unit
    stride: int
    # (code, coder index) -> global starts and ends of that coder's spans of that code
    spans: dict[tuple[str, int], tuple[NDArray[Any], NDArray[Any]]]


def _popcount(mask: int) -> int:
    return bin(mask).count("1")


def _no_pair_error(coders: Sequence[str], spans: list[CodedSpan]) -> QualcodeError:
    tagged = {s.coder for s in spans}
    silent = [c for c in coders if c not in tagged]
    if silent:
        return QualcodeError(
            f"coder {silent[0]!r} has no tags; name the double-coded transcripts to count "
            "their untagged text as 'not coded', or choose coders who tagged something"
        )
    return QualcodeError(
        f"no transcript was tagged by two or more of {', '.join(coders)}; agreement compares "
        "transcripts the coders double-coded (merge the other coders' copies first)"
    )


def build_index(
    spans: Iterable[CodedSpan], units: Iterable[Unit], options: AgreementOptions
) -> SpanIndex:
    """Validate the input and lay units and spans on one axis (shared with agreement_review)."""
    import numpy as np

    spans = [s for s in spans if s.end > s.start]
    all_coders = sorted({s.coder for s in spans})
    coders = tuple(options.coders) if options.coders is not None else tuple(all_coders)
    if len(coders) < 2:
        found = ", ".join(all_coders) or "none"
        raise QualcodeError(
            f"agreement needs at least two coders (coders with tags: {found}); "
            "merge another coder's copy of the project first"
        )
    if len(coders) > MAX_CODERS:
        raise QualcodeError(f"agreement compares at most {MAX_CODERS} coders; choose fewer")
    coder_ix = {c: i for i, c in enumerate(coders)}
    full = (1 << len(coders)) - 1

    seen: dict[str, int] = defaultdict(int)
    if options.transcripts is not None:
        for t in options.transcripts:
            seen[t] = full
    else:
        for s in spans:
            if s.coder in coder_ix:
                seen[s.transcript] |= 1 << coder_ix[s.coder]

    by_transcript: dict[str, list[Unit]] = defaultdict(list)
    for u in units:
        if u.end > u.start:
            by_transcript[u.transcript].append(u)
    used = sorted(t for t in by_transcript if _popcount(seen.get(t, 0)) >= 2)
    skipped = sorted(t for t in by_transcript if _popcount(seen.get(t, 0)) == 1)
    if not used:
        raise _no_pair_error(coders, spans)
    t_ix = {t: i for i, t in enumerate(used)}

    stride = 1 + max(
        max(u.end for t in used for u in by_transcript[t]),
        max((s.end for s in spans), default=0),
    )
    unit_ix: dict[tuple[str, int | str], int] = {}
    unit_ids: list[tuple[str, int | str]] = []
    unit_extents: list[list[tuple[int, int]]] = []
    starts: list[int] = []
    ends: list[int] = []
    ext_unit: list[int] = []
    seen_of_unit: list[int] = []
    for t in used:
        prev_end = -1
        for u in sorted(by_transcript[t], key=lambda u: (u.start, u.end)):
            if u.start < prev_end:
                raise QualcodeError(
                    f"units overlap in {t!r} at offset {u.start}: agreement needs units "
                    "that do not overlap (one per turn)"
                )
            prev_end = u.end
            ident = (t, u.key)
            if ident not in unit_ix:
                unit_ix[ident] = len(unit_ids)
                unit_ids.append(ident)
                unit_extents.append([])
                seen_of_unit.append(seen[t])
            unit_extents[unit_ix[ident]].append((u.start, u.end))
            base = t_ix[t] * stride
            starts.append(base + u.start)
            ends.append(base + u.end)
            ext_unit.append(unit_ix[ident])

    wanted = set(options.codes) if options.codes is not None else None
    grouped: dict[tuple[str, int], tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for s in spans:
        if s.transcript in t_ix and s.coder in coder_ix and (wanted is None or s.code in wanted):
            base = t_ix[s.transcript] * stride
            g = grouped[(s.code, coder_ix[s.coder])]
            g[0].append(base + s.start)
            g[1].append(base + s.end)
    if options.codes is not None:
        codes = tuple(options.codes)
    else:
        codes = tuple(sorted({code for code, _ in grouped}))
    if not codes:
        raise QualcodeError(
            "no tags to compare in the double-coded transcripts; tag some passages first"
        )
    i64 = np.int64
    return SpanIndex(
        coders=coders,
        codes=codes,
        transcripts=tuple(used),
        skipped=tuple(skipped),
        unit_ids=unit_ids,
        unit_extents=unit_extents,
        ext_start=np.asarray(starts, dtype=i64),
        ext_end=np.asarray(ends, dtype=i64),
        ext_unit=np.asarray(ext_unit, dtype=i64),
        unit_seen=np.asarray(seen_of_unit, dtype=i64),
        stride=stride,
        spans={
            k: (np.asarray(v[0], dtype=i64), np.asarray(v[1], dtype=i64))
            for k, v in grouped.items()
        },
    )


def _ranges_cover(n: int, i0: NDArray[Any], i1: NDArray[Any]) -> NDArray[Any]:
    """Boolean array of length n, True where some half-open range [i0, i1) covers."""
    import numpy as np

    keep = i0 < i1
    # bincount rather than np.add.at: the same difference array, many times faster.
    diff = np.bincount(i0[keep], minlength=n + 1) - np.bincount(i1[keep], minlength=n + 1)
    return np.cumsum(diff[:-1]) > 0


@dataclass
class _Items:
    """The things decided on: units, or at character level the runs of equally coded text."""

    weight: NDArray[Any]  # characters per item at character level, else 1
    seen: NDArray[Any]  # coder bit mask per item
    unit: NDArray[Any]  # unit index per item
    cover: Callable[[NDArray[Any], NDArray[Any]], NDArray[Any]]  # spans -> items covered


def unit_items(ix: SpanIndex) -> _Items:
    """Items that are the units: a unit is coded when a span overlaps one of its extents."""
    import numpy as np

    n_units = len(ix.unit_ids)
    n_ext = len(ix.ext_start)

    def cover(gs: NDArray[Any], ge: NDArray[Any]) -> NDArray[Any]:
        # Extents do not overlap, so their ends are sorted too: a span overlaps the
        # contiguous run of extents that end after its start and start before its end.
        i0 = np.searchsorted(ix.ext_end, gs, side="right")
        i1 = np.searchsorted(ix.ext_start, ge, side="left")
        ext = _ranges_cover(n_ext, i0, i1)
        if n_ext == n_units:
            return ext
        return np.bincount(ix.ext_unit, weights=ext, minlength=n_units) > 0

    return _Items(np.ones(n_units, dtype=np.int64), ix.unit_seen, np.arange(n_units), cover)


def character_items(ix: SpanIndex) -> _Items:
    """Items that are runs of characters between consecutive unit or span boundaries."""
    import numpy as np

    pieces = [ix.ext_start, ix.ext_end]
    for gs, ge in ix.spans.values():
        pieces += [gs, ge]
    bounds = np.unique(np.concatenate(pieces))
    seg_start = bounds[:-1]
    ext = np.searchsorted(ix.ext_start, seg_start, side="right") - 1
    safe = np.maximum(ext, 0)
    inside = (ext >= 0) & (seg_start < ix.ext_end[safe])
    unit = ix.ext_unit[safe[inside]]
    n_seg = len(seg_start)

    def cover(gs: NDArray[Any], ge: NDArray[Any]) -> NDArray[Any]:
        i0 = np.searchsorted(bounds, gs)
        i1 = np.searchsorted(bounds, ge)
        return _ranges_cover(n_seg, i0, i1)[inside]

    weight = np.diff(bounds)[inside].astype(np.int64)
    return _Items(weight, ix.unit_seen[unit], unit, cover)


def code_mask(ix: SpanIndex, items: _Items, code: str) -> NDArray[Any]:
    """Per item, the bit mask of coders who applied `code` to it."""
    import numpy as np

    mask = np.zeros(len(items.weight), dtype=np.int64)
    for k in range(len(ix.coders)):
        got = ix.spans.get((code, k))
        if got is not None:
            mask |= items.cover(*got).astype(np.int64) << k
    return mask


def _tally(
    seen: NDArray[Any], mask: NDArray[Any], weight: NDArray[Any], n_coders: int
) -> dict[tuple[int, int], int]:
    """Total weight per (seen mask, decision mask) pair: all the statistics need."""
    import numpy as np

    key = (seen << n_coders) | mask
    if n_coders <= 8:  # at most 65,536 keys: counting beats sorting
        totals = np.bincount(key, weights=weight, minlength=1 << 2 * n_coders)
        uniq = np.flatnonzero(totals)
        totals = totals[uniq]
    else:
        uniq, inverse = np.unique(key, return_inverse=True)
        totals = np.bincount(inverse.ravel(), weights=weight, minlength=len(uniq))
    low = (1 << n_coders) - 1
    return {
        (int(k) >> n_coders, int(k) & low): int(round(w)) for k, w in zip(uniq, totals, strict=True)
    }


@dataclass
class _Sums:
    """Additive parts of a row, so the overall row pools them."""

    units: int = 0
    agree: int = 0
    n0: int = 0  # pairable "not coded" values
    n1: int = 0  # pairable "coded" values
    o01: float = 0.0  # coincidences of coded with not coded
    cells: tuple[int, int, int, int] = (0, 0, 0, 0)  # both, only_a, only_b, neither
    expected: int = 0  # n^2 * p_e for two coders, exact


def _sums(tally: dict[tuple[int, int], int], n_coders: int) -> tuple[_Sums, tuple[int, ...]]:
    s = _Sums()
    coded = [0] * n_coders
    both = only_a = only_b = neither = 0
    for (seen, mask), w in tally.items():
        m = _popcount(seen)
        n1 = _popcount(mask & seen)
        s.units += w
        if n1 in (0, m):
            s.agree += w
        s.n1 += w * n1
        s.n0 += w * (m - n1)
        s.o01 += w * n1 * (m - n1) / (m - 1)
        for k in range(n_coders):
            if mask >> k & 1:
                coded[k] += w
        if n_coders == 2:
            if mask == 3:
                both += w
            elif mask == 1:
                only_a += w
            elif mask == 2:
                only_b += w
            else:
                neither += w
    s.cells = (both, only_a, only_b, neither)
    n, a, b = s.units, both + only_a, both + only_b
    s.expected = a * b + (n - a) * (n - b)
    return s, tuple(coded)


def _alpha(parts: list[_Sums]) -> float | None:
    """Alpha of one code, or pooled: 1 - sum(D_o) / sum(D_e), every code with the same n."""
    chance = sum(p.n0 * p.n1 for p in parts)
    if not chance:
        return None
    n = parts[0].n0 + parts[0].n1  # pairable values: the same for every code
    return 1.0 - (n - 1) * sum(p.o01 for p in parts) / chance


def _row(
    code: str | None, ix: SpanIndex, unit: UnitKind, parts: list[_Sums], coded: tuple[int, ...]
) -> AgreementRow:
    """One row from one code's sums, or the pooled overall row from every code's."""
    two = len(ix.coders) == 2
    units = parts[0].units
    total = sum(p.units for p in parts)
    agree = sum(p.agree for p in parts)
    both, only_a, only_b, neither = (sum(p.cells[i] for p in parts) for i in range(4))
    kappa: float | None = None
    if two:
        # Pooled kappa (exact integers): (n * sum(agree) - sum(n^2 p_e)) / (K n^2 - sum(n^2 p_e)).
        expected = sum(p.expected for p in parts)
        den = len(parts) * units * units - expected
        if den:
            kappa = (units * agree - expected) / den
    alpha = _alpha(parts)
    note = ""
    if alpha is None:
        if code is None:
            note = "no variation in any code: kappa and alpha are undefined"
        elif parts[0].n1 == 0:
            note = "no coder applied this code here: kappa and alpha are undefined"
        else:
            note = "every coder applied this code everywhere: kappa and alpha are undefined"
    disagreed = both + only_a + only_b
    return AgreementRow(
        code=code,
        unit=unit,
        coders=ix.coders,
        units=units,
        decisions=total,
        coded=coded,
        percent_agreement=100.0 * agree / total,
        kappa=kappa,
        alpha=alpha,
        both=both if two else None,
        only_a=only_a if two else None,
        only_b=only_b if two else None,
        neither=neither if two else None,
        overlap=(100.0 * both / disagreed if disagreed else None) if two else None,
        note=note,
    )


def agreement(
    spans: Iterable[CodedSpan], units: Iterable[Unit], options: AgreementOptions | None = None
) -> AgreementTable:
    """Percent agreement, Cohen's kappa and Krippendorff's alpha per code and overall."""
    import numpy as np

    options = options or AgreementOptions()
    ix = build_index(spans, units, options)
    items = character_items(ix) if options.unit == "character" else unit_items(ix)
    n = len(ix.coders)
    weight = items.weight
    excluded = 0
    if options.exclude_uncoded:
        if ix.spans:
            gs = np.concatenate([v[0] for v in ix.spans.values()])
            ge = np.concatenate([v[1] for v in ix.spans.values()])
            coded_any = items.cover(gs, ge)
        else:
            coded_any = np.zeros(len(weight), dtype=bool)
        excluded = int(weight[~coded_any].sum())
        weight = np.where(coded_any, weight, 0)
    if not int(weight.sum()):
        raise QualcodeError(
            "nothing to compare: no coder tagged the compared units with these codes"
        )
    keep = weight > 0
    seen, weight = items.seen[keep], weight[keep]
    rows: list[AgreementRow] = []
    parts: list[_Sums] = []
    coded_total = [0] * n
    for code in ix.codes:
        mask = code_mask(ix, items, code)[keep]
        s, coded = _sums(_tally(seen, mask, weight, n), n)
        parts.append(s)
        coded_total = [a + b for a, b in zip(coded_total, coded, strict=True)]
        rows.append(_row(code, ix, options.unit, [s], coded))
    overall = _row(None, ix, options.unit, parts, tuple(coded_total))
    return AgreementTable(
        unit=options.unit,
        coders=ix.coders,
        rows=tuple(rows),
        overall=overall,
        transcripts=ix.transcripts,
        skipped_transcripts=ix.skipped,
        excluded=excluded,
    )
