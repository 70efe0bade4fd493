"""Run a command and measure its wall time and peak memory, worker processes included.

On Linux the memory is the peak over time of the summed PSS (proportional set size, from
/proc/PID/smaps_rollup) of the process and all its descendants, sampled 4 times a second: pages
forked workers share with the parent are counted once, not once per process. Elsewhere it
falls back to the largest single process's peak RSS (resource.getrusage).
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Reading smaps_rollup walks the page tables: sampled 4 times a second, so the measuring
# itself costs the measured command (on 2 cores) next to nothing.
INTERVAL = 0.25


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            text = (task / "children").read_text()
            out.extend(int(c) for c in text.split())
    except OSError:
        pass
    return out


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _tree_pss_kb(pid: int) -> int:
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += _pss_kb(p)
        todo.extend(_children(p))
    return total


def run_measured(
    args: list[str], cwd: Path, env: dict[str, str]
) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """(wall seconds, peak MB, the finished process) of one command."""
    out_file, err_file = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")
    start = time.perf_counter()
    # Output goes to files, not pipes: a full pipe would stall the command being measured.
    proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=out_file, stderr=err_file, text=True)
    peak = 0
    linux = sys.platform == "linux" and Path(f"/proc/{proc.pid}/smaps_rollup").exists()
    while proc.poll() is None:
        if linux:
            peak = max(peak, _tree_pss_kb(proc.pid))
        time.sleep(INTERVAL)
    proc.wait()
    elapsed = time.perf_counter() - start
    out_file.seek(0)
    err_file.seek(0)
    out, err = out_file.read(), err_file.read()
    out_file.close()
    err_file.close()
    if not linux:
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        if sys.platform == "darwin":
            peak //= 1024  # bytes there, KB on Linux
    done = subprocess.CompletedProcess(args, proc.returncode or 0, out, err)
    return elapsed, peak / 1024, done
