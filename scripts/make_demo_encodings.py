"""Write the demo transcripts that need unusual bytes: Windows-1257, a UTF-8 BOM, CRLF endings.

Run from anywhere: ``python scripts/make_demo_encodings.py``. The sources in
``scripts/demo_sources/*.txt`` are plain UTF-8 with LF endings; the committed files in
``transcripts/`` are what importers are tested against, so keep the two in step.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "scripts" / "demo_sources"
OUT = ROOT / "transcripts"

# stem -> (encoding, line ending); the encodings users meet in old Word/Notepad exports
TARGETS: dict[str, tuple[str, str]] = {
    "LV-02": ("cp1257", "\n"),  # Windows-1257 (Baltic), LF
    "LV-05": ("utf-8-sig", "\n"),  # UTF-8 with a byte-order mark
    "LV-06": ("utf-8", "\r\n"),  # UTF-8, Windows line endings
    "LV-08": ("cp1257", "\r\n"),  # Windows-1257 and CRLF: an old Notepad file
}


def main() -> None:
    """Encode each source into transcripts/<stem>.txt."""
    for stem, (encoding, newline) in TARGETS.items():
        text = (SOURCES / f"{stem}.txt").read_text(encoding="utf-8")
        data = text.replace("\r\n", "\n").replace("\n", newline).encode(encoding)
        path = OUT / f"{stem}.txt"
        path.write_bytes(data)
        ending = "CRLF" if newline == "\r\n" else "LF"
        print(f"wrote {path.relative_to(ROOT)} ({encoding}, {ending})")


if __name__ == "__main__":
    main()
