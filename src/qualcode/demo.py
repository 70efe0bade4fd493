"""The shipped demo project: find its files and run the whole path on it."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import QualcodeError
from .importing import ImportReport
from .project import Project
from .reports import FrequencyReport

if TYPE_CHECKING:
    from .agreement import AgreementTable

DEMO_CODEBOOK = "roma-mediators.yaml"
DEMO_CODING = "coding.csv"
DEMO_SECOND_CODING = "coding-second.csv"  # a second coder's double coding of 4 interviews


def demo_dirs() -> tuple[Path, Path]:
    """(codebooks folder, transcripts folder): inside the installed package or the checkout."""
    here = Path(__file__).resolve().parent
    for base in (here / "demo_data", here.parents[1]):
        codebooks, transcripts = base / "codebooks", base / "transcripts"
        if (codebooks / DEMO_CODEBOOK).is_file() and transcripts.is_dir():
            return codebooks, transcripts
    raise QualcodeError("the demo files are missing from this installation; reinstall qualcode")


@dataclass(frozen=True)
class DemoResult:
    """What the demo did."""

    folder: Path
    imported: ImportReport
    tags: int
    suggestions: int
    report: FrequencyReport
    agreement: AgreementTable | None = None


def run_demo(
    folder: Path | None = None,
    log: Callable[[str], None] = lambda _: None,
    export: Path | None = None,
) -> DemoResult:
    """Init a project, load the demo codebook, import transcripts and the hand coding, run the
    keyword suggestions and report by role (optionally exporting every format)."""
    codebooks, transcripts = demo_dirs()
    tmp = None
    if folder is None:
        tmp = tempfile.TemporaryDirectory(prefix="qualcode-demo-")
        folder = Path(tmp.name)
    try:
        project = Project.init(folder)
        with project:
            log(f"project: {folder / 'qualcode.db'}")
            load = project.load_codebook(codebooks / DEMO_CODEBOOK)
            log(f"codebook: {len(load.added)} codes from {DEMO_CODEBOOK}")
            imported = project.import_paths(
                [transcripts], attributes=transcripts / "attributes.csv"
            )
            log(
                f"imported: {len(imported.imported)} transcripts"
                + (f", {len(imported.failed)} failed" if imported.failed else "")
            )
            tags = 0
            coding = transcripts / DEMO_CODING
            if coding.is_file():
                tags = project.import_tags(coding, coder="demo-coder").added
                log(f"coding: {tags} tags from {DEMO_CODING}")
            agreement = None
            second = transcripts / DEMO_SECOND_CODING
            if second.is_file():
                added = project.import_tags(second, coder="second-coder").added
                agreement = project.agreement(unit="turn")
                log(
                    f"second coder: {added} tags on {len(agreement.transcripts)} double-coded "
                    f"interviews ({DEMO_SECOND_CODING}); see `qualcode agreement`"
                )
            run = project.suggest()
            log(
                f"suggest: {run.new} keyword suggestions beyond the hand coding "
                f"({run.already_tagged} matches already tagged); see `qualcode review`"
            )
            # The report counts the first coder's coding: the second only double-coded four.
            report = project.report(by=["role"], sort="tree", coder="demo-coder")
            if export is not None:  # the full report in every format (issue 5)
                for written in project.export_all(export, force=True, coder="demo-coder"):
                    log(f"exported: {written.path} ({written.size:,} bytes)")
        return DemoResult(folder, imported, tags, run.pending, report, agreement)
    finally:
        if tmp is not None:
            tmp.cleanup()
