"""Edit benchmark for re-anchoring: tags on the demo transcripts, realistic edits, re-placed.

Each round takes a demo transcript, puts tags on respondent turns (whole turns, sentences,
runs of words), edits the text the way a transcriber's revision does (typo fixes,
punctuation, spacing, re-wrapped lines, an inserted and a deleted turn, a sentence added
inside a tagged turn, a deleted tagged passage, swapped turns; some versions start from
CRLF or from Latvian decoded as latin-1) and re-anchors with qualcode.anchoring.

Every character carries where it came from, so the intended place of each tag in the
edited text is known without the code under test: a span goes to its surviving characters
(widened to whole words), a whole-turn tag to its whole new turn, and a tag that lost more
than half its text should detach.

    python benchmarks/bench_edits.py [--seed 1] [--tags 1000] [--no-scale]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from qualcode.anchoring import Anchor, Placement, reanchor
from qualcode.importers import SUPPORTED_EXTENSIONS, parse_bytes
from qualcode.models import RESPONDENT, ParsedTranscript

ROOT = Path(__file__).resolve().parent.parent
TAGS_PER_VERSION = 20

QUESTIONS = {
    "lv": ["Vai varat pastāstīt sīkāk par to?", "Kā jūs to vērtējat šodien?"],
    "en": ["Could you say a bit more about that?", "How do you see it today?"],
}
SENTENCES = {
    "lv": ["Tas gan ir ļoti svarīgi.", "Mēs par to runājām arī pagājušajā gadā.", "Nu, jā."],
    "en": ["That really matters to us.", "We talked about it last year too.", "Well, yes."],
}


@dataclass(frozen=True)
class Turn:
    """A turn extent for the anchoring module."""

    start: int
    end: int
    number: int


@dataclass
class Doc:
    """Editable text whose characters remember their base offset and their turn."""

    chars: list[str]
    origin: list[int]  # offset in the base text, -1 for inserted characters
    turn: list[int]  # turn id (base turns 0.., inserted turns 1000..), -1 for labels/header
    next_turn: int = 1000
    detach: set[int] = field(default_factory=set)  # tag ids whose passage was deleted

    def text(self) -> str:
        return "".join(self.chars)

    def splice(self, i: int, j: int, new: str, origin: list[int], turn: list[int]) -> None:
        self.chars[i:j] = list(new)
        self.origin[i:j] = origin
        self.turn[i:j] = turn

    def pos(self, base: int) -> int | None:
        try:
            return self.origin.index(base)
        except ValueError:
            return None


@dataclass(frozen=True)
class Tag:
    """A tag in base-text offsets."""

    id: int
    start: int
    end: int
    whole_turn: bool
    turn: int  # base turn index


def load() -> list[tuple[ParsedTranscript, str]]:
    """The demo transcripts, parsed by the importers, with their language."""
    out = []
    for p in sorted((ROOT / "transcripts").iterdir()):
        if p.suffix.lower() in SUPPORTED_EXTENSIONS:
            pt = parse_bytes(p.read_bytes(), p.name)
            out.append((pt, "en" if p.name.startswith("EN") else "lv"))
    return out


# ---------------------------------------------------------------- tags


def make_tags(pt: ParsedTranscript, rng: random.Random, n: int, first_id: int) -> list[Tag]:
    """n tags on respondent turns: 40% whole turns, 30% sentences, 30% runs of words."""
    turns = [(k, t) for k, t in enumerate(pt.turns) if t.role == RESPONDENT and t.end > t.start]
    tags = []
    for i in range(n):
        k, t = rng.choice(turns)
        body = pt.text[t.start : t.end]
        kind = rng.random()
        if kind < 0.4:
            s, e, whole = t.start, t.end, True
        elif kind < 0.7:
            sents = [m.span() for m in re.finditer(r"[^.!?]+[.!?]*", body) if m.group().strip()]
            a, b = rng.choice(sents)
            while a < b and body[a].isspace():
                a += 1
            s, e, whole = t.start + a, t.start + b, False
        else:
            words = [m.span() for m in re.finditer(r"\w+", body)]
            a = rng.randrange(len(words))
            b = min(len(words) - 1, a + rng.randint(0, 7))
            s, e, whole = t.start + words[a][0], t.start + words[b][1], False
        tags.append(Tag(first_id + i, s, e, whole, k))
    return tags


# ---------------------------------------------------------------- edits


def _word_at(doc: Doc, rng: random.Random) -> tuple[int, int] | None:
    words = [m.span() for m in re.finditer(r"[^\W\d_]{4,}", doc.text())]
    return rng.choice(words) if words else None


def typo(doc: Doc, rng: random.Random, lang: str) -> None:
    """Fix a typo: one letter changed, added, dropped, or two letters swapped."""
    span = _word_at(doc, rng)
    if span is None:
        return
    s, e = span
    i = rng.randrange(s + 1, e)
    letters = "aeiouāēīūšžčņ" if lang == "lv" else "aeiou"
    how = rng.choice(["sub", "ins", "del", "swap"])
    if how == "sub":
        doc.splice(i, i + 1, rng.choice(letters), doc.origin[i : i + 1], doc.turn[i : i + 1])
    elif how == "ins":
        doc.splice(i, i, rng.choice(letters), [-1], [doc.turn[i]])
    elif how == "del":
        doc.splice(i, i + 1, "", [], [])
    else:
        j = i - 1
        a, b = doc.chars[j], doc.chars[i]
        doc.chars[j], doc.chars[i] = b, a  # each position keeps its origin: a fix in place


def punctuation(doc: Doc, rng: random.Random, lang: str) -> None:
    """Change, drop or add a punctuation mark."""
    text = doc.text()
    marks = [m.start() for m in re.finditer(r"[.,!?;:]", text)]
    if marks and rng.random() < 0.6:
        i = rng.choice(marks)
        new = rng.choice([",", ".", "", "!", ";"])
        doc.splice(
            i, i + 1, new, doc.origin[i : i + 1][: len(new)], doc.turn[i : i + 1][: len(new)]
        )
    else:
        span = _word_at(doc, rng)
        if span:
            e = span[1]
            doc.splice(e, e, ",", [-1], [doc.turn[e - 1]])


def spacing(doc: Doc, rng: random.Random, lang: str) -> None:
    """A doubled space, a dropped double space or trailing spaces at a line end."""
    text = doc.text()
    spaces = [m.start() for m in re.finditer(" ", text)]
    if rng.random() < 0.5 and spaces:
        i = rng.choice(spaces)
        doc.splice(i, i, " ", [-1], [doc.turn[i]])
    else:
        ends = [m.start() for m in re.finditer("\n", text)]
        if ends:
            i = rng.choice(ends)
            doc.splice(i, i, "  ", [-1, -1], [-1, -1])


def rewrap(doc: Doc, rng: random.Random, lang: str) -> None:
    """Re-wrap one turn at about 60 characters (spaces become newlines in place)."""
    ids = sorted({t for t in doc.turn if 0 <= t < 1000})
    tid = rng.choice(ids)
    pos = [i for i, t in enumerate(doc.turn) if t == tid]
    col = 0
    for i in range(pos[0], pos[-1] + 1):
        col += 1
        if doc.chars[i] == " " and col > 60:
            doc.chars[i] = "\n"
            col = 0


def _turn_block(doc: Doc, tid: int) -> tuple[int, int] | None:
    """A turn with its label: from after the previous turn's end to its own end."""
    pos = [i for i, t in enumerate(doc.turn) if t == tid]
    if not pos:
        return None
    s = pos[0]
    while s > 0 and doc.turn[s - 1] == -1:
        s -= 1
    # Keep the header and the blank line before the label outside the block.
    text = doc.text()
    nl = text.rfind("\n", s, pos[0])
    return (nl + 1 if nl != -1 else s), pos[-1] + 1


