"""Time `qualcode export report` in every format on the demo project and a synthetic one.

    python benchmarks/bench_export.py                  # demo + 200 transcripts x 5000 words
    python benchmarks/bench_export.py --transcripts 50 --words 2000 --keep /tmp/bench

Each export runs the installed `qualcode` command (start-up included), as a user would.
The synthetic project comes from benchmarks/make_corpus.py and is tagged through the
library (import_tags_csv) with a fixed seed, so runs are comparable.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from make_corpus import make_corpus, random_tags_csv

from qualcode.project import Project
from qualcode.tagging import import_tags_csv

REPO = Path(__file__).resolve().parents[1]
CODEBOOK = REPO / "codebooks" / "roma-mediators.yaml"
DEMO = REPO / "transcripts"
GOLD = REPO / "transcripts" / "coding.csv"  # the demo's hand coding
FORMATS = (".xlsx", ".docx", ".html", ".md", ".csv", ".json")


def build(folder: Path, source: Path, tags: Path | None, seed: int) -> tuple[int, int]:
    """A project in folder from transcripts in source; returns (transcripts, tags).

    Without a tags file, each transcript gets about 12 random tags (make_corpus.py)."""
    with Project.init(folder) as project:
        project.load_codebook(CODEBOOK)
        report = project.import_paths([source], attributes=source / "attributes.csv")
        if report.failed:
            raise SystemExit(f"import failed: {report.failed[:3]}")
        if tags is None:
            count = 12 * len(project.transcripts())
            tags = random_tags_csv(project, folder / "tags.csv", count, seed)
        added = import_tags_csv(project.store, tags, coder="bench").added
        return len(project.transcripts()), added


def time_exports(project_dir: Path, out: Path, repeat: int) -> list[tuple[str, float, int]]:
    """(format, best seconds of `repeat` runs, bytes) for each format."""
    qualcode = shutil.which("qualcode") or "qualcode"
    results = []
    for ext in FORMATS:
        target = out / f"report{ext}"
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            subprocess.run(
                [
                    qualcode,
                    "--project",
                    str(project_dir),
                    "export",
                    "report",
                    "-o",
                    str(target),
                    "--force",
                ],
                check=True,
                capture_output=True,
            )
            best = min(best, time.perf_counter() - start)
        results.append((ext, best, target.stat().st_size))
    return results


def main() -> None:
    """Build both projects, time every export, print a table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--transcripts", type=int, default=200)
    ap.add_argument("--words", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=1, help="runs per format (best is kept)")
    ap.add_argument("--keep", type=Path, help="build in this folder and keep it")
    args = ap.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="qualcode-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    try:
        runs = []
        start = time.perf_counter()
        n, tags = build(base / "demo", DEMO, GOLD if GOLD.is_file() else None, args.seed)
        runs.append(
            (f"demo ({n} transcripts, {tags} tags)", base / "demo", time.perf_counter() - start)
        )
        corpus = make_corpus(base / "corpus", args.transcripts, args.words, args.seed)
        start = time.perf_counter()
        n, tags = build(base / "synthetic", corpus.transcripts, None, args.seed)
        runs.append(
            (
                f"synthetic ({n} transcripts x {args.words} words, {tags} tags)",
                base / "synthetic",
                time.perf_counter() - start,
            )
        )
        for label, folder, build_s in runs:
            out = folder / "exports"
            out.mkdir(exist_ok=True)
            print(f"\n{label}: built in {build_s:.1f} s")
            print(f"  {'format':8} {'seconds':>8} {'bytes':>12}")
            for ext, seconds, size in time_exports(folder, out, args.repeat):
                print(f"  {ext:8} {seconds:8.2f} {size:12,}")
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
