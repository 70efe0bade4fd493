"""Time only `match_transcript` over every transcript of an existing project.

Loads the texts and the cached token tables, compiles the rules as `qualcode suggest` does,
then times the matching loop (respondent turns, like suggest's default). Prints the total
seconds and a sha256 of the repr of every passage, so two versions of the matcher can be
compared byte for byte. The project is only read (make one with bench_suggest.py --keep).

Usage: python benchmarks/bench_match.py PROJECT_DIR [--repeat 3] [--profile]
"""

from __future__ import annotations

import argparse
import hashlib
import time
from pathlib import Path
from typing import Any


def main() -> None:
    """Load the project, time the matching loop, print seconds and the passages' digest."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--repeat", type=int, default=3, help="Best of this many runs.")
    parser.add_argument("--profile", action="store_true", help="cProfile one run (tottime).")
    args = parser.parse_args()

    from qualcode.models import RESPONDENT
    from qualcode.nlp.cache import load_tables
    from qualcode.nlp.matching import match_transcript
    from qualcode.store import Store
    from qualcode.suggest import _select_codes
    from qualcode.suggest_match import rules_for as _rules_for
    from qualcode.suggest_match import select_transcripts as _select_transcripts

    store = Store(args.project / "qualcode.db")
    items = _select_transcripts(store, None)
    codes = [c for c in _select_codes(store, None) if c.keywords or c.rules.get("patterns")]
    rules = {lang: _rules_for(store, codes, lang)[0] for lang in {i.language for i in items}}

    def load() -> list[tuple[Any, str, list[tuple[int, int]], Any, set[int]]]:
        # Fresh tables each time: their lazy indexes are built once per suggest run.
        tables, tokenised = load_tables(store, items)
        if tokenised:
            raise SystemExit(f"{tokenised} transcripts were not cached: not a fair benchmark")
        return [
            (
                tables[i.id],
                i.text,
                [(t.start, t.end) for t in i.turns],
                rules[i.language],
                {n for n, t in enumerate(i.turns) if t.role == RESPONDENT},
            )
            for i in items
        ]

    def run(jobs: list[tuple[Any, str, list[tuple[int, int]], Any, set[int]]]) -> list[object]:
        out: list[object] = []
        for table, text, spans, rule, only in jobs:
            out.extend(match_transcript(table, text, spans, rule, only_turns=only))
        return out

    if args.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.runcall(run, load())
        pstats.Stats(prof).sort_stats("tottime").print_stats(20)
    times, cpu = [], []
    passages: list[object] = []
    jobs = []
    for _ in range(args.repeat):
        jobs = load()
        start, start_cpu = time.perf_counter(), time.process_time()
        passages = run(jobs)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    digest = hashlib.sha256(repr(passages).encode()).hexdigest()
    words = sum(len(t) for t, *_ in jobs)
    print(f"{len(jobs)} transcripts, {words:,} tokens, {len(codes)} codes")
    # The first run also pays one-off costs (e.g. the lemma dictionary for negation).
    print(f"match_transcript wall: first {times[0]:.3f} s, best {min(times):.3f} s")
    print(f"match_transcript CPU:  first {cpu[0]:.3f} s, best {min(cpu):.3f} s")
    print(f"passages: {len(passages):,}  sha256: {digest}")


if __name__ == "__main__":
    main()
