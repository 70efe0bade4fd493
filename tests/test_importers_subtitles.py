"""WebVTT and SubRip subtitles: voice tags, name prefixes, merged cues and times."""

from __future__ import annotations

import pytest

from qualcode.errors import ImportFailed
from qualcode.importers import parse_bytes
from qualcode.models import INTERVIEWER, RESPONDENT, ParsedTranscript

MEDIATOR = "Romu mediatorei vajadzētu vairāk mācību un kursu, lai celtu savu kapacitāti."
MEETINGS = "Ļoti svarīgi ir regulāras tikšanās ar sociālo dienestu."

VTT = """WEBVTT - intervija
Kind: captions
Language: lv

NOTE Ierakstīts Jelgavā.
Šī piezīme nav teksts.

STYLE
::cue { color: yellow }

1
00:00:01.000 --> 00:00:04.500 align:start position:10%
<v Intervētāja>Kas jums <i>palīdzētu</i>?</v>

intro-2
00:00:05.000 --> 00:00:09.000
<v.loud Anita Bērziņa>Romu mediatorei vajadzētu vairāk mācību
un kursu,</v>

00:00:09.000 --> 00:00:12.250
<v Anita Bērziņa><b>lai</b> celtu savu <c.yellow>kapacitāti</c>.</v>

00:00:13.000 --> 00:00:15.000
Bez balss taga: turpina Anita &amp; citi.

01:00:16.000 --> 01:00:19.000
<v Intervētāja>Paldies.
"""

SRT = f"""1
00:00:01,000 --> 00:00:03,000
INTERVĒTĀJA: Kas jums palīdzētu?

2
00:00:03,500 --> 00:00:06,000
ANITA: {MEDIATOR}

3
00:00:06,000 --> 00:00:08,000
{MEETINGS}

4
00:00:08,500 --> 00:00:09,000
<i>ANITA:</i> Tas arī.

5
00:00:10,000 --> 00:00:12,000
{{\\an8}}INTERVĒTĀJA: Paldies.
"""


def turns(parsed: ParsedTranscript) -> list[tuple[str, str]]:
    """(speaker, utterance) pairs of a parsed transcript."""
    return [(t.speaker, parsed.text[t.start : t.end]) for t in parsed.turns]


def test_vtt_voice_tags_merge_consecutive_cues_and_strip_markup() -> None:
    parsed = parse_bytes(VTT.encode("utf-8"), "intervija.vtt")
    assert parsed.format == "vtt"
    assert turns(parsed) == [
        ("Intervētāja", "Kas jums palīdzētu?"),
        ("Anita Bērziņa", f"{MEDIATOR} Bez balss taga: turpina Anita & citi."),
        ("Intervētāja", "Paldies."),
    ]
    assert [t.role for t in parsed.turns] == [INTERVIEWER, RESPONDENT, INTERVIEWER]


def test_vtt_turn_times_span_their_cues() -> None:
    parsed = parse_bytes(VTT.encode("utf-8"), "intervija.vtt")
    times = [(t.start_time, t.end_time) for t in parsed.turns]
    assert times == [(1.0, 4.5), (5.0, 15.0), (3616.0, 3619.0)]


def test_vtt_text_is_one_speaker_line_per_turn_without_header() -> None:
    parsed = parse_bytes(VTT.encode("utf-8"), "intervija.vtt")
    assert parsed.header_end == 0
    assert parsed.text.split("\n")[0] == "Intervētāja: Kas jums palīdzētu?"
    assert len(parsed.text.split("\n")) == 3
    assert "NOTE" not in parsed.text and "Kind" not in parsed.text


def test_srt_name_prefixes_and_continuation_cues() -> None:
    parsed = parse_bytes(SRT.encode("utf-8"), "intervija.srt")
    assert parsed.format == "srt"
    assert turns(parsed) == [
        ("INTERVĒTĀJA", "Kas jums palīdzētu?"),
        ("ANITA", f"{MEDIATOR} {MEETINGS} Tas arī."),
        ("INTERVĒTĀJA", "Paldies."),
    ]
    assert [(t.start_time, t.end_time) for t in parsed.turns] == [
        (1.0, 3.0),
        (3.5, 9.0),
        (10.0, 12.0),
    ]
    assert parsed.turns[0].role == INTERVIEWER


def test_srt_in_cp1257_with_crlf() -> None:
    parsed = parse_bytes(SRT.replace("\n", "\r\n").encode("cp1257"), "intervija.srt")
    assert parsed.encoding == "cp1257"
    assert turns(parsed)[1][1].startswith(MEDIATOR)