def insert_turn(doc: Doc, rng: random.Random, lang: str) -> None:
    """Insert an interviewer turn before a random turn."""
    ids = sorted({t for t in doc.turn if t >= 0})
    block = _turn_block(doc, rng.choice(ids[1:]))
    if block is None:
        return
    q = rng.choice(QUESTIONS[lang])
    tid = doc.next_turn
    doc.next_turn += 1
    new = f"I: {q}\n\n"
    doc.splice(block[0], block[0], new, [-1] * len(new), [-1] * 3 + [tid] * len(q) + [-1, -1])


def delete_turn(doc: Doc, rng: random.Random, lang: str) -> None:
    """Delete a random turn with its label."""
    ids = sorted({t for t in doc.turn if 0 <= t < 1000})
    block = _turn_block(doc, rng.choice(ids[1:]))
    if block is not None:
        s, e = block
        e = min(e + 2, len(doc.chars)) if doc.text()[e : e + 2] == "\n\n" else e
        doc.splice(s, e, "", [], [])


def swap_turns(doc: Doc, rng: random.Random, lang: str) -> None:
    """Swap a turn with the next one (labels travel with them)."""
    ids = sorted({t for t in doc.turn if 0 <= t < 1000})
    k = rng.randrange(1, len(ids) - 1)
    a, b = _turn_block(doc, ids[k]), _turn_block(doc, ids[k + 1])
    if a is None or b is None or a[1] > b[0]:
        return
    parts = [(a[0], a[1]), (a[1], b[0]), (b[0], b[1])]
    order = [parts[2], parts[1], parts[0]]
    chars = [c for s, e in order for c in doc.chars[s:e]]
    origin = [c for s, e in order for c in doc.origin[s:e]]
    turn = [c for s, e in order for c in doc.turn[s:e]]
    doc.splice(a[0], b[1], "".join(chars), origin, turn)


