"""Small builders for test projects written through the library (no mocks), and shared checks."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest

from qualcode.errors import QualcodeError
from qualcode.project import Project

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


def two_latvian_interviews(tmp_path: Path) -> Project:
    """A project with two short invented Latvian interviews (LV-01 in Talsi, LV-02 in Rīga)
    and the test codebook, loaded from a copy the tests may edit."""
    return project_from(
        tmp_path,
        {
            "a.txt": [
                ("I", "Kas viņai vajadzīgs? Mācības?"),
                ("R", "Viņai vajag mācību kursus, un alga ir maza."),
                ("I", "Vēl?"),
                ("R", "Darba stundu ir par maz."),
            ],
            "b.txt": [("I", "Kā iet?"), ("R", "Vajag kursus. Algu nemaksā laikus.")],
        },
        attributes=[
            {"respondent_id": "LV-01", "file": "a.txt", "town": "Talsi"},
            {"respondent_id": "LV-02", "file": "b.txt", "town": "Rīga"},
        ],
    )


def project_from(
    tmp_path: Path,
    transcripts: dict[str, list[tuple[str, str]]],
    codebook: str = CODEBOOK,
    attributes: list[dict[str, str]] | None = None,
) -> Project:
    """A project in tmp_path/proj with these invented .txt transcripts (file name -> turns)
    and codebook, imported from tmp_path/src (with an attributes CSV when given)."""
    src = tmp_path / "src"
    src.mkdir()
    for name, turns in transcripts.items():
        write_transcript(src, name, turns)
    p = Project.init(tmp_path / "proj")
    p.load_codebook(write_codebook(src, codebook))
    table = write_attributes(src, attributes) if attributes else None
    p.import_paths([src], attributes=table)
    return p


def die(*_args: object, **_kwargs: object) -> NoReturn:
    """A stand-in for work done in a worker process: the process ends at once, as the
    kernel's out-of-memory killer would end it."""
    os._exit(3)


def assert_dead_worker_reported_and_nothing_stored(project: Project) -> None:
    """`suggest` with a dying worker fails with the one-line error and stores nothing."""
    with pytest.raises(QualcodeError, match="worker process stopped.*QUALCODE_WORKERS=1"):
        project.suggest()
    assert project.suggestions() == [] and project.check().ok
