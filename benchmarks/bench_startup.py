"""Start-up cost of everyday commands: whole-process CPU and `-X importtime` totals.

    python benchmarks/bench_startup.py                 # demo project in a temp folder, 15 runs
    python benchmarks/bench_startup.py --runs 31 --keep /tmp/perfdemo

Each command runs the installed `qualcode` executable on the demo project (`qualcode demo
--keep DIR`). CPU is user+sys of the child process, from `resource.getrusage(RUSAGE_CHILDREN)`
deltas, so it counts the interpreter start, every import and the work, and nothing of this
script; the median of --runs runs is printed. The import column is the sum of the cumulative
times of the top-level imports `python -X importtime` reports for one more run (what the
command pays to import, before it does anything), with the three heaviest top-level packages.
`tag` and `untag` alternate on the same turn, so the project ends as it began.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

# Each entry is a list of commands run in turn per round and timed separately, so a `tag` is
# always followed by the `untag` that undoes it.
COMMANDS: tuple[tuple[list[str], ...], ...] = (
    (["--help"],),
    (["report"],),
    (["show", "LV-03"],),
    (["tag", "LV-03", "5", "housing"], ["untag", "LV-03", "5", "housing"]),
    (["transcripts"],),
    (["log", "--limit", "5"],),
)
# Modules every Python start imports; not interesting in the "heaviest" column.
_BASE = {"site", "encodings", "qualcode", "_frozen_importlib_external", "zipimport", "codecs"}
_EDITABLE_FINDER = re.compile(r"^__editable__")

_KEEP_DONTWRITE = "--no-bytecode" in sys.argv
_IMPORT_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|( *)(\S+)")


def _exe() -> str:
    return shutil.which("qualcode", path=str(Path(sys.executable).parent)) or "qualcode"


def _env() -> dict[str, str]:
    # A fixed width and no colour: rendering the same table every run, as a pipe gets it.
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120"}
    # Users run with cached bytecode; without it every run recompiles qualcode's own modules
    # (~0.2 s), which would swamp the figures. --no-bytecode measures that case.
    if not _KEEP_DONTWRITE:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def cpu_of(cmd: list[str], cwd: Path) -> float:
    """User+sys CPU seconds of one run of cmd (a child process)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        cmd,
        cwd=cwd,
        env=_env(),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def import_times(args: list[str], cwd: Path) -> tuple[float, list[tuple[str, float]]]:
    """Total seconds of top-level imports under -X importtime, and the heaviest packages."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", _exe(), *args],
        cwd=cwd,
        env=_env(),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    total = 0.0
    packages: dict[str, float] = {}
    for line in result.stderr.splitlines():
        match = _IMPORT_LINE.match(line)
        if not match:
            continue
        cumulative = int(match.group(2)) / 1e6
        name = match.group(4)
        # A top-level import is printed with one space after the bar; nested ones are indented.
        if len(match.group(3)) == 1:
            total += cumulative
        # A package's own line carries what importing it first cost, wherever it is; two levels,
        # so a namespace package (ruamel) shows as its real one (ruamel.yaml).
        if name.count(".") <= 1 and name.split(".")[0] not in _BASE:
            if not _EDITABLE_FINDER.match(name):
                packages[name] = max(packages.get(name, 0.0), cumulative)
    shown = {
        name: secs
        for name, secs in packages.items()
        if "." not in name or packages.get(name.split(".")[0], 0.0) < secs
    }
    heaviest = sorted(shown.items(), key=lambda item: -item[1])[:4]
    return total, heaviest


def main() -> None:
    """Make (or reuse) the demo project, time each command, print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--keep", type=Path, help="demo project folder (made if missing)")
    parser.add_argument(
        "--no-bytecode",
        action="store_true",
        help="keep PYTHONDONTWRITEBYTECODE from the environment (compile on every run)",
    )
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="qualcode-startup-")) / "demo"
    print(
        f"python benchmarks/bench_startup.py --runs {args.runs}"
        + (f" --keep {args.keep}" if args.keep else "")
        + (" --no-bytecode" if args.no_bytecode else "")
    )
    try:
        if not (folder / "qualcode.db").is_file():
            subprocess.run(
                [_exe(), "demo", "--keep", str(folder)],
                check=True,
                env=_env(),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        baseline = statistics.median(
            cpu_of([sys.executable, "-c", "import typer"], folder) for _ in range(args.runs)
        )
        bare = statistics.median(
            cpu_of([sys.executable, "-c", "pass"], folder) for _ in range(args.runs)
        )
        print(f"{'python -c pass':<26} {bare:6.3f} s CPU")
        print(f"{'python -c import typer':<26} {baseline:6.3f} s CPU")
        print(f"{'qualcode ...':<26} {'CPU med':>9} {'imports':>9}  heaviest top-level imports")
        for group in COMMANDS:
            for cmd in group:  # warm-up: bytecode written, files in the page cache
                cpu_of([_exe(), *cmd], folder)
            runs: list[list[float]] = [[] for _ in group]
            for _ in range(args.runs):
                for i, cmd in enumerate(group):
                    runs[i].append(cpu_of([_exe(), *cmd], folder))
            # -X importtime figures vary more than CPU: the median of a few runs.
            timed: list[list[tuple[float, list[tuple[str, float]]]]] = [[] for _ in group]
            for _ in range(min(args.runs, 5)):
                for i, cmd in enumerate(group):
                    timed[i].append(import_times(cmd, folder))
            for i, cmd in enumerate(group):
                total, heaviest = sorted(timed[i], key=lambda t: t[0])[len(timed[i]) // 2]
                top = ", ".join(f"{name} {secs:.3f}" for name, secs in heaviest)
                label = " ".join(cmd)
                print(f"{label:<26} {statistics.median(runs[i]):7.3f} s {total:7.3f} s  {top}")
    finally:
        if args.keep is None:
            shutil.rmtree(folder.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