def add_sentence(doc: Doc, rng: random.Random, lang: str, tags: list[Tag]) -> None:
    """Add a sentence inside (or at the end of) a tagged turn."""
    tid = rng.choice(tags).turn
    pos = [i for i, t in enumerate(doc.turn) if t == tid]
    if not pos:
        return
    text = doc.text()
    ends = [i + 1 for i in pos if text[i] in ".!?"] or [pos[-1] + 1]
    i = rng.choice(ends)
    new = " " + rng.choice(SENTENCES[lang])
    doc.splice(i, i, new, [-1] * len(new), [tid] * len(new))


def delete_passage(doc: Doc, rng: random.Random, lang: str, tags: list[Tag]) -> None:
    """Delete a tagged passage (not a whole turn): that tag should detach."""
    spans = [g for g in tags if not g.whole_turn and g.id not in doc.detach]
    if not spans:
        return
    g = rng.choice(spans)
    s, e = doc.pos(g.start), doc.pos(g.end - 1)
    if s is None or e is None or e < s:
        return
    e += 1
    if e < len(doc.chars) and doc.chars[e] == " ":
        e += 1
    doc.splice(s, e, "", [], [])
    doc.detach.add(g.id)


def edit(doc: Doc, rng: random.Random, lang: str, tags: list[Tag]) -> list[str]:
    """A revision pass: many small fixes, a few structural changes, in random order."""
    plan: list[str] = (
        ["typo"] * rng.randint(4, 10)
        + ["punctuation"] * rng.randint(2, 5)
        + ["spacing"] * rng.randint(1, 4)
        + ["rewrap"] * rng.randint(0, 2)
        + ["insert_turn", "delete_turn", "add_sentence", "add_sentence", "delete_passage"]
        + (["swap_turns"] if rng.random() < 0.5 else [])
    )
    rng.shuffle(plan)
    simple = {
        "typo": typo,
        "punctuation": punctuation,
        "spacing": spacing,
        "rewrap": rewrap,
        "insert_turn": insert_turn,
        "delete_turn": delete_turn,
        "swap_turns": swap_turns,
    }
    for step in plan:
        if step in simple:
            simple[step](doc, rng, lang)
        elif step == "add_sentence":
            add_sentence(doc, rng, lang, tags)
        else:
            delete_passage(doc, rng, lang, tags)
    return plan


