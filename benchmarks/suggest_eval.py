"""Precision, recall and F1 of `suggest` on the demo project against its gold tagging.

Builds the demo project (codebook + transcripts + attributes) in a temporary folder, runs
every code's rules, and compares the suggested (transcript, turn, code) triples with the
hand-made gold tags (transcripts/coding.csv, else benchmarks/gold/demo_gold.csv).

Modes (--mode):
- rules (default): every code's keyword rules over every transcript, scored on all of them.
- learning: tag half the interviews (every other one in name order) from the gold CSV and
  declare them done (Project.tag, Project.mark_coded), run `suggest` (it learns from them)
  and score its suggestions on the other half (HELD-OUT). `suggest --no-learn` on the same
  half and the in-sample fit on the coded half are printed beside it, labelled.
- cv: every transcript tagged from the gold CSV, then `suggest --evaluate` (k-fold
  cross-validation by transcript, HELD-OUT per fold) and `--in-sample`.

Usage: python benchmarks/suggest_eval.py [--mode rules|learning|cv] [--folds 4]
       [--codebook FILE] [--gold FILE] [--show-errors]
"""

from __future__ import annotations

import argparse
import csv
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

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
    parser.add_argument("--mode", choices=("rules", "learning", "cv"), default="rules")
    parser.add_argument("--folds", type=int, default=4)
    args = parser.parse_args()
    gold_path = args.gold or next((p for p in GOLD_PATHS if p.is_file()), None)
    if gold_path is None:
        raise SystemExit("no gold tagging found at " + " or ".join(map(str, GOLD_PATHS)))
    gold = read_gold(gold_path)
    if args.mode != "rules":
        learning_modes(args, gold)
        return
    got, why = run_suggest(args.codebook, args.transcripts)
    shown = gold_path.relative_to(REPO) if gold_path.is_relative_to(REPO) else gold_path
    score_triples(got, gold, f"gold: {shown} ({len(gold)} tags); suggestions: {len(got)}")
    if args.show_errors:
        for t in sorted(got - gold):
            print("FP", *t, "<-", why[t])
        for t in sorted(gold - got):
            print("FN", *t)


def print_scores(title: str, rows: Any, overall: Any) -> None:
    """One table of CodeScore rows."""
    print(f"\n{title}")
    print(
        f"{'code':28} {'tags':>4} {'how':>5} {'tp':>4} {'fp':>4} {'fn':>4} "
        f"{'P':>6} {'R':>6} {'F1':>6}"
    )
    for r in [*rows, overall]:
        how = "model" if r.learned else "rules"
        print(
            f"{r.code:28} {r.tags:4} {how:>5} {r.tp:4} {r.fp:4} {r.fn:4} "
            f"{r.precision:6.3f} {r.recall:6.3f} {r.f1:6.3f}"
        )


def coded_project(tmp: Path, args: Any, gold: set[Triple], coded: set[str]) -> Any:
    """A fresh demo project with the gold tags of the `coded` transcripts, declared done.

    Everything goes through the product: Project.tag, mark_coded, suggest, evaluate.
    """
    from qualcode.project import Project

    project = Project.init(tmp)
    project.load_codebook(args.codebook)
    project.import_paths([args.transcripts], attributes=args.transcripts / "attributes.csv")
    by_turn: dict[tuple[str, int], list[str]] = {}
    for t, n, c in sorted(gold):
        if t in coded:
            by_turn.setdefault((t, n), []).append(c)
    for (t, n), codes in sorted(by_turn.items()):
        project.tag(t, codes, turns=str(n), coder="gold")
    project.mark_coded(sorted(coded))
    return project


def score_triples(got: set[Triple], gold: set[Triple], title: str) -> None:
    """Per-code and micro-averaged P/R/F1 of suggested triples against gold triples."""
    tp, fp, fn = Counter(), Counter(), Counter()
    for t in got:
        (tp if t in gold else fp)[t[2]] += 1
    for t in gold - got:
        fn[t[2]] += 1
    print(f"\n{title}")
    print(f"{'code':28} {'tp':>4} {'fp':>4} {'fn':>4} {'P':>6} {'R':>6} {'F1':>6}")
    for code in sorted(set(tp) | set(fp) | set(fn)):
        p, r, f = prf(tp[code], fp[code], fn[code])
        print(f"{code:28} {tp[code]:4} {fp[code]:4} {fn[code]:4} {p:6.3f} {r:6.3f} {f:6.3f}")
    p, r, f = prf(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    print(
        f"{'overall (micro)':28} {sum(tp.values()):4} {sum(fp.values()):4} "
        f"{sum(fn.values()):4} {p:6.3f} {r:6.3f} {f:6.3f}"
    )


def learning_modes(args: Any, gold: set[Triple]) -> None:
    """The learning and cross-validation modes, through `suggest` / `suggest --evaluate`."""
    names = sorted({p.stem for p in args.transcripts.iterdir() if p.stem[:3] in ("LV-", "EN-")})
    with tempfile.TemporaryDirectory(prefix="qualcode-eval-") as tmp:
        if args.mode == "cv":
            project = coded_project(Path(tmp), args, gold, set(names))
            ev = project.evaluate_suggestions(folds=args.folds)
            print_scores(
                f"HELD-OUT: {ev.folds}-fold cross-validation by transcript over "
                f"{ev.transcripts} fully coded transcripts (qualcode suggest --evaluate)",
                ev.codes,
                ev.overall,
            )
            print("needs more hand coding:", ", ".join(ev.needs_more) or "none")
            ins = project.evaluate_suggestions(in_sample=True)
            print_scores(
                "IN-SAMPLE (qualcode suggest --evaluate --in-sample; optimistic)",
                ins.codes,
                ins.overall,
            )
            project.close()
            return
        coded = set(names[0::2])
        uncoded = set(names) - coded
        project = coded_project(Path(tmp), args, gold, coded)
        held_gold = {t for t in gold if t[0] in uncoded}
        project.suggest(learn=False)
        rules = {(s.transcript, s.turn or 0, s.code) for s in project.suggestions()}
        project.suggest()
        learned = {(s.transcript, s.turn or 0, s.code) for s in project.suggestions()}
        print(f"coded (training) half: {', '.join(sorted(coded))}")
        print(f"uncoded (scored) half: {', '.join(sorted(uncoded))}")
        score_triples(
            {t for t in learned if t[0] in uncoded},
            held_gold,
            "HELD-OUT: qualcode suggest (rules + learning) on the uncoded half",
        )
        score_triples(
            {t for t in rules if t[0] in uncoded},
            held_gold,
            "HELD-OUT baseline: qualcode suggest --no-learn on the uncoded half",
        )
        ins = project.evaluate_suggestions(in_sample=True)
        print_scores(
            "IN-SAMPLE: the coded half itself (suggest --evaluate --in-sample; optimistic)",
            ins.codes,
            ins.overall,
        )
        project.close()


if __name__ == "__main__":
    main()
