"""Read every shared REFI-QDA example, print what was read, round-trip it, print pass/fail.

Run: python benchmarks/refi_examples.py [folder]   (default ../shared/refi-qda/examples)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from qualcode.refi import (
    RefiProject,
    count_selections,
    read_qdc,
    read_qdpx,
    walk_codes,
    write_qdc,
    write_qdpx,
)
from qualcode.refi.xmlutil import validate_bytes

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "refi-qda" / "examples"


def _same(a: RefiProject, b: RefiProject) -> list[str]:
    diffs = []
    if a.codes != b.codes:
        diffs.append("codes differ")
    if [(s.guid, s.name, s.text) for s in a.sources] != [
        (s.guid, s.name, s.text) for s in b.sources
    ]:
        diffs.append("sources differ")
    if [s.selections for s in a.sources] != [s.selections for s in b.sources]:
        diffs.append("selections differ")
    for field in ("cases", "variables", "notes", "sets", "users"):
        if getattr(a, field) != getattr(b, field):
            diffs.append(f"{field} differ")
    return diffs


def main(folder: Path) -> int:
    """Print a report per example; the exit code counts the failures."""
    if not folder.is_dir():
        print(f"no examples at {folder}; nothing to do")
        return 0
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for path in sorted(folder.iterdir()):
            if path.suffix == ".qdc":
                t0 = time.perf_counter()
                book = read_qdc(path)
                ms = (time.perf_counter() - t0) * 1000
                n = sum(1 for _ in walk_codes(book.codes))
                print(f"{path.name}: codebook, {n} codes, origin {book.origin!r} ({ms:.0f} ms)")
                for p in book.problems:
                    print(f"    problem: {p}")
                out = Path(tmp) / path.name
                write_qdc(book, out)
                errors = validate_bytes(out.read_bytes(), "codebook")
                again = read_qdc(out)
                ok = again.codes == book.codes and not errors
            elif path.suffix == ".qdpx":
                t0 = time.perf_counter()
                project = read_qdpx(path)
                ms = (time.perf_counter() - t0) * 1000
                n = sum(1 for _ in walk_codes(project.codes))
                sel, cod = count_selections(project)
                print(
                    f"{path.name}: origin {project.origin!r}, {len(project.users)} users, "
                    f"{n} codes, "
                    f"{len(project.sources)} sources, {sel} selections, {cod} codings, "
                    f"{len(project.cases)} cases, {len(project.variables)} variables, "
                    f"{len(project.notes)} notes, {len(project.sets)} sets, "
                    f"{len(project.skipped)} skipped, positions {project.position_unit}, "
                    f"flat-name separator {project.hierarchy_separator!r} ({ms:.0f} ms)"
                )
                for s in project.skipped:
                    print(f"    skipped {s.kind} {s.name!r}: {s.reason}")
                for p in project.problems:
                    print(f"    problem: {p}")
                out = Path(tmp) / path.name
                write_qdpx(project, out)
                import zipfile

                with zipfile.ZipFile(out) as z:
                    errors = validate_bytes(z.read("project.qde"), "project")
                again = read_qdpx(out)
                diffs = _same(project, again) + [f"invalid: {e}" for e in errors]
                ok = not diffs
                for d in diffs:
                    print(f"    {d}")
            else:
                continue
            failures += not ok
            print(f"    round trip (read -> write -> validate -> read): {'PASS' if ok else 'FAIL'}")
    return failures


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT))
