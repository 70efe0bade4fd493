"""How long browse, search, coverage and saturation take on a 200-transcript project.

Usage: python benchmarks/bench_browse.py [--transcripts 200] [--words 5000] [--tags 20000]
Builds a synthetic project (make_corpus.py) in a temporary folder; prints seconds per step.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from make_corpus import make_corpus, random_tags_csv  # noqa: E402

from qualcode.project import Project  # noqa: E402


def timed(label: str, fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    out = fn()
    print(f"{label:<44} {time.perf_counter() - start:7.2f} s", flush=True)
    return out


async def browse(p: Project) -> None:
    from qualcode.tui.app import BrowserApp, Reader

    app = BrowserApp(p)
    t0 = time.perf_counter()
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.pause()
        print(f"{'browse: transcript list shown':<44} {time.perf_counter() - t0:7.2f} s")
        t1 = time.perf_counter()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, Reader)
        print(f"{'browse: open a transcript':<44} {time.perf_counter() - t1:7.2f} s")
        turns = len(app.screen.states)
        t2 = time.perf_counter()
        for _ in range(turns):
            await pilot.press("down")
        await pilot.pause()
        print(f"{f'browse: page through its {turns} turns':<44} {time.perf_counter() - t2:7.2f} s")
        t3 = time.perf_counter()
        await pilot.press("t", *"lowpay", "enter")
        await pilot.pause()
        print(f"{'browse: tag a turn with the picker':<44} {time.perf_counter() - t3:7.2f} s")


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transcripts", type=int, default=200)
    parser.add_argument("--words", type=int, default=5000)
    parser.add_argument("--tags", type=int, default=20000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        corpus = make_corpus(folder / "src", args.transcripts, args.words)
        with Project.init(folder / "proj") as p:
            p.load_codebook(corpus.codebook)
            timed(
                "import", lambda: p.import_paths([corpus.transcripts], attributes=corpus.attributes)
            )
            csv = random_tags_csv(p, folder / "tags.csv", args.tags)
            timed(f"{args.tags} tags", lambda: p.import_tags(csv))
        with Project.open(folder / "proj") as p:
            r = timed("search (tokenising every transcript)", lambda: p.search("mācības"))
            print(f"  {len(r.hits)} hits")
            timed("search again (cached keys)", lambda: p.search("mācības, alga"))
            timed("coverage", lambda: p.coverage(by=["town"]))
            timed("saturation", lambda: p.saturation())
            asyncio.run(browse(p))


if __name__ == "__main__":
    main()
