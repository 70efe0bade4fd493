"""Time `merge` of two coders' copies and `agreement` on generated projects.

    python benchmarks/bench_team.py                       # 200 transcripts, 20,000 tags a side
    python benchmarks/bench_team.py --transcripts 50 --tags 5000

One generated project (benchmarks/make_corpus.py) is copied twice; each copy gets --tags random
tags by its own coder, so merging adds every tag of the other side. Prints seconds per step.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_corpus import make_corpus, random_tags_csv  # noqa: E402

from qualcode.project import Project  # noqa: E402


def _tag_as(folder: Path, coder: str, tags: int, seed: int) -> None:
    with Project.open(folder) as p:
        csv_path = folder / f"{coder}.csv"
        random_tags_csv(p, csv_path, tags, seed=seed)
        # The generator names four coders; this copy's tags all belong to one.
        text = csv_path.read_text("utf-8").splitlines()
        rows = [text[0]] + [",".join([*r.split(",")[:3], coder]) for r in text[1:]]
        csv_path.write_text("\n".join(dict.fromkeys(rows)) + "\n", "utf-8")
        p.import_tags(csv_path, coder=coder)


def main() -> None:
    """Command line."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--transcripts", type=int, default=200)
    ap.add_argument("--words", type=int, default=2000)
    ap.add_argument("--tags", type=int, default=20000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        corpus = make_corpus(root / "corpus", transcripts=args.transcripts, words=args.words)
        base = root / "base"
        t = time.perf_counter()
        with Project.init(base) as p:
            p.load_codebook(corpus.codebook)
            p.import_paths([corpus.transcripts], attributes=corpus.attributes)
        print(f"setup: {args.transcripts} transcripts imported in {time.perf_counter() - t:.1f} s")
        for who, seed in (("anna", 1), ("ben", 2)):
            (root / who).mkdir()
            shutil.copy2(base / "qualcode.db", root / who / "qualcode.db")
            _tag_as(root / who, who, args.tags, seed)
        with Project.open(root / "anna") as p:
            n_a = p.store.tags.count()
        with Project.open(root / "ben") as p:
            n_b = p.store.tags.count()
        print(f"copies: anna {n_a} tags, ben {n_b} tags")
        with Project.open(root / "anna") as p:
            t = time.perf_counter()
            plan = p.merge(root / "ben" / "qualcode.db", dry_run=True)
            print(f"merge --dry-run: {time.perf_counter() - t:.2f} s ({plan.tags_added} tags)")
            t = time.perf_counter()
            plan = p.merge(root / "ben" / "qualcode.db")
            took = time.perf_counter() - t
            print(f"merge: {took:.2f} s ({plan.tags_added} tags, {plan.history_added} history)")
            t = time.perf_counter()
            again = p.merge(root / "ben" / "qualcode.db")
            print(f"merge again: {time.perf_counter() - t:.2f} s ({again.changes} changes)")
            for unit in ("turn", "respondent", "character"):
                t = time.perf_counter()
                table = p.agreement(unit=unit)  # type: ignore[arg-type]
                print(
                    f"agreement --unit {unit}: {time.perf_counter() - t:.2f} s "
                    f"(overall kappa {table.overall.kappa})"
                )
            t = time.perf_counter()
            rows = p.disagreements()
            print(f"disagreements: {time.perf_counter() - t:.2f} s ({len(rows)} rows)")
            t = time.perf_counter()
            final = p.report(final=True)
            print(f"report --final: {time.perf_counter() - t:.2f} s ({final.view})")


if __name__ == "__main__":
    main()
