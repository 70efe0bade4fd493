"""Time `qualcode export report` in every format on the demo project and a synthetic one.

    python benchmarks/bench_export.py                  # demo + 200 transcripts x 5000 words
    python benchmarks/bench_export.py --transcripts 50 --words 2000 --keep /tmp/bench

Each export runs the installed `qualcode` command (start-up included), as a user would.
The synthetic project comes from benchmarks/make_corpus.py when it is there, otherwise from
the small generator below; it is tagged through the library (import_tags_csv) with a fixed
seed, so runs are comparable.
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from qualcode.project import Project
from qualcode.tagging import import_tags_csv

REPO = Path(__file__).resolve().parents[1]
CODEBOOK = REPO / "codebooks" / "roma-mediators.yaml"
DEMO = REPO / "transcripts"
GOLD = REPO / "transcripts" / "coding.csv"  # the demo's hand coding
FORMATS = (".xlsx", ".docx", ".html", ".md", ".csv", ".json")
TOWNS = ("Jelgava", "Ventspils", "Viļaka", "Rīga", "Talsi", "Liepāja", "Daugavpils")
WORDS = (
    "mediators palīdz ģimenēm bērni skola mācības darba stundas alga pašvaldība sadarbība "
    "informācija sapulce kursi veselība mājoklis drošība policija sociālais dienests romu "
    "kopiena dokumenti telefons dators pandēmija attālinātās mācības vecāki skolotājs palīgs"
).split()


def own_corpus(folder: Path, transcripts: int, words: int, seed: int) -> None:
    """Write transcripts (I:/R: turns of Latvian words) and an attributes CSV with ratings."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(1, transcripts + 1):
        rid = f"S-{i:03d}"
        turns, left = [], words
        while left > 0:
            n = min(left, rng.randint(20, 120))
            turns.append("I: " + " ".join(rng.choices(WORDS, k=8)) + "?")
            turns.append("R: " + " ".join(rng.choices(WORDS, k=n)) + ".")
            left -= n + 8
        (folder / f"{rid}.txt").write_text("\n".join(turns) + "\n", encoding="utf-8")
        staff = rng.random() < 0.7
        ratings = [
            str(rng.randint(1, 10)) if staff and rng.random() > 0.05 else "" for _ in range(8)
        ]
        rows.append(
            [
                rid,
                f"{rid}.txt",
                rng.choice(TOWNS),
                "municipal-staff" if staff else "mediator",
                *ratings,
            ]
        )
    with open(folder / "attributes.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "respondent_id",
                "file",
                "town",
                "role",
                "r_professional",
                "r_joint_work",
                "r_relations",
                "r_action",
                "r_info_exchange",
                "r_communication_could_be_better",
                "r_not_effective",
                "r_no_cooperation",
            ]
        )
        w.writerows(rows)


def synthetic_corpus(folder: Path, transcripts: int, words: int, seed: int) -> str:
    """Transcripts from make_corpus.py if it exists, else from own_corpus; returns which."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    try:
        from make_corpus import make_corpus  # type: ignore[import-not-found]
    except ImportError:
        own_corpus(folder, transcripts, words, seed)
        return "own generator"
    make_corpus(folder, transcripts=transcripts, words=words, seed=seed)
    if not (folder / "attributes.csv").is_file():
        own_attributes = folder.parent / "attrs-only"
        own_corpus(own_attributes, transcripts, 10, seed)
        shutil.copy(own_attributes / "attributes.csv", folder / "attributes.csv")
    return "benchmarks/make_corpus.py"


def tag_randomly(project: Project, folder: Path, seed: int, per_transcript: int = 12) -> int:
    """Tag respondent turns with random leaf codes through import_tags_csv; returns tags."""
    rng = random.Random(seed)
    codes = project.codes()
    leaves = [c.name for c in codes if not any(d.parent == c.name for d in codes)]
    rows = []
    for t in project.transcripts():
        turns = [u.number for u in project.show(t.name).turns if u.role == "respondent"]
        for _ in range(min(per_transcript, len(turns))):
            rows.append((t.name, rng.choice(turns), rng.choice(leaves)))
    path = folder / "tags.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["transcript", "turn", "code"])
        w.writerows(rows)
    return import_tags_csv(project, path, coder="bench").added


def build(folder: Path, source: Path, tags: Path | None, seed: int) -> tuple[int, int]:
    """A project in folder from transcripts in source; returns (transcripts, tags)."""
    with Project.init(folder) as project:
        project.load_codebook(CODEBOOK)
        report = project.import_paths([source], attributes=source / "attributes.csv")
        if report.failed:
            raise SystemExit(f"import failed: {report.failed[:3]}")
        if tags is not None:
            added = import_tags_csv(project, tags, coder="gold").added
        else:
            added = tag_randomly(project, folder, seed)
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
        source = base / "corpus"
        made_by = synthetic_corpus(source, args.transcripts, args.words, args.seed)
        start = time.perf_counter()
        n, tags = build(base / "synthetic", source, None, args.seed)
        runs.append(
            (
                f"synthetic ({n} transcripts x {args.words} words, {tags} tags; {made_by})",
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
