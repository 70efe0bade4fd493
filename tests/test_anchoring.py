"""Re-anchoring tags on an edited transcript text (invented Latvian and English text)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.anchoring import Anchor, Placement, reanchor
from qualcode.models import ParsedTurn


@dataclass(frozen=True)
class T:
    start: int
    end: int
    number: int


LV = (
    "Intervija ar skolotāju\n\n"
    "I: Kā jums klājas ar darbu?\n\n"
    "R: Strādāju ar ģimenēm jau devīto gadu. Ķēķa lietas un ļoti daudz papīru.\n\n"
    "I: Vai sadarbība ar pašvaldību ir laba?\n\n"
    "R: Nu, jā. Mums ļoti palīdz sociālā dienesta darbinieki, bet trūkst naudas.\n\n"
    "I: Paldies.\n\n"
    "R: Lūdzu. Žēl, ka nav vairāk laika.\n"
)
EN = (
    "I: How did you start?\n\n"
    "R: I joined the team in spring. The training was short but useful.\n\n"
    "I: And now?\n\n"
    "R: Now we meet every week, and the families trust us more.\n"
)


def turns(text: str) -> list[T]:
    """Turn extents after each 'I: ' or 'R: ' label, numbered from 1."""
    found = re.finditer(r"^[IR]: (.*)$", text, re.M)
    return [T(m.start(1), m.end(1), n) for n, m in enumerate(found, 1)]


def span(text: str, part: str, key: object = "a") -> Anchor:
    """An anchor on the first occurrence of part."""
    s = text.index(part)
    return Anchor(key, s, s + len(part), part)  # type: ignore[arg-type]


def whole(text: str, number: int, key: object = "w") -> Anchor:
    """An anchor on the whole turn with this number."""
    t = turns(text)[number - 1]
    return Anchor(key, t.start, t.end, text[t.start : t.end], True, number)  # type: ignore[arg-type]


def place(old: str, new: str, *anchors: Anchor) -> list[Placement]:
    return reanchor(old, new, turns(old), turns(new), list(anchors))


def test_identical_text_places_every_anchor_exactly() -> None:
    got = place(LV, LV, span(LV, "ļoti palīdz"), whole(LV, 3))
    assert [p.status for p in got] == ["exact", "exact"]
    assert got[1].turn_number == 3


def test_typo_fix_inside_span_keeps_tag_on_corrected_text() -> None:
    new = LV.replace("sociālā dienesta", "sociālā dieensta").replace("ģimenēm", "gimenēm")
    old = new
    fixed = LV
    (p,) = place(old, fixed, span(old, "sociālā dieensta darbinieki"))
    assert p.status == "fuzzy"
    assert p.new_text == "sociālā dienesta darbinieki"


def test_typo_fix_elsewhere_moves_span_with_same_text() -> None:
    new = LV.replace("Kā jums", "Kā tad jums")
    (p,) = place(LV, new, span(LV, "trūkst naudas"))
    assert (p.status, p.new_text) == ("moved", "trūkst naudas")


def test_whole_turn_that_gained_two_words_keeps_tag_on_whole_turn() -> None:
    new = LV.replace("bet trūkst naudas.", "bet diemžēl trūkst naudas šogad.")
    (p,) = place(LV, new, whole(LV, 4))
    t = turns(new)[3]
    assert (p.status, p.start, p.end, p.turn_number) == ("turn", t.start, t.end, 4)


def test_rewrapped_lines_keep_span_text() -> None:
    old = LV.replace("sadarbība ar pašvaldību", "sadarbība ar\npašvaldību")
    old = old.replace("dienesta darbinieki", "dienesta\ndarbinieki")
    (p,) = place(old, LV, span(old, "sociālā dienesta\ndarbinieki"))
    assert p.new_text == "sociālā dienesta darbinieki"
    assert "spacing" in p.note


def test_crlf_to_lf_keeps_every_tag() -> None:
    old = LV.replace("\n", "\r\n")
    got = place(old, LV, span(old, "Ķēķa lietas"), whole(old, 4))
    assert got[0].new_text == "Ķēķa lietas"
    assert got[1].new_text == LV[turns(LV)[3].start : turns(LV)[3].end]


def test_encoding_fix_from_mojibake_to_latvian_diacritics() -> None:
    old = LV.encode("cp1257").decode("latin-1")  # read with the wrong code page
    assert old != LV and len(old) == len(LV)
    part = "Mums ļoti palīdz".encode("cp1257").decode("latin-1")
    got = place(old, LV, span(old, part), whole(old, 2))
    assert got[0].new_text == "Mums ļoti palīdz"
    assert got[0].status == "fuzzy"
    assert got[1].new_text == LV[turns(LV)[1].start : turns(LV)[1].end]


def test_inserted_turn_before_tag() -> None:
    new = EN.replace("I: And now?", "I: Was it hard?\n\nR: At first, yes.\n\nI: And now?")
    got = place(EN, new, span(EN, "the families trust us"), whole(EN, 4))
    assert got[0].new_text == "the families trust us"
    assert got[1].turn_number == 6 and got[1].status == "moved"


def test_deleted_turn_detaches_its_tags_and_keeps_the_rest() -> None:
    new = LV.replace("I: Paldies.\n\nR: Lūdzu. Žēl, ka nav vairāk laika.\n", "")
    got = place(LV, new, span(LV, "Žēl, ka nav vairāk laika", "gone"), whole(LV, 6, "turn"))
    got += place(LV, new, span(LV, "ģimenēm jau", "kept"))
    assert [p.status for p in got[:2]] == ["detached", "detached"]
    assert got[0].key == "gone" and got[0].start is None
    assert got[2].new_text == "ģimenēm jau"


def test_deleted_passage_is_detached_not_dropped() -> None:
    new = EN.replace(" The training was short but useful.", "")
    (p,) = place(EN, new, span(EN, "The training was short but useful."))
    assert p.status == "detached" and not p.placed
    assert "no longer" in p.note


def test_swapped_turns_keep_their_tags() -> None:
    a = "R: I joined the team in spring. The training was short but useful."
    b = "R: Now we meet every week, and the families trust us more."
    new = EN.replace(a, "@@").replace(b, a).replace("@@", b)
    got = place(EN, new, span(EN, "The training was short"), whole(EN, 2))
    assert got[0].new_text == "The training was short"
    assert got[1].new_text == a[3:] and got[1].turn_number == 4


def test_span_stays_inside_one_turn() -> None:
    # The old span crossed into the label of the next turn: it is clipped to one turn.
    s = LV.index("trūkst naudas.")
    anchor = Anchor("x", s, s + len("trūkst naudas.\n\nI: Paldies"), "")
    anchor = Anchor("x", anchor.start, anchor.end, LV[anchor.start : anchor.end])
    new = LV.replace("Kā jums", "Kā tad jums")
    (p,) = place(LV, new, anchor)
    t = next(t for t in turns(new) if t.start <= (p.start or 0) < t.end)
    assert p.start is not None and p.end is not None and p.end <= t.end


def test_parsed_turns_are_accepted() -> None:
    pts = [ParsedTurn("R", "respondent", t.start, t.end) for t in turns(EN)]
    (p,) = reanchor(EN, EN + "\n", pts, pts, [whole(EN, 2)])
    assert p.status == "exact" and p.turn_number == 2


# ---------------------------------------------------------------- properties

WORDS = ["mājas", "ģimene", "ļoti", "darbs", "šodien", "čūska", "ķēķis", "work", "family", "jā"]


@st.composite
def transcripts(draw: st.DrawFn) -> str:
    n = draw(st.integers(2, 6))
    lines = []
    for k in range(n):
        words = draw(st.lists(st.sampled_from(WORDS), min_size=3, max_size=12))
        lines.append(("I: " if k % 2 == 0 else "R: ") + " ".join(words) + ".")
    return "\n\n".join(lines) + "\n"


@settings(max_examples=60, deadline=None)
@given(transcripts(), st.data())
def test_identical_texts_place_every_anchor_exactly(text: str, data: st.DataObject) -> None:
    ts = turns(text)
    anchors = []
    for i in range(data.draw(st.integers(1, 5))):
        t = data.draw(st.sampled_from(ts))
        s = data.draw(st.integers(t.start, t.end - 1))
        e = data.draw(st.integers(s + 1, t.end))
        anchors.append(Anchor(i, s, e, text[s:e]))
    got = reanchor(text, text, ts, ts, anchors)
    assert all(
        p.status == "exact" and (p.start, p.end) == (a.start, a.end)
        for p, a in zip(got, anchors, strict=True)
    )


@settings(max_examples=80, deadline=None)
@given(transcripts(), st.data())
def test_edits_outside_a_span_leave_it_placed_with_its_text(text: str, data: st.DataObject) -> None:
    ts = turns(text)
    t = data.draw(st.sampled_from(ts))
    words = [m.span() for m in re.finditer(r"\w+", text[t.start : t.end])]
    a = data.draw(st.integers(0, len(words) - 1))
    b = data.draw(st.integers(a, len(words) - 1))
    s, e = t.start + words[a][0], t.start + words[b][1]
    new = text
    # Random word insertions and deletions outside the span (right to left keeps offsets).
    spots = data.draw(st.lists(st.integers(0, len(text)), max_size=4, unique=True))
    for p in sorted(spots, reverse=True):
        if s - 1 <= p <= e + 1:
            continue
        if data.draw(st.booleans()):
            new = new[:p] + " ūdens " + new[p:]
        else:
            new = new[:p] + new[p + 1 :]
    new_turns = turns(new)
    (got,) = reanchor(text, new, ts, new_turns, [Anchor("k", s, e, text[s:e])])
    if re.search(r"^[IR]: ", new[got.start or 0 :], re.M) is None:
        return  # an edit broke a label: turns no longer line up, nothing to check
    assert got.placed
    assert got.new_text == text[s:e]


@settings(max_examples=80, deadline=None)
@given(transcripts(), transcripts(), st.data())
def test_every_anchor_gets_one_placement_inside_the_text_and_one_turn(
    old: str, new: str, data: st.DataObject
) -> None:
    ots, nts = turns(old), turns(new)
    anchors = []
    for i in range(data.draw(st.integers(0, 6))):
        t = data.draw(st.sampled_from(ots))
        s = data.draw(st.integers(t.start, t.end - 1))
        e = data.draw(st.integers(s + 1, t.end))
        is_whole = data.draw(st.booleans())
        if is_whole:
            s, e = t.start, t.end
        anchors.append(Anchor(i, s, e, old[s:e], is_whole, t.number if is_whole else None))
    got = reanchor(old, new, ots, nts, anchors)
    assert [p.key for p in got] == [a.key for a in anchors]
    for p in got:
        if not p.placed:
            assert p.start is None
            continue
        assert p.start is not None and p.end is not None
        assert 0 <= p.start <= p.end <= len(new)
        assert p.new_text == new[p.start : p.end]
        assert any(t.start <= p.start and p.end <= t.end for t in nts)
