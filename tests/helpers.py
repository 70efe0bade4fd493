"""Small builders for test projects written through the library (no mocks)."""

from __future__ import annotations

from pathlib import Path

CODEBOOK = """\
title: Test codebook
language: lv
codes:
  - name: improve-cooperation
    children:
      - name: needs-training
        keywords: [mācības, kursi]
      - name: more-hours
        keywords: [darba stundas]
  - name: low-pay
    keywords: [alga]
"""


def write_codebook(folder: Path, text: str = CODEBOOK) -> Path:
    """Write a codebook file and return its path."""
    path = folder / "codebook.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def write_transcript(
    folder: Path,
    name: str,
    turns: list[tuple[str, str]],
    header: str = "Intervija\nDatums: 2021-05-04\n",
) -> Path:
    """Write a .txt transcript with 'Speaker: text' lines after a header."""
    path = folder / name
    body = "\n".join(f"{speaker}: {text}" for speaker, text in turns)
    path.write_text(header + "\n" + body + "\n", encoding="utf-8")
    return path


def write_attributes(folder: Path, rows: list[dict[str, str]]) -> Path:
    """Write an attributes CSV."""
    path = folder / "attributes.csv"
    keys = list(rows[0])
    lines = [",".join(keys)] + [",".join(r.get(k, "") for k in keys) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
