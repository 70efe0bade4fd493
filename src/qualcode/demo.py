"""The shipped demo project: find its files and run the whole path on it."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .errors import QualcodeError
from .importing import ImportReport
from .project import Project
from .reports import FrequencyReport

DEMO_CODEBOOK = "roma-mediators.yaml"
DEMO_CODING = "coding.csv"


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
            run = project.suggest()
            log(
                f"suggest: {run.new} keyword suggestions beyond the hand coding "
                f"({run.already_tagged} matches already tagged); see `qualcode review`"
            )
            report = project.report(by=["role"], sort="tree")
            if export is not None:  # the full report in every format (issue 5)
                for written in project.export_all(export, force=True):
                    log(f"exported: {written.path} ({written.size:,} bytes)")
        return DemoResult(folder, imported, tags, run.pending, report)
    finally:
        if tmp is not None:
            tmp.cleanup()