# ---------------------------------------------------------------- one version


def _snap(text: str, s: int, e: int) -> tuple[int, int]:
    while 0 < s < len(text) and text[s - 1].isalnum() and text[s].isalnum():
        s -= 1
    while 0 < e < len(text) and text[e - 1].isalnum() and text[e].isalnum():
        e += 1
    return s, e


def intended(doc: Doc, tag: Tag, base_turns: list[tuple[int, int]]) -> tuple[int, int] | None:
    """Where the tag belongs in the edited text, or None if it should detach."""
    if tag.whole_turn:
        pos = [i for i, t in enumerate(doc.turn) if t == tag.turn]
        size = base_turns[tag.turn][1] - base_turns[tag.turn][0]
        kept = sum(1 for i in pos if doc.origin[i] >= 0)
        return (pos[0], pos[-1] + 1) if pos and kept >= 0.5 * size else None
    pos = [i for i, o in enumerate(doc.origin) if tag.start <= o < tag.end]
    if len(pos) < 0.5 * (tag.end - tag.start):
        return None
    return _snap(doc.text(), pos[0], pos[-1] + 1)


def variant(text: str, kind: str) -> tuple[str, list[int]]:
    """The old text as once stored (CRLF or mojibake) and base offset -> old offset."""
    if kind == "crlf":
        out, where = [], []
        for ch in text:
            if ch == "\n":
                out.append("\r")
            where.append(len(out))
            out.append(ch)
        where.append(len(out))
        return "".join(out), where
    if kind == "mojibake":
        try:
            return text.encode("cp1257").decode("latin-1"), list(range(len(text) + 1))
        except UnicodeEncodeError:
            pass
    return text, list(range(len(text) + 1))


def run_version(
    pt: ParsedTranscript, lang: str, rng: random.Random, n: int, first_id: int
) -> tuple[Counter[str], Counter[str], float]:
    """Tag, edit and re-anchor one transcript; outcome counts, status counts, seconds."""
    base = pt.text
    tags = make_tags(pt, rng, n, first_id)
    kind = rng.choices(["plain", "crlf", "mojibake"], [0.7, 0.15, 0.15])[0]
    kind = "plain" if kind == "mojibake" and lang != "lv" else kind
    old, where = variant(base, kind)
    turn_id = [-1] * len(base)
    for k, t in enumerate(pt.turns):
        turn_id[t.start : t.end] = [k] * (t.end - t.start)
    doc = Doc(list(base), list(range(len(base))), turn_id)
    edit(doc, rng, lang, tags)
    new = doc.text()
    ids = sorted({t for t in doc.turn if t >= 0}, key=lambda t: doc.turn.index(t))
    new_turns = []
    for number, tid in enumerate(ids, 1):
        pos = [i for i, t in enumerate(doc.turn) if t == tid]
        new_turns.append(Turn(pos[0], pos[-1] + 1, number))
    # An end offset follows its last character (not the CR the CRLF variant put after it).
    end = [0] + [where[i - 1] + 1 for i in range(1, len(where))]
    old_turns = [Turn(where[t.start], end[t.end], k) for k, t in enumerate(pt.turns, 1)]
    anchors = [
        Anchor(
            g.id,
            where[g.start],
            end[g.end],
            old[where[g.start] : end[g.end]],
            g.whole_turn,
            g.turn + 1,
        )
        for g in tags
    ]
    t0 = time.perf_counter()
    placements = reanchor(old, new, old_turns, new_turns, anchors)
    seconds = time.perf_counter() - t0
    base_turns = [(t.start, t.end) for t in pt.turns]
    outcome: Counter[str] = Counter()
    status: Counter[str] = Counter(p.status for p in placements)
    for g, p in zip(tags, placements, strict=True):
        outcome[judge(new, intended(doc, g, base_turns), p)] += 1
    return outcome, status, seconds


