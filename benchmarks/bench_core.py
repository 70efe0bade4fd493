"""Time import, listing and report commands on a national-scale synthetic project.

    python benchmarks/bench_core.py                       # 1,000 transcripts x 10,000 words,
                                                          # 100,000 tags by 4 coders
    python benchmarks/bench_core.py --transcripts 200 --words 5000 --tags 20000 --keep /tmp/b

The corpus comes from benchmarks/make_corpus.py. Import runs the installed `qualcode import`
command; the tags are written through the library (tag --from-csv); every listing and
report command is then timed as a user runs it (whole command, start-up included, best of
--repeat runs): wall time and the child process's CPU (user+sys, from getrusage), and import
as CPU seconds per million respondent words.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from make_corpus import make_corpus, random_tags_csv

from qualcode.project import Project

QUERIES = (
    ("transcripts", ["transcripts", "--format", "json"]),
    ("report", ["report"]),
    ("report by town", ["report", "--by", "town"]),
    ("report by town x role (csv)", ["report", "--by", "town", "--by", "role", "--format", "csv"]),
    ("show one transcript", ["show", "SY-100", "--format", "json"]),
    ("tags of one code (csv)", ["tags", "--code", "needs-training", "--format", "csv"]),
    ("quotes, 5 per town", ["quotes", "needs-training", "--by", "town", "--limit", "5"]),
    (
        "matrix 3 codes by role",
        ["matrix", "needs-training", "more-hours", "low-pay", "--by", "role"],
    ),
    ("cooccur", ["cooccur"]),
    ("codebook show", ["codebook", "show"]),
)


def qualcode(*args: str, cwd: Path) -> float:
    """Run the installed qualcode command; return its wall time in seconds."""
    return qualcode_times(*args, cwd=cwd)[0]


def qualcode_times(*args: str, cwd: Path) -> tuple[float, float]:
    """Run the installed qualcode command; return its wall and CPU (user+sys) seconds."""
    exe = shutil.which("qualcode", path=str(Path(sys.executable).parent)) or "qualcode"
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # users run with cached bytecode
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [exe, *args],
        cwd=cwd,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def build(folder: Path, args: argparse.Namespace) -> None:
    """Generate the corpus, import it and tag it; print those timings."""
    t0 = time.perf_counter()
    corpus = make_corpus(folder / "corpus", args.transcripts, args.words, seed=1)
    generated = time.perf_counter() - t0
    Project.init(folder / "proj").close()
    proj = folder / "proj"
    qualcode("codebook", "load", str(corpus.codebook), cwd=proj)
    imported, import_cpu = qualcode_times(
        "import", str(corpus.transcripts), "--attributes", str(corpus.attributes), cwd=proj
    )
    with Project.open(proj) as project:
        random_tags_csv(project, folder / "tags.csv", args.tags, seed=2)
    tagged = qualcode("tag", "--from-csv", str(folder / "tags.csv"), cwd=proj)
    size = (proj / "qualcode.db").stat().st_size
    print(
        f"corpus: {args.transcripts:,} transcripts, {corpus.words:,} respondent words "
        f"(generated in {generated:.1f} s); qualcode.db {size / 1e6:.0f} MB"
    )
    print(
        f"{'qualcode import (whole corpus)':<36} {imported:8.2f} s   {import_cpu:8.2f} s CPU"
        f"   = {import_cpu / (corpus.words / 1e6):.2f} s CPU per million words"
    )
    print(f"{'qualcode tag --from-csv (' + format(args.tags, ',') + ' tags)':<36} {tagged:8.2f} s")


def main() -> None:
    """Build the project, time the commands, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transcripts", type=int, default=1000)
    parser.add_argument("--words", type=int, default=10_000)
    parser.add_argument("--tags", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--keep", type=Path, help="build in this folder and keep it (reused if built already)"
    )
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="qualcode-bench-"))
    print(
        f"python benchmarks/bench_core.py --transcripts {args.transcripts} --words {args.words} "
        f"--tags {args.tags} --repeat {args.repeat}" + (f" --keep {args.keep}" if args.keep else "")
    )
    try:
        proj = folder / "proj"
        if (proj / "qualcode.db").is_file():  # --keep of an earlier run: time the queries only
            print(f"reusing {proj}")
        else:
            build(folder, args)
        print(f"{'':<36} {'wall':>8}     {'CPU':>8}   (best of {args.repeat})")
        for label, cmd in QUERIES:
            runs = [qualcode_times(*cmd, cwd=proj) for _ in range(args.repeat)]
            wall = min(r[0] for r in runs)
            cpu = min(r[1] for r in runs)
            print(
                f"{'qualcode ' + label:<36} {wall:8.2f} s {cpu:8.2f} s CPU"
                f"   (qualcode {' '.join(cmd)})"
            )
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
