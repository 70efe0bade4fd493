"""Team coding on an open store: coders, agreement, disagreements, settling, the final view.

The statistics are pure (`agreement`, `agreement_review`); this module feeds them from the
store (every placed tag with its coder; respondent turns as units) and records a reviewer's
decisions. A report's *view* picks whose tags it counts: all (default), one coder's, or the
final coding (agreed tags, plus decided ones as ruled; open disagreements left out).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import QualcodeError

if TYPE_CHECKING:
    from .agreement import AgreementTable, CodedSpan, Unit, UnitKind
    from .agreement_review import FinalCoding
    from .exports.tabular import Table
    from .store import Store

KEEP_ALL = ("both", "all")
KEEP_NONE = ("none", "neither")


@dataclass(frozen=True)
class TagView:
    """Whose tags a report counts: everyone's (default), one coder's, or the final coding."""

    coder: str | None = None
    final: bool = False

    def __post_init__(self) -> None:
        if self.coder is not None and self.final:
            raise QualcodeError("choose one view: --coder NAME or --final, not both")

    @property
    def label(self) -> str:
        """How the view is named in a report's note ('' for all tags)."""
        if self.final:
            return "final coding"
        return f"coder {self.coder}" if self.coder else ""


ALL_TAGS = TagView()


@dataclass(frozen=True)
class CoderRow:
    """One coder and how many tags they made, in how many transcripts."""

    coder: str
    tags: int
    transcripts: int


@dataclass(frozen=True)
class DisagreementRow:
    """One code in one turn that some coders applied and others did not."""

    transcript: str
    turn: int
    code: str
    applied_by: tuple[str, ...]
    not_applied_by: tuple[str, ...]
    settled: str | None  # the recorded decision ('alice', 'both', 'none'), if any
    question: str  # the interviewer's turn before it ('' when none)
    text: str


@dataclass(frozen=True)
class Settlement:
    """A recorded decision on one code in one turn."""

    transcript: str
    turn: int
    code: str
    keep: tuple[str, ...]


# -- reading the store into the pure model -------------------------------------------------


def coded_spans(store: Store) -> list[CodedSpan]:
    """Every placed tag as a coded span (transcript, coder, code, start, end)."""
    from .agreement import CodedSpan

    return [CodedSpan(*r) for r in store.team.coded_spans()]


def units(store: Store, kind: str = "turn") -> list[Unit]:
    """Units of analysis: respondent turns (turn, character) or each respondent's turns."""
    from .agreement import UNIT_KINDS, Unit

    if kind not in UNIT_KINDS:
        raise QualcodeError(f"unknown unit {kind!r}; use one of {', '.join(UNIT_KINDS)}")
    rows = store.team.respondent_turns()
    if kind == "respondent":
        return [Unit(t, resp, s, e) for t, _, s, e, resp in rows]
    return [Unit(t, n, s, e) for t, n, s, e, _ in rows]


def coders(store: Store) -> list[CoderRow]:
    """Every coder with their number of tags and of transcripts tagged, most tags first."""
    per: dict[str, set[str]] = defaultdict(set)
    for transcript, coder, *_ in store.team.coded_spans():
        per[coder].add(transcript)
    return [CoderRow(c, n, len(per.get(c, ()))) for c, n in store.tags.coders()]


def _check_names(store: Store, coder_names: Sequence[str] | None, code: str | None) -> None:
    known = {c for c, _ in store.tags.coders()}
    for c in coder_names or ():
        if c not in known:
            raise QualcodeError(
                f"no tags by coder {c!r}; known coders: {', '.join(sorted(known)) or 'none'} "
                "(see `qualcode coders`)"
            )
    if code is not None:
        store.codes.get(code)  # raises with a suggestion when unknown


def _codes_under(store: Store, code: str | None) -> list[str] | None:
    """The code and its descendants (a parent's agreement covers its children's tags)."""
    if code is None:
        return None
    top = store.codes.get(code)
    return [top.name, *(c.name for c in store.codes.descendants(top))]