def judge(new: str, want: tuple[int, int] | None, got: Placement) -> str:
    """exact | wrong | lost (detached but text exists) | detached_ok | kept_deleted."""
    if want is None:
        return "detached_ok" if got.status == "detached" else "kept_deleted"
    if got.status == "detached" or got.start is None or got.end is None:
        return "lost"
    return "exact" if new[got.start : got.end] == new[want[0] : want[1]] else "wrong"


# ---------------------------------------------------------------- scale


def scale_run(docs: list[tuple[ParsedTranscript, str]], rng: random.Random) -> tuple[int, float]:
    """A ~100k-word transcript (demo turns repeated), light edits, 500 anchors: seconds."""
    parts: list[str] = []
    turns: list[Turn] = []
    pos, words = 0, 0
    while words < 100_000:
        for pt, _ in docs:
            for t in pt.turns:
                label = "R: " if t.role == RESPONDENT else "I: "
                body = pt.text[t.start : t.end]
                parts.append(label + body + "\n\n")
                turns.append(Turn(pos + 3, pos + 3 + len(body), len(turns) + 1))
                pos += len(parts[-1])
                words += len(body.split())
    old = "".join(parts)
    anchors = []
    for i in range(500):
        t = rng.choice(turns)
        anchors.append(Anchor(i, t.start, t.end, old[t.start : t.end], i % 2 == 0, t.number))
    new = old
    for _ in range(200):  # scattered small edits (lengths stay the same: turns stay valid)
        i = rng.randrange(len(new))
        if new[i].isalpha():
            new = new[:i] + ("a" if new[i] != "a" else "e") + new[i + 1 :]
    t0 = time.perf_counter()
    reanchor(old, new, turns, turns, anchors)
    return words, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tags", type=int, default=1000)
    ap.add_argument("--no-scale", action="store_true", help="skip the 100k-word timing")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    docs = load()
    outcome: Counter[str] = Counter()
    status: Counter[str] = Counter()
    seconds, done, versions = 0.0, 0, 0
    while done < args.tags:
        pt, lang = docs[versions % len(docs)]
        n = min(TAGS_PER_VERSION, args.tags - done)
        o, s, sec = run_version(pt, lang, rng, n, done)
        outcome.update(o)
        status.update(s)
        seconds += sec
        done += n
        versions += 1
    should_place = outcome["exact"] + outcome["wrong"] + outcome["lost"]
    should_detach = outcome["detached_ok"] + outcome["kept_deleted"]
    pct = 100 * outcome["exact"] / max(should_place, 1)
    print(f"{done} tags on {versions} edited versions of {len(docs)} demo transcripts")
    print(
        f"placed exactly:        {outcome['exact']}/{should_place} = {pct:.2f}%"
        " of tags whose text exists"
    )
    print(f"wrongly placed:        {outcome['wrong']}")
    print(f"detached but present:  {outcome['lost']}")
    print(f"detached as expected:  {outcome['detached_ok']}/{should_detach}")
    print(f"kept though deleted:   {outcome['kept_deleted']}")
    print("statuses:              " + ", ".join(f"{k} {v}" for k, v in sorted(status.items())))
    print(f"share fuzzy:           {100 * status['fuzzy'] / max(done, 1):.1f}%")
    print(
        f"re-anchoring time:     {seconds * 1000:.0f} ms"
        f" ({seconds * 1e6 / max(done, 1):.0f} us/tag)"
    )
    if not args.no_scale:
        words, sec = scale_run(docs, rng)
        print(f"scale: {words} words, 500 anchors, 200 edits: {sec:.2f} s")
    return 0 if pct >= 99 else 1


if __name__ == "__main__":
    sys.exit(main())
