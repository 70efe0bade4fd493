"""Time the whole `qualcode suggest` command on a synthetic 1M-word project.

Generates 200 transcripts x 5,000 words with a 12-code codebook (make_corpus.py), imports
them, then times `qualcode suggest` as a subprocess (start-up included): the first run
(tokenises every transcript), a cached re-run (and whether it imports spaCy), a run after a
codebook edit (cached keys), `review --accept` of every pending suggestion and its `undo`.

Usage: python benchmarks/bench_suggest.py [--transcripts 200] [--words 5000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_corpus import make_corpus  # noqa: E402
from memwatch import run_measured  # noqa: E402

EXE = shutil.which("qualcode", path=str(Path(sys.executable).parent)) or "qualcode"


PEAKS: dict[str, float] = {}


def run(args: list[str], cwd: Path, label: str = "") -> float:
    """Run one qualcode command; its wall time in seconds (peak memory kept in PEAKS)."""
    env = {**os.environ, "NO_COLOR": "1", "QUALCODE_CODER": "bench"}
    env.pop("QUALCODE_PROJECT", None)
    elapsed, peak, result = run_measured([EXE, *args], cwd, env)
    if result.returncode != 0:
        raise SystemExit(f"qualcode {' '.join(args)} failed:\n{result.stderr}")
    if label:
        PEAKS[label] = peak
    return elapsed


def imports_spacy(args: list[str], cwd: Path) -> bool:
    """True when the command imports spaCy (python -X importtime)."""
    env = {**os.environ, "NO_COLOR": "1", "QUALCODE_CODER": "bench"}
    env.pop("QUALCODE_PROJECT", None)
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "qualcode", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return any(line.rstrip().endswith("| spacy") for line in result.stderr.splitlines())


def count_pending(proj: Path) -> int:
    """Pending suggestions in the project."""
    import sqlite3

    with sqlite3.connect(proj / "qualcode.db") as conn:
        return int(
            conn.execute("SELECT count(*) FROM suggestions WHERE status = 'pending'").fetchone()[0]
        )


def code_half(proj: Path, csv_path: Path) -> int:
    """Tag half the transcripts as a coder might (seeded): 70% of the pending suggestions
    there, plus a code on 1 in 10 other respondent turns; declare that half done."""
    import csv
    import random
    import sqlite3

    rng = random.Random(7)
    with sqlite3.connect(proj / "qualcode.db") as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM transcripts ORDER BY name")]
        half = set(names[::2])
        codes = [r[0] for r in conn.execute("SELECT name FROM codes WHERE active ORDER BY id")]
        hits = conn.execute(
            "SELECT t.name, u.number, c.name FROM suggestions s JOIN transcripts t ON "
            "t.id = s.transcript_id JOIN turns u ON u.id = s.turn_id JOIN codes c ON "
            "c.id = s.code_id WHERE s.status = 'pending' ORDER BY s.id"
        ).fetchall()
        turns = conn.execute(
            "SELECT t.name, u.number FROM turns u JOIN transcripts t ON t.id = u.transcript_id "
            "WHERE u.role = 'respondent' ORDER BY u.id"
        ).fetchall()
    rows = {(n, turn, c) for n, turn, c in hits if n in half and rng.random() < 0.7}
    rows |= {(n, turn, rng.choice(codes)) for n, turn in turns if n in half and rng.random() < 0.1}
    with csv_path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["transcript", "turn", "code"])
        out.writerows(sorted(rows))
    run(["tag", "--from-csv", str(csv_path)], proj)
    run(["transcripts", "done", *sorted(half)], proj)
    return len(rows)


def main() -> None:
    """Build the project, time the two runs, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transcripts", type=int, default=200)
    parser.add_argument("--words", type=int, default=5000)
    parser.add_argument("--codes", type=int, default=12)
    parser.add_argument("--keep", type=Path, default=None, help="Build the project here.")
    parser.add_argument(
        "--no-learning",
        dest="learning",
        action="store_false",
        help="Skip the runs that learn from a coded half.",
    )
    args = parser.parse_args()
    tmp = None
    if args.keep is None:
        tmp = tempfile.TemporaryDirectory(prefix="qualcode-bench-")
        folder = Path(tmp.name)
    else:
        folder = args.keep
        shutil.rmtree(folder, ignore_errors=True)
    try:
        corpus = make_corpus(folder / "data", args.transcripts, args.words, codes=args.codes)
        proj = folder / "proj"
        run(["init", str(proj)], folder)
        run(["codebook", "load", str(corpus.codebook)], proj)
        t_import = run(
            ["import", str(corpus.transcripts), "--attributes", str(corpus.attributes)], proj
        )
        t_first = run(["suggest"], proj, "first")
        t_cached = run(["suggest"], proj, "cached")
        spacy_loaded = imports_spacy(["suggest"], proj)
        # A codebook edit: one more keyword. The token keys are cached, so no tokenising.
        text = corpus.codebook.read_text("utf-8")
        corpus.codebook.write_text(text.replace("keywords: [", "keywords: [ziņot, ", 1), "utf-8")
        run(["codebook", "load", str(corpus.codebook)], proj)
        t_second = run(["suggest"], proj, "edit")
        # Another edit, this time checking what the run imports (importtime distorts timing).
        text = corpus.codebook.read_text("utf-8")
        corpus.codebook.write_text(text.replace("keywords: [", "keywords: [paziņot, ", 1), "utf-8")
        run(["codebook", "load", str(corpus.codebook)], proj)
        spacy_after_edit = imports_spacy(["suggest"], proj)
        pending = count_pending(proj)
        t_accept = run(["review", "--accept"], proj, "accept")
        t_undo = run(["undo"], proj)
        print(
            f"corpus: {args.transcripts} transcripts x {args.words:,} words "
            f"= {corpus.words:,} respondent words, {args.codes} codes; {os.cpu_count()} CPUs"
        )
        print(f"command: cd {proj} && {EXE} suggest")
        print(f"import (not part of the target): {t_import:6.1f} s")
        mem = PEAKS
        print(f"suggest, first run (tokenise + match):   {t_first:6.1f} s  {mem['first']:5.0f} MB")
        print(
            f"suggest, cached re-run:                  {t_cached:6.1f} s  {mem['cached']:5.0f} MB"
        )
        print(f"  imports spaCy on the cached re-run: {'yes' if spacy_loaded else 'no'}")
        print(f"suggest, after a codebook edit (cached): {t_second:6.1f} s  {mem['edit']:5.0f} MB")
        print(f"  imports spaCy after a keyword edit: {'yes' if spacy_after_edit else 'no'}")
        print(
            f"review --accept of {pending:,} suggestions: {t_accept:6.1f} s"
            f"  {mem['accept']:5.0f} MB"
        )
        print("(MB: peak memory, the summed PSS of the command and its worker processes)")
        print(f"undo of that bulk accept:               {t_undo:6.1f} s")
        if args.learning:
            coded = code_half(proj, folder / "coding.csv")
            t_learn = run(["suggest"], proj, "learn")
            t_learn_cached = run(["suggest"], proj, "learn-cached")
            print(
                f"with learning: {coded:,} tags on half the transcripts (tag --from-csv), "
                "that half declared done"
            )
            print(
                f"suggest, learning (trains the model):    {t_learn:6.1f} s  {mem['learn']:5.0f} MB"
            )
            print(
                f"suggest, learning, re-run (model kept):  {t_learn_cached:6.1f} s"
                f"  {mem['learn-cached']:5.0f} MB"
            )
    finally:
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    main()
