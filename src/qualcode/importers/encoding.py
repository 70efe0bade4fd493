"""Turn transcript bytes into text: BOMs, UTF-8, UTF-16, and Latvian 8-bit code pages."""

from __future__ import annotations

import codecs
import re
import unicodedata

from qualcode.errors import ImportFailed

# Letters that only a correct Baltic decoding produces often; a wrong 8-bit guess turns
# them into Western letters or symbols, so counting them tells the code pages apart.
LATVIAN_LETTERS = frozenset("āčēģīķļņšūžĀČĒĢĪĶĻŅŠŪŽ")

# Non-ASCII punctuation that is normal in Latvian and English text (quotes, dashes, euro).
_PLAUSIBLE_PUNCTUATION = frozenset("\u00a0–—…„“”‘’‚«»€§°•·№")

# Baltic code pages first: on a tie the earlier one wins (Windows-1257 is what Word and
# Notepad in Latvia wrote). ISO-8859-4 is the older Baltic standard.
BALTIC_CANDIDATES = ("cp1257", "iso8859_13", "iso8859_4")
# The rest are for transcripts that are not Latvian (Western, Central European, Russian).
OTHER_CANDIDATES = ("cp1252", "cp1250", "iso8859_2", "cp1251", "koi8_r", "iso8859_15")
_BALTIC_NAMES = frozenset(codecs.lookup(codec).name for codec in BALTIC_CANDIDATES)

_WORD = re.compile(r"[^\W\d_]{2,}")
_CANNOT_DECODE = "cannot decode as UTF-8, UTF-16, Windows-1257 or ISO-8859-13; pass --encoding"

# Whitespace control characters that ordinary text files contain; 0x1A is the DOS
# end-of-file mark old editors appended.
_ALLOWED_CONTROLS = frozenset("\t\n\r\x0b\x0c\x1a")