def agreement_table(
    store: Store,
    *,
    coders: Sequence[str] | None = None,
    code: str | None = None,
    unit: UnitKind = "turn",
    exclude_uncoded: bool = False,
) -> AgreementTable:
    """Agreement among coders on the transcripts they both coded (see `agreement`)."""
    from .agreement import AgreementOptions, agreement

    _check_names(store, coders, code)
    options = AgreementOptions(
        unit=unit,
        codes=_codes_under(store, code),
        coders=list(coders) if coders else None,
        exclude_uncoded=exclude_uncoded,
    )
    return agreement(coded_spans(store), units(store, unit), options)


def agreement_rows_table(table: AgreementTable) -> Table:
    """The one row model of an agreement table (terminal, --format and export alike)."""
    from .exports.tabular import Column, Table

    cols = [
        Column("code"),
        Column("units", "int"),
        Column("decisions", "int"),
        Column("coded", doc=True),
        Column("percent_agreement", "float"),
        Column("kappa", "float"),
        Column("alpha", "float"),
        Column("both", "int"),
        Column("only_a", "int"),
        Column("only_b", "int"),
        Column("neither", "int"),
        Column("overlap", "float"),
        Column("note"),
    ]
    rows = []
    for r in (*table.rows, table.overall):
        coded = ", ".join(f"{c} {n}" for c, n in zip(table.coders, r.coded, strict=True))
        rows.append(
            [
                r.code or "(overall)",
                r.units,
                r.decisions,
                coded,
                r.percent_agreement,
                r.kappa,
                r.alpha,
                r.both,
                r.only_a,
                r.only_b,
                r.neither,
                r.overlap,
                r.note,
            ]
        )
    note = f"coders: {', '.join(table.coders)}; unit: {table.unit}; "
    note += f"{len(table.transcripts)} transcripts compared"
    if table.skipped_transcripts:
        note += f", {len(table.skipped_transcripts)} coded by one coder only (skipped)"
    if table.excluded:
        note += f", {table.excluded} uncoded units excluded"
    return Table("agreement", "Inter-coder agreement", cols, rows, note)


def agreement_json(table: AgreementTable) -> dict[str, Any]:
    """The agreement table as JSON: the same row fields as the CSV and the export sheet."""
    t = agreement_rows_table(table)
    headers = [c.header for c in t.columns]
    return {
        "unit": table.unit,
        "coders": list(table.coders),
        "transcripts": list(table.transcripts),
        "skipped_transcripts": list(table.skipped_transcripts),
        "excluded": table.excluded,
        "rows": [dict(zip(headers, row, strict=True)) for row in t.rows],
    }


# -- disagreements and settling -------------------------------------------------------------


def _settled(store: Store) -> dict[tuple[str, int, str], tuple[str, ...]]:
    return {(t, n, c): keep for t, n, c, keep, *_ in store.team.settlements()}


def _keep_label(keep: tuple[str, ...], coders: Sequence[str]) -> str:
    if not keep:
        return "none"
    if len(keep) > 1 and set(keep) >= set(coders):
        return "both"
    return ", ".join(keep)


