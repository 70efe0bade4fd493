"""Import the real transcript files in ../shared/realworld and compare with expected.csv.

    python benchmarks/realworld.py              # every file
    python benchmarks/realworld.py -v zoom      # only files whose name contains "zoom", with detail

Each file goes through the pure importer (bytes -> ParsedTranscript) and the language guess;
a file is right when its turn count, distinct speakers, encoding and language match what
expected.csv says a person sees (blank cells are not checked; `a|b` accepts either).
Skips cleanly when the folder is absent (it is third-party data, not shipped).
"""

from __future__ import annotations

import argparse
import codecs
import csv
import sys
import time
from pathlib import Path

from qualcode.errors import QualcodeError
from qualcode.importers import parse_bytes
from qualcode.language import guess_language

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "realworld"


def _codec(name: str) -> str:
    """A codec's canonical name, so cp1257 and windows-1257 compare equal."""
    try:
        return codecs.lookup(name).name
    except LookupError:
        return name.lower()


def _ok(expected: str, actual: str | None, *, codec: bool = False) -> bool:
    """True when the cell is blank or actual is one of its `a|b` alternatives."""
    if not expected.strip():
        return True
    options = [o.strip() for o in expected.split("|")]
    if codec:
        return actual is not None and _codec(actual) in {_codec(o) for o in options}
    return actual in options


def check_file(path: Path, row: dict[str, str]) -> tuple[bool, str]:
    """(right?, one-line detail) for one file against its expected.csv row."""
    try:
        pt = parse_bytes(path.read_bytes(), path.name)
    except QualcodeError as exc:
        return False, f"error: {exc}"
    turns = str(len(pt.turns))
    speakers = str(len({t.speaker for t in pt.turns}))
    lang = pt.declared_language or guess_language(pt.text)
    checks = {
        "turns": _ok(row["turns"], turns),
        "speakers": _ok(row["speakers"], speakers),
        "encoding": _ok(row["encoding"], pt.encoding, codec=True),
        "language": _ok(row["language"], lang),
    }
    detail = (
        f"turns {turns} (want {row['turns']}), speakers {speakers} (want {row['speakers'] or '-'}),"
        f" encoding {pt.encoding} (want {row['encoding'] or '-'}),"
        f" language {lang} (want {row['language'] or '-'})"
    )
    wrong = [k for k, v in checks.items() if not v]
    return not wrong, (f"WRONG {','.join(wrong)}: " if wrong else "") + detail


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print per-file verdicts and the share right."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("filter", nargs="?", default="", help="only files containing this")
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("-v", "--verbose", action="store_true", help="print speakers found")
    args = parser.parse_args(argv)
    expected = args.dir / "expected.csv"
    if not expected.exists():
        print(f"skipped: {args.dir} is absent (real files are not shipped with qualcode)")
        return 0
    with expected.open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if args.filter in r["file"]]
    right = 0
    started = time.perf_counter()
    for row in rows:
        path = args.dir / "files" / row["file"]
        ok, detail = check_file(path, row)
        right += ok
        print(f"{'ok   ' if ok else 'FAIL '} {row['file']:40} {detail}")
        if args.verbose:
            pt = parse_bytes(path.read_bytes(), path.name)
            names: dict[str, int] = {}
            for t in pt.turns:
                names[t.speaker] = names.get(t.speaker, 0) + 1
            print(f"      speakers: {names}")
    elapsed = time.perf_counter() - started
    share = right / len(rows) if rows else 0.0
    print(f"\n{right}/{len(rows)} files right ({share:.0%}) in {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
