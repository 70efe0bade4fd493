"""Precision, recall and F1 of `suggest` on the demo project against its gold tagging.

Builds the demo project (codebook + transcripts + attributes) in a temporary folder, runs
every code's rules, and compares the suggested (transcript, turn, code) triples with the
hand-made gold tags (transcripts/coding.csv, else benchmarks/gold/demo_gold.csv).

Usage: python benchmarks/suggest_eval.py [--codebook FILE] [--gold FILE] [--show-errors]
"""

from __future__ import annotations

import argparse
import csv
import tempfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GOLD_PATHS = (REPO / "transcripts" / "coding.csv", REPO / "benchmarks" / "gold" / "demo_gold.csv")

Triple = tuple[str, int, str]


def read_gold(path: Path) -> set[Triple]:
    """(transcript, turn, code) rows of a gold CSV."""
    with path.open(encoding="utf-8", newline="") as f:
        return {
            (r["transcript"].strip(), int(r["turn"]), r["code"].strip()) for r in csv.DictReader(f)
        }


def run_suggest(codebook: Path, transcripts: Path) -> tuple[set[Triple], dict[Triple, str]]:
    """Suggested triples on a fresh demo project, with the matched terms of each."""
    from qualcode.project import Project

    with tempfile.TemporaryDirectory(prefix="qualcode-eval-") as tmp:
        with Project.init(Path(tmp)) as project:
            project.load_codebook(codebook)
            project.import_paths([transcripts], attributes=transcripts / "attributes.csv")
            project.suggest()
            found = project.suggestions(status=None)
    why = {(s.transcript, s.turn or 0, s.code): ", ".join(m.text for m in s.matched) for s in found}
    return set(why), why


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall, F1."""
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def main() -> None:
    """Print the per-code and overall figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codebook", type=Path, default=REPO / "codebooks" / "roma-mediators.yaml")
    parser.add_argument("--transcripts", type=Path, default=REPO / "transcripts")
    parser.add_argument("--gold", type=Path, default=None)
    parser.add_argument("--show-errors", action="store_true", help="List misses and false hits.")
    args = parser.parse_args()
    gold_path = args.gold or next((p for p in GOLD_PATHS if p.is_file()), None)
    if gold_path is None:
        raise SystemExit("no gold tagging found at " + " or ".join(map(str, GOLD_PATHS)))
    gold = read_gold(gold_path)
    got, why = run_suggest(args.codebook, args.transcripts)
    tp, fp, fn = Counter(), Counter(), Counter()
    for t in got:
        (tp if t in gold else fp)[t[2]] += 1
    for t in gold - got:
        fn[t[2]] += 1
    print(
        f"gold: {gold_path.relative_to(REPO) if gold_path.is_relative_to(REPO) else gold_path}"
        f" ({len(gold)} tags); suggestions: {len(got)}"
    )
    print(f"{'code':28} {'tp':>4} {'fp':>4} {'fn':>4} {'P':>6} {'R':>6} {'F1':>6}")
    for code in sorted(set(tp) | set(fp) | set(fn)):
        p, r, f = prf(tp[code], fp[code], fn[code])
        print(f"{code:28} {tp[code]:4} {fp[code]:4} {fn[code]:4} {p:6.3f} {r:6.3f} {f:6.3f}")
    p, r, f = prf(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    print(
        f"{'overall (micro)':28} {sum(tp.values()):4} {sum(fp.values()):4} {sum(fn.values()):4} "
        f"{p:6.3f} {r:6.3f} {f:6.3f}"
    )
    if args.show_errors:
        for t in sorted(got - gold):
            print("FP", *t, "<-", why[t])
        for t in sorted(gold - got):
            print("FN", *t)


if __name__ == "__main__":
    main()