def disagreement_rows(
    store: Store,
    *,
    code: str | None = None,
    coders: Sequence[str] | None = None,
    width: int = 200,
) -> list[DisagreementRow]:
    """Each code in each respondent turn where the coders differ, with the turn's text."""
    from .agreement import AgreementOptions
    from .agreement_review import disagreements

    _check_names(store, coders, code)
    options = AgreementOptions(
        unit="turn", codes=_codes_under(store, code), coders=list(coders) if coders else None
    )
    found = disagreements(coded_spans(store), units(store, "turn"), options)
    settled = _settled(store)
    turns_of: dict[str, list[Any]] = {}
    out = []
    for d in found:
        if d.transcript not in turns_of:
            t = store.transcripts.get(d.transcript)
            turns_of[d.transcript] = store.transcripts.turns(t.id)
        turns = turns_of[d.transcript]
        number = int(d.key)
        text = next((u.text for u in turns if u.number == number), "")
        question = next(
            (u.text for u in reversed(turns) if u.number < number and u.role == "interviewer"),
            "",
        )
        for s in d.splits:
            keep = settled.get((d.transcript, number, s.code))
            out.append(
                DisagreementRow(
                    d.transcript,
                    number,
                    s.code,
                    s.applied_by,
                    s.not_applied_by,
                    _keep_label(keep, d.coders) if keep is not None else None,
                    _short(question, width),
                    _short(text, width),
                )
            )
    return out


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def settle(store: Store, transcript: str, turn: int, code: str, keep: Sequence[str]) -> Settlement:
    """Record which coders' tags of a code stand in one turn (both, none, or named coders)."""
    t = store.transcripts.get(transcript)
    c = store.codes.get(code)
    if not any(u.number == turn for u in store.transcripts.turns(t.id)):
        raise QualcodeError(f"{t.name} has no turn {turn}; see `qualcode show {t.name}`")
    known = sorted({coder for coder, _ in store.tags.coders()})
    words = [k.strip() for k in keep if k.strip()]
    if not words:
        raise QualcodeError("say what to keep: --keep CODER (repeatable), --keep both or none")
    if any(w.lower() in KEEP_NONE for w in words):
        if len(words) > 1:
            raise QualcodeError("--keep none cannot be combined with other values")
        kept: tuple[str, ...] = ()
    elif any(w.lower() in KEEP_ALL for w in words):
        kept = tuple(known)
    else:
        for w in words:
            if w not in known:
                raise QualcodeError(
                    f"no tags by coder {w!r}; use one of {', '.join(known) or 'none'}, both or none"
                )
        kept = tuple(sorted(set(words)))
    with store.write():
        store.team.settle(
            transcript_id=t.id,
            turn=turn,
            code_id=c.id,
            keep=kept,
            decided_by=store.coder or store.default_coder(),
        )
    return Settlement(t.name, turn, c.name, kept)


# -- the final view ------------------------------------------------------------------------


def final_coding_of(store: Store) -> tuple[FinalCoding | None, set[str]]:
    """The settled coding of the transcripts two or more coders tagged (None: fewer than two
    coders anywhere), and the names of those compared transcripts."""
    from .agreement_review import Decision, final_coding

    spans = coded_spans(store)
    seen: dict[str, set[str]] = defaultdict(set)
    for s in spans:
        seen[s.transcript].add(s.coder)
    compared = {t for t, who in seen.items() if len(who) > 1}
    if not compared:
        return None, compared
    decisions = [Decision(t, n, c, keep) for t, n, c, keep, *_ in store.team.settlements()]
    return final_coding(spans, units(store, "turn"), decisions), compared


def prepare_view(store: Store, view: TagView | None) -> str:
    """Make the view's tags readable by the report queries; returns the note it carries."""
    if view is None or view == ALL_TAGS:
        return ""
    if not view.final:
        assert view.coder is not None
        _check_names(store, [view.coder], None)
        return view.label
    coding, compared = final_coding_of(store)
    turn_ids = store.team.turn_ids()
    ids = store.codes.ids()
    texts: dict[int, str] = {}
    # Transcripts only one coder tagged have nothing to settle: their tags stand as they are.
    rows: list[tuple[Any, ...]] = [r[1:] for r in store.team.placed_rows() if r[0] not in compared]
    unresolved = 0
    if coding is not None:
        for s in coding.spans:
            tid, turn_id = turn_ids[(s.transcript, int(s.key))]
            if tid not in texts:
                texts[tid] = store.transcripts.text(tid)
            text = texts[tid][s.start : s.end]
            rows.append((tid, turn_id, ids[s.code], s.start, s.end, text, "+".join(s.coders)))
        unresolved = len(coding.unresolved)
    store.team.load_final(rows)
    note = "final coding"
    if unresolved:
        note += f"; {unresolved} unresolved (see `qualcode disagreements`)"
    return note
