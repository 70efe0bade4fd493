"""A small Latvian project for the search, memo, coverage and browse tests (invented text)."""

from __future__ import annotations

from pathlib import Path

from helpers import write_attributes, write_codebook, write_transcript

from qualcode.project import Project

TURNS_A = [
    ("I", "Kā jums klājas darbā?"),
    ("R", "Darbs patīk, bet par maz maksā. Alga ir maza, un  Par   MAZ maksā arī kolēģiem."),
    ("I", "Vai ir bijušas mācības?"),
    ("R", "Mācību nebija, es gribētu apmeklēt kursus."),
    ("I", "Paldies."),
    ("R", "Lūdzu, man patika runāt."),
]
TURNS_B = [
    ("I", "Ko jūs darāt?"),
    ("R", "Strādāju ar ģimenēm. Man vajag vairāk mācību par likumiem."),
    ("I", "Un darba laiks?"),
    ("R", "Darba stundu ir par maz, algas arī."),
]


def make_project(tmp_path: Path) -> Path:
    """Two transcripts (LV-A in Talsi, LV-B in Rīga) with a codebook; no tags yet."""
    src = tmp_path / "src"
    src.mkdir()
    write_transcript(src, "LV-A.txt", TURNS_A)
    write_transcript(src, "LV-B.txt", TURNS_B)
    attrs = write_attributes(
        src,
        [
            {"respondent": "LV-A", "file": "LV-A.txt", "town": "Talsi"},
            {"respondent": "LV-B", "file": "LV-B.txt", "town": "Rīga"},
        ],
    )
    folder = tmp_path / "proj"
    with Project.init(folder) as p:
        p.load_codebook(write_codebook(src))
        report = p.import_paths([src / "LV-A.txt", src / "LV-B.txt"], attributes=attrs)
        assert not report.failed, report.failed
    return folder
