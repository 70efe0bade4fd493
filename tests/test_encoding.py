"""Encoding detection: Latvian text must come out right from every code page it is saved in."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.errors import ImportFailed
from qualcode.importers import decode_text
from qualcode.importers.encoding import latvian_score

MEDIATOR = "Romu mediatorei vajadzētu vairāk mācību un kursu, lai celtu savu kapacitāti."
MEETINGS = "Ļoti svarīgi ir regulāras tikšanās ar sociālo dienestu."
# Every Latvian letter at least once, capitals too.
ALL_LETTERS = (
    "Čūska, ģimene, ķirbis, ļoti, ņemt, šodien, žēl. "
    "Āboliņš, Ēdiens, Īpaši, Ūdens, Čehija, Ģimene, Ķekava, Ļaudis, Ņemot, Šodien, Žurnāls."
)
LATVIAN = f"R: {MEDIATOR}\nI: {MEETINGS}\n{ALL_LETTERS}\n"


def test_utf8_without_bom_is_reported_as_utf8() -> None:
    assert decode_text(LATVIAN.encode("utf-8")) == (LATVIAN, "utf-8")


def test_utf8_bom_is_removed_and_reported_as_utf8_sig() -> None:
    text, encoding = decode_text(codecs.BOM_UTF8 + LATVIAN.encode("utf-8"))
    assert (text, encoding) == (LATVIAN, "utf-8-sig")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (codecs.BOM_UTF16_LE + LATVIAN.encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + LATVIAN.encode("utf-16-be"), "utf-16-be"),
        (LATVIAN.encode("utf-16"), "utf-16-le"),  # Python writes a little-endian BOM
    ],
)
def test_utf16_with_bom_decodes_latvian(data: bytes, expected: str) -> None:
    assert decode_text(data) == (LATVIAN, expected)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_detected_by_nul_pattern(codec: str) -> None:
    assert decode_text(LATVIAN.encode(codec)) == (LATVIAN, codec)


def test_utf32_with_bom_decodes() -> None:
    assert decode_text(LATVIAN.encode("utf-32")) == (LATVIAN, "utf-32-le")


def test_cp1257_latvian_is_not_mojibake() -> None:
    text, encoding = decode_text(LATVIAN.encode("cp1257"))
    assert text == LATVIAN
    assert encoding == "cp1257"


def test_cp1257_with_windows_quotes_and_dashes() -> None:
    # „ “ – live in 0x80-0x9F in cp1257, where ISO-8859-13 has control characters.
    sample = f"R: Projekts „Latvijas romu platforma” – {MEETINGS}\n"
    assert decode_text(sample.encode("cp1257")) == (sample, "cp1257")


def test_iso8859_13_latvian_is_not_mojibake() -> None:
    text, _ = decode_text(LATVIAN.encode("iso8859_13"))
    assert text == LATVIAN


def test_iso8859_13_quotes_pick_iso8859_13_over_cp1257() -> None:
    # ISO-8859-13 puts „ at 0xA5 and “ at 0xB4; cp1257 has no 0xA5 and ´ at 0xB4.
    sample = f"Viņa teica: „{MEETINGS}“ Tā ir patiesība.\n"
    assert decode_text(sample.encode("iso8859_13")) == (sample, "iso8859-13")


def test_iso8859_4_latvian_is_not_mojibake() -> None:
    assert decode_text(LATVIAN.encode("iso8859_4"))[0] == LATVIAN


def test_cp1252_french_is_not_read_as_baltic() -> None:
    sample = "Très bien, à côté de l'église, le garçon répète: où est-ce?\n" * 3
    assert decode_text(sample.encode("cp1252"))[0] == sample


def test_cp1251_russian_is_not_read_as_baltic() -> None:
    sample = "Привет, как дела? Это интервью о работе медиатора в Елгаве.\n" * 3
    assert decode_text(sample.encode("cp1251")) == (sample, "cp1251")


def test_explicit_encoding_overrides_detection() -> None:
    data = LATVIAN.encode("cp1257")
    assert decode_text(data, "iso8859_4") == (data.decode("iso8859_4"), "iso8859-4")


def test_explicit_utf8_drops_bom() -> None:
    assert decode_text(codecs.BOM_UTF8 + b"R: J\xc4\x81.", "utf-8") == ("R: Jā.", "utf-8")


def test_unknown_encoding_is_a_clear_error() -> None:
    with pytest.raises(ImportFailed, match="unknown encoding 'foo'"):
        decode_text(b"R: ok", "foo", name="a.txt")


def test_non_text_codec_is_an_unknown_encoding() -> None:
    with pytest.raises(ImportFailed, match="unknown encoding 'rot13'"):
        decode_text(b"R: ok", "rot13")


def test_explicit_encoding_that_does_not_fit_says_where() -> None:
    with pytest.raises(ImportFailed, match=r"cannot decode as utf-8: byte 0xe2 at position 3"):
        decode_text("R: ā".encode("cp1257"), "utf-8")


def test_nul_bytes_mean_binary() -> None:
    with pytest.raises(ImportFailed, match=r"binary file, not text \(NUL bytes\)"):
        decode_text(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", name="a.txt")


def test_binary_with_regular_nul_pattern_is_not_utf16() -> None:
    with pytest.raises(ImportFailed, match="binary file, not text"):
        decode_text(b"\x00\x01\x02\x03" * 40)


def test_zip_magic_says_it_may_be_a_docx() -> None:
    with pytest.raises(ImportFailed, match=r"looks like a \.docx or other zip file"):
        decode_text(b"PK\x03\x04\x14\x00\x00\x00\x08\x00")


def test_control_characters_mean_binary() -> None:
    with pytest.raises(ImportFailed, match=r"binary file, not text \(control characters\)"):
        decode_text(bytes(range(1, 32)) * 4)


def test_a_few_stray_controls_are_tolerated() -> None:
    text = "R: " + MEETINGS + "\x0c\x1a"  # form feed, DOS end-of-file mark
    assert decode_text(text.encode("cp1257"))[0] == text


def test_undecodable_bytes_ask_for_encoding() -> None:
    # Every high byte once: undefined in the Windows pages, C1 controls in the ISO pages,
    # box drawing in KOI8-R - no code page makes text of it.
    with pytest.raises(ImportFailed, match="cannot decode as UTF-8, UTF-16, Windows-1257"):
        decode_text(b"R: " + bytes(range(0x80, 0x100)))


def test_bad_utf16_after_bom_is_an_import_error() -> None:
    with pytest.raises(ImportFailed, match="utf-16-le byte-order mark"):
        decode_text(codecs.BOM_UTF16_LE + b"\x00\xd8\x41\x00")  # lone surrogate


def test_latvian_score_prefers_correct_decoding() -> None:
    data = LATVIAN.encode("cp1257")
    assert latvian_score(data.decode("cp1257")) > latvian_score(data.decode("cp1252"))
    assert latvian_score(data.decode("cp1257")) > latvian_score(data.decode("iso8859_4"))


# Real Latvian words (every Latvian letter occurs), so the strings look like transcripts.
WORDS = (MEDIATOR + " " + MEETINGS + " " + ALL_LETTERS).replace(",", "").replace(".", "").split()
latvian_text = st.lists(
    st.tuples(st.sampled_from(WORDS), st.sampled_from([" ", " ", ", ", ". ", "\n", "? "])),
    min_size=1,
    max_size=40,
).map(lambda pairs: "".join(word + sep for word, sep in pairs))


@settings(derandomize=True, max_examples=150)
@given(latvian_text, st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1257"]))
def test_latvian_round_trips_through_each_encoding(text: str, codec: str) -> None:
    assert decode_text(text.encode(codec))[0] == text
