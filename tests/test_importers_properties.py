"""Round-trip properties: render turns as a transcript, parse it, get the same turns back."""

from __future__ import annotations

import io

from docx import Document
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.importers import SpeakerRules, parse_bytes
from qualcode.models import ParsedTranscript

RULES = SpeakerRules(labels=frozenset({"Anita Bērziņa", "Dr. Smith"}))
# Known labels, extra labels, and a name that is a label only when it occurs twice.
SPEAKERS = ["I", "R", "Intervētāja", "Respondents", "Anita Bērziņa", "Dr. Smith", "Marta"]

# No colon: a colon is what could make a continuation line look like a label. Lines with
# colons that must not start a turn come from COLON_LINES instead.
ALPHABET = "aābcčdeēfgģhiījkķlļmnņoprsštuūvzžĀČĒĢĪĶĻŅŠŪŽAZ019 \t\xa0,.!?-–„”'()*\n"
COLON_LINES = [
    "Piemēram: kursi par sociālo darbu.",
    "es teicu: jā",
    "Es domāju: labi.",
    "plkst. 10:30 tikāmies",
    "Skat. http://example.lv",
    "Svarīgi, ka: viss notiek",
]

utterances = st.lists(
    st.one_of(st.text(alphabet=ALPHABET, max_size=40), st.sampled_from(COLON_LINES)),
    max_size=4,
).map("\n".join)


def realistic(turns: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Make a turn list one the label rules are meant for.

    A name that is not a known label must occur twice (else it is ordinary text); the
    first speaker speaks again (else a one-off opening block can be, by design, taken for
    a metadata header).
    """
    turns = [("R" if speaker == "Marta" else speaker, u) for speaker, u in turns]
    if turns[0][0] == "R":
        turns[0] = ("Marta", turns[0][1])
    return turns + [(turns[0][0], "Beigas.")]


turn_lists = st.lists(st.tuples(st.sampled_from(SPEAKERS), utterances), min_size=1, max_size=8).map(
    realistic
)
headers = st.text(alphabet=ALPHABET.replace("\n", ""), max_size=30).filter(
    lambda header: header.strip() != ""
)


def check(parsed: ParsedTranscript, turns: list[tuple[str, str]]) -> None:
    """The parsed turns are the rendered ones: speakers, clean utterances, order."""
    assert [t.speaker for t in parsed.turns] == [speaker for speaker, _ in turns]
    for turn, (speaker, utterance) in zip(parsed.turns, turns, strict=True):
        assert parsed.text[turn.start : turn.end] == utterance.strip()
        assert turn.role == RULES.role(speaker)
    for before, after in zip(parsed.turns, parsed.turns[1:], strict=False):
        assert before.start <= before.end <= after.start <= after.end
    assert parsed.header_end <= parsed.turns[0].start


@settings(derandomize=True, max_examples=200, deadline=None)
@given(turn_lists, st.one_of(st.none(), headers), st.sampled_from(["\n", "\r\n"]))
def test_text_round_trip(turns: list[tuple[str, str]], header: str | None, newline: str) -> None:
    body = "\n".join(f"{speaker}: {utterance}" for speaker, utterance in turns)
    source = body if header is None else f"{header}\n{body}"
    parsed = parse_bytes(source.replace("\n", newline).encode("utf-8"), "a.txt", rules=RULES)
    check(parsed, turns)
    assert parsed.text == source
    assert parsed.header_end == (0 if header is None else len(header) + 1)


@settings(derandomize=True, max_examples=100, deadline=None)
@given(turn_lists)
def test_markdown_bold_round_trip(turns: list[tuple[str, str]]) -> None:
    source = "\n".join(f"**{speaker}:** {utterance}" for speaker, utterance in turns)
    check(parse_bytes(source.encode("utf-8"), "a.md", rules=RULES), turns)


@settings(derandomize=True, max_examples=100, deadline=None)
@given(turn_lists)
def test_cp1257_round_trip(turns: list[tuple[str, str]]) -> None:
    source = "\n".join(f"{speaker}: {utterance}" for speaker, utterance in turns)
    # Every character of ALPHABET (dashes and „” too) exists in Windows-1257.
    parsed = parse_bytes(source.encode("cp1257"), "a.txt", rules=RULES)
    assert parsed.text == source
    check(parsed, turns)


@settings(derandomize=True, max_examples=25, deadline=None)
@given(turn_lists)
def test_docx_bold_label_round_trip(turns: list[tuple[str, str]]) -> None:
    document = Document()
    for speaker, utterance in turns:
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{speaker}:").bold = True
        paragraph.add_run(f" {utterance}")
    buffer = io.BytesIO()
    document.save(buffer)
    check(parse_bytes(buffer.getvalue(), "a.docx", rules=RULES), turns)


# Colon-less and timed layouts of real exports: (renderer of one turn, needs a non-empty
# first line because the label and the text share it).
LAYOUT_SPEAKERS = ["Anita Bērziņa", "Jānis Ozols", "Speaker 2", "ĀRIJA ŠĶĒLE"]
LAYOUT_RENDERERS = {
    "otter": (lambda s, u, i: f"{s}   {i // 60}:{i % 60:02d}\n{u}", False),
    "heading": (lambda s, u, i: f"### {s}\n{u}", False),
    "bold": (lambda s, u, i: f"**{s}** {u}", True),
    "bold-time": (lambda s, u, i: f"**{s}** [{i // 60}:{i % 60:02d}] {u}", True),
    "bracket-time": (lambda s, u, i: f"[00:{i // 60:02d}:{i % 60:02d}] {s}: {u}", True),
    "name-time": (lambda s, u, i: f"{s} ({i // 60:02d}:{i % 60:02d}): {u}", True),
    "chat": (lambda s, u, i: f"00:{i // 60:02d}:{i % 60:02d}\t{s}:\t{u}", True),
}
layout_turns = st.lists(
    st.tuples(st.sampled_from(LAYOUT_SPEAKERS), utterances), min_size=1, max_size=6
).map(lambda turns: turns + [(s, "Beigas.") for s in dict.fromkeys(s for s, _ in turns)])


@settings(derandomize=True, max_examples=60, deadline=None)
@given(layout_turns, st.sampled_from(sorted(LAYOUT_RENDERERS)))
def test_layout_round_trip(turns: list[tuple[str, str]], layout: str) -> None:
    render, inline = LAYOUT_RENDERERS[layout]
    if inline:  # the label shares its line with text: give the first line a word
        turns = [(s, "Jā " + u.lstrip(" \t\xa0")) for s, u in turns]
    source = "\n".join(render(s, u, i * 7) for i, (s, u) in enumerate(turns))
    parsed = parse_bytes(source.encode("utf-8"), "a.md")
    assert parsed.text == source  # no text lost
    assert [t.speaker for t in parsed.turns] == [s for s, _ in turns]
    for turn, (_, utterance) in zip(parsed.turns, turns, strict=True):
        # Offsets point at the utterance (whitespace trimmed at both ends).
        assert parsed.text[turn.start : turn.end] == utterance.strip()
    for before, after in zip(parsed.turns, parsed.turns[1:], strict=False):
        assert before.end <= after.start