_BOMS = (
    # UTF-32 first: its little-endian BOM starts with the UTF-16 one.
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode_text(
    data: bytes, encoding: str | None = None, *, name: str = "<bytes>"
) -> tuple[str, str]:
    """Decode data to text and return (text, encoding name); raise ImportFailed if impossible."""
    if encoding is not None:
        return _decode_as(data, encoding, name)
    for bom, codec in _BOMS:
        if data.startswith(bom):
            body = data if codec == "utf-8-sig" else data[len(bom) :]
            return _checked(_strict(body, codec, name), codec, name, data)
    utf16 = _bomless_utf16(data)
    if utf16 is not None:
        return utf16
    if b"\x00" in data:
        raise ImportFailed(name, _binary_reason(data, "NUL bytes"))
    try:
        return _checked(data.decode("utf-8"), "utf-8", name, data)
    except UnicodeDecodeError:
        pass
    return _decode_8bit(data, name)


def _decode_as(data: bytes, encoding: str, name: str) -> tuple[str, str]:
    """Decode with the encoding the user asked for."""
    try:
        codec = codecs.lookup(encoding).name
        text = data.decode(codec)
    except LookupError:
        # Also raised for codecs that are not text encodings, like rot13 or base64.
        raise ImportFailed(
            name, f"unknown encoding {encoding!r}; use a name like utf-8, cp1257 or iso8859-13"
        ) from None
    except UnicodeDecodeError as exc:
        raise ImportFailed(
            name,
            f"cannot decode as {codec}: byte 0x{data[exc.start]:02x} at position {exc.start} "
            "is not valid there; check --encoding, or leave it out to detect the encoding",
        ) from None
    # A BOM is not part of the transcript, whichever UTF codec the user named.
    if text.startswith("\ufeff") and codec.startswith("utf"):
        text = text[1:]
    return _checked(text, codec, name, data)


def _strict(data: bytes, codec: str, name: str) -> str:
    """Decode strictly, turning a decoding error into ImportFailed."""
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise ImportFailed(
            name,
            f"starts with a {codec} byte-order mark but byte {exc.start} is not valid {codec}; "
            "save the file again as UTF-8 or pass --encoding",
        ) from None


# The C0/C1 controls (category Cc) minus _ALLOWED_CONTROLS, as one compiled class: a
# regex scan is ~50x faster than unicodedata.category per character on large imports.
_BAD_CONTROLS = re.compile("[\x00-\x08\x0e-\x19\x1b-\x1f\x7f-\x9f]")


def count_bad_controls(text: str) -> int:
    """How many C0/C1 control characters text has that text files do not contain."""
    return sum(1 for _ in _BAD_CONTROLS.finditer(text))


def _checked(text: str, codec: str, name: str, data: bytes) -> tuple[str, str]:
    """Reject text that is mostly control characters (a binary file that happened to decode)."""
    controls = count_bad_controls(text)
    if controls > max(2, len(text) // 20):
        raise ImportFailed(name, _binary_reason(data, "control characters"))
    return text, codec


def _is_bad_control(ch: str) -> bool:
    """True for C0/C1 control characters that do not occur in text files."""
    return _BAD_CONTROLS.match(ch) is not None


def _binary_reason(data: bytes, why: str) -> str:
    """Explain why a file looks binary, naming the likely real format when the magic says so."""
    if data.startswith(b"PK\x03\x04"):
        return (
            f"looks like a .docx or other zip file, not text ({why}); "
            "rename it to .docx if it is a Word document"
        )
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return (
            f"looks like an old Word .doc file, not text ({why}); "
            "open it in Word and save it as .docx"
        )
    if data.startswith(b"%PDF"):
        return f"looks like a PDF, not text ({why}); export the transcript from it as .txt or .docx"
    return f"looks like a binary file, not text ({why}); save it as .txt or .docx"


def _bomless_utf16(data: bytes) -> tuple[str, str] | None:
    """Detect UTF-16 without a BOM by its NUL pattern: one byte of each pair is mostly zero."""
    n = len(data) - len(data) % 2
    pairs = n // 2
    if pairs < 2 or len(data) % 2:
        return None
    zeros_even, zeros_odd = data[0:n:2].count(0), data[1:n:2].count(0)
    # ASCII and Latvian letters (U+00xx, U+01xx) keep the high byte of each pair at 0 or 1,
    # so Latvian text has well over a fifth zeros on that side and few on the other (only
    # from Ā, U+0100); a binary file has zeros scattered on both sides.
    if zeros_odd >= 0.2 * pairs and zeros_even * 4 <= zeros_odd:
        codec = "utf-16-le"
    elif zeros_even >= 0.2 * pairs and zeros_odd * 4 <= zeros_even:
        codec = "utf-16-be"
    else:
        return None
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return None
    # Real UTF-16 text has no C0 controls; binary data with a regular NUL pattern does.
    if _BAD_CONTROLS.search(text) or not _plausible(text):
        return None
    return text, codec


def latvian_score(text: str) -> int:
    """How plausible text is as a Latvian decoding: Latvian letters up, garbage down."""
    score = 0
    for ch in text:
        if ch < "\x80":
            continue  # ASCII decodes the same in every candidate; it cannot tell them apart
        if ch in LATVIAN_LETTERS:
            score += 3
        elif ch in _PLAUSIBLE_PUNCTUATION:
            continue
        elif unicodedata.category(ch).startswith("C"):
            score -= 10  # C1 controls: what ISO code pages make of Windows punctuation
        elif ch.isalpha():
            score -= 1  # a foreign letter: possible (names), but a hint of a wrong guess
        else:
            score -= 2  # symbols like ´ ˙ ¤ ¦: what the wrong Baltic page makes of quotes
    return score


def _looks_latvian(text: str) -> bool:
    """True when the non-ASCII letters are mostly Latvian ones, inside mostly-ASCII words."""
    non_ascii = [ch for ch in text if ch >= "\x80" and ch.isalpha()]
    latvian = sum(1 for ch in non_ascii if ch in LATVIAN_LETTERS)
    # Cyrillic read as cp1257 is a third or more "Latvian" letters by chance (о и н т р в
    # become ī č ķ ņ š ā), but its words are made of accented letters only, while a
    # Latvian word with a diacritic nearly always has plain letters too ("šķūņu").
    words = [w for w in _WORD.findall(text) if any(ch >= "\x80" for ch in w)]
    accented_only = sum(1 for w in words if all(ch >= "\x80" for ch in w))
    # Two such words prove nothing (an all-caps "ĀĀ" in a header), Russian has dozens.
    cyrillic_like = accented_only >= 3 and accented_only * 2 > len(words)
    return latvian > 0 and latvian * 2 >= len(non_ascii) and not cyrillic_like


def _plausible(text: str) -> bool:
    """True unless text has control characters or its non-ASCII is mostly symbols.

    A wrong single-byte guess shows as box drawing, ¤ ¦ ± ¬ and the like; letters,
    spaces, quotes and dashes are what real transcripts have outside ASCII.
    """
    non_ascii = garbage = 0
    for ch in text:
        if ch < "\x80":
            continue
        non_ascii += 1
        if _is_bad_control(ch):
            return False
        normal = (
            ch.isalpha()
            or ch.isspace()
            or unicodedata.combining(ch)
            or ch in _PLAUSIBLE_PUNCTUATION
            or unicodedata.category(ch) in {"Pd", "Pi", "Pf", "Ps", "Pe"}
        )
        garbage += not normal
    return garbage * 5 <= non_ascii


def _decode_8bit(data: bytes, name: str) -> tuple[str, str]:
    """Pick an 8-bit code page: Latvian scoring among Baltic pages, else a general guess."""
    controls = sum(1 for b in data if (b < 0x20 and chr(b) not in _ALLOWED_CONTROLS) or b == 0x7F)
    if controls > max(2, len(data) // 20):
        raise ImportFailed(name, _binary_reason(data, "control characters"))
    baltic: list[tuple[int, str, str]] = []
    for codec in BALTIC_CANDIDATES:
        try:
            baltic.append((latvian_score(data.decode(codec)), codec, data.decode(codec)))
        except UnicodeDecodeError:
            continue
    # max() keeps the first of equal scores, so candidate order breaks ties.
    best = max(baltic, key=lambda c: c[0]) if baltic else None
    if best is not None and not _plausible(best[2]):
        best = None
    if best is not None and _looks_latvian(best[2]):
        return best[2], codecs.lookup(best[1]).name
    guessed = _guess_other(data)
    if best is not None and guessed is not None and guessed[1] in _BALTIC_NAMES:
        # charset-normalizer thinks it is Baltic after all; Latvian scoring picks which.
        return best[2], codecs.lookup(best[1]).name
    if guessed is None:
        raise ImportFailed(name, _CANNOT_DECODE)
    return guessed


def _guess_other(data: bytes) -> tuple[str, str] | None:
    """Guess a non-Baltic 8-bit code page with charset-normalizer, then by least garbage."""
    from charset_normalizer import from_bytes  # only needed for this rare path

    candidates = OTHER_CANDIDATES + BALTIC_CANDIDATES
    results = list(from_bytes(data, cp_isolation=list(candidates)))
    if results:
        # charset-normalizer often scores several code pages the same on short text
        # (French comes out cp1250 = cp1252 = cp1257); our candidate order breaks the tie.
        top = (results[0].chaos, results[0].coherence)
        tied = [r for r in results if (r.chaos, r.coherence) == top]
        order = [codecs.lookup(c).name for c in candidates]
        rank = {name: i for i, name in enumerate(order)}
        result = min(tied, key=lambda r: rank.get(codecs.lookup(r.encoding).name, len(order)))
        if _plausible(str(result)):
            return str(result), codecs.lookup(result.encoding).name
    for codec in candidates:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if _plausible(text):
            return text, codecs.lookup(codec).name
    return None
