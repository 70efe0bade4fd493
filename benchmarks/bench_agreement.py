"""Time agreement, disagreements and the final coding on generated double-coding.

    python benchmarks/bench_agreement.py            # 1,000 transcripts x 40 units x 30 codes
                                                    # x 3 coders
    python benchmarks/bench_agreement.py --transcripts 200 --repeat 3

Each coder tags a unit with a code with probability --rate; a second coder copies the first
coder's decision with probability --copy (so the figures are not all chance), with her own span
boundaries. Times the pure functions only (no store): best of --repeat runs.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable

from qualcode.agreement import AgreementOptions, CodedSpan, Unit, agreement
from qualcode.agreement_review import disagreements, final_coding

UNIT_CHARS = 400  # a respondent turn; an interviewer turn of 100 characters sits between


def generate(
    transcripts: int, units: int, codes: int, coders: int, rate: float, copy: float, seed: int
) -> tuple[list[CodedSpan], list[Unit]]:
    """Units and coded spans for a synthetic double-coded project."""
    rnd = random.Random(seed)
    names = [f"coder{k + 1}" for k in range(coders)]
    code_names = [f"code-{j:02d}" for j in range(codes)]
    out_units: list[Unit] = []
    spans: list[CodedSpan] = []
    for t in range(transcripts):
        name = f"T-{t:04d}"
        for i in range(units):
            start = i * (UNIT_CHARS + 100) + 100
            out_units.append(Unit(name, i + 1, start, start + UNIT_CHARS))
            for code in code_names:
                first = rnd.random() < rate
                for k, coder in enumerate(names):
                    applied = first if k == 0 or rnd.random() < copy else rnd.random() < rate
                    if applied:
                        a = start + rnd.randrange(UNIT_CHARS // 2)
                        b = a + 20 + rnd.randrange(UNIT_CHARS // 2 - 20)
                        spans.append(CodedSpan(name, coder, code, a, b))
    return spans, out_units


def best(repeat: int, fn: Callable[[], object]) -> float:
    """Best wall time of repeat calls."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    """Generate, time each computation, print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--transcripts", type=int, default=1000)
    ap.add_argument("--units", type=int, default=40)
    ap.add_argument("--codes", type=int, default=30)
    ap.add_argument("--coders", type=int, default=3)
    ap.add_argument("--rate", type=float, default=0.08)
    ap.add_argument("--copy", type=float, default=0.7)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--seed", type=int, default=12)
    args = ap.parse_args()

    start = time.perf_counter()
    spans, units = generate(
        args.transcripts, args.units, args.codes, args.coders, args.rate, args.copy, args.seed
    )
    print(
        f"{args.transcripts:,} transcripts x {args.units} units x {args.codes} codes x "
        f"{args.coders} coders: {len(units):,} units, {len(spans):,} spans "
        f"(generated in {time.perf_counter() - start:.1f} s)"
    )
    two = AgreementOptions(coders=["coder1", "coder2"])
    runs: list[tuple[str, Callable[[], object]]] = [
        ("agreement, turn, all coders", lambda: agreement(spans, units)),
        ("agreement, turn, two coders", lambda: agreement(spans, units, two)),
        (
            "agreement, turn, --exclude-uncoded",
            lambda: agreement(spans, units, AgreementOptions(exclude_uncoded=True)),
        ),
        (
            "agreement, character, all coders",
            lambda: agreement(spans, units, AgreementOptions(unit="character")),
        ),
        ("disagreements, two coders", lambda: disagreements(spans, units, two)),
        ("final coding, no decisions", lambda: final_coding(spans, units, [])),
    ]
    for label, fn in runs:
        print(f"  {label:<38} {best(args.repeat, fn):7.2f} s")
    table = agreement(spans, units, two)
    o = table.overall
    print(
        f"overall (coder1 vs coder2): {o.percent_agreement:.1f}% agreement, "
        f"kappa {o.kappa:.3f}, alpha {o.alpha:.3f}; "
        f"{len(disagreements(spans, units, two)):,} units with a disagreement"
    )


if __name__ == "__main__":
    main()