def test_srt_without_blank_lines_between_cues() -> None:
    srt = "1\n00:00:01,000 --> 00:00:02,000\nR: Jā.\n2\n00:00:02,000 --> 00:00:03,000\nI: Nē?\n"
    parsed = parse_bytes(srt.encode(), "a.srt")
    assert turns(parsed) == [("R", "Jā."), ("I", "Nē?")]


def test_one_off_name_prefix_is_not_a_speaker() -> None:
    srt = (
        "1\n00:00:01,000 --> 00:00:02,000\nR: Jā.\n\n"
        "2\n00:00:02,000 --> 00:00:03,000\nPiemēram: kursi.\n"
    )
    parsed = parse_bytes(srt.encode(), "a.srt")
    assert turns(parsed) == [("R", "Jā. Piemēram: kursi.")]


def test_cues_without_any_speaker_are_one_turn_with_warning() -> None:
    vtt = f"WEBVTT\n\n00:01.000 --> 00:02.000\n{MEDIATOR}\n\n00:02.500 --> 00:04.000\n{MEETINGS}\n"
    parsed = parse_bytes(vtt.encode(), "a.vtt")
    assert turns(parsed) == [("Speaker", f"{MEDIATOR} {MEETINGS}")]
    assert (parsed.turns[0].start_time, parsed.turns[0].end_time) == (1.0, 4.0)
    assert parsed.warnings and "no speaker names" in parsed.warnings[0]


def test_empty_cues_are_skipped() -> None:
    vtt = "WEBVTT\n\n00:01.000 --> 00:02.000\n<v R></v>\n\n00:02.000 --> 00:03.000\n<v R>Jā.</v>\n"
    parsed = parse_bytes(vtt.encode(), "a.vtt")
    assert turns(parsed) == [("R", "Jā.")]
    assert parsed.turns[0].start_time == 2.0


@pytest.mark.parametrize(
    ("source", "name", "reason"),
    [
        ("WEBVTT\n\nNOTE tikai piezīme\n", "a.vtt", "no subtitle cues found"),
        (
            f"R: {MEDIATOR}\n",
            "a.srt",
            r"no subtitle cues found .*check that the file really is \.srt",
        ),
        (
            "1\n00:00:01,000 --> 00:00:02,000\n<i></i>\n",
            "a.srt",
            "no text found in the subtitle cues",
        ),
        ("  \n\n", "a.vtt", "the file contains only whitespace"),
    ],
)
def test_bad_subtitles_are_import_failed(source: str, name: str, reason: str) -> None:
    with pytest.raises(ImportFailed, match=reason):
        parse_bytes(source.encode(), name)


def test_rolling_captions_keep_each_word_once() -> None:
    from qualcode.importers import parse_bytes

    vtt = (
        "WEBVTT\nKind: captions\nLanguage: lv\n\n"
        "00:00:01.000 --> 00:00:02.000\nlabdien\n\n"
        "00:00:02.000 --> 00:00:03.000\nlabdien\nšodien runāsim\n\n"
        "00:00:03.000 --> 00:00:04.000\nšodien runāsim\npar mācībām\n\n"
        "00:00:04.000 --> 00:00:05.000\npar mācībām\nun algu\n"
    )
    pt = parse_bytes(vtt.encode(), "auto.vtt")
    assert pt.text.split(": ", 1)[1] == "labdien šodien runāsim par mācībām un algu"


def test_ordinary_subtitles_keep_a_word_repeated_across_cues() -> None:
    from qualcode.importers import parse_bytes

    vtt = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nJā, jā.\n\n"
        "00:00:02.000 --> 00:00:03.000\njā. Es tā domāju.\n\n"
        "00:00:03.000 --> 00:00:04.000\nMācības ir vajadzīgas.\n\n"
        "00:00:04.000 --> 00:00:05.000\nTas ir viss.\n"
    )
    pt = parse_bytes(vtt.encode(), "plain.vtt")
    assert pt.text.count("jā.") == 2


def test_a_webvtt_language_header_is_taken_as_the_language() -> None:
    from qualcode.importers import parse_bytes

    vtt = "WEBVTT\nKind: captions\nLanguage: lv-LV\n\n00:00:01.000 --> 00:00:02.000\nLabdien.\n"
    assert parse_bytes(vtt.encode(), "a.vtt").declared_language == "lv"
    plain = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nLanguage: en\n"
    assert parse_bytes(plain.encode(), "b.vtt").declared_language is None
