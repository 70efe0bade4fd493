"""Size and speed of the token cache format: bytes per word, encode and decode time.

    python benchmarks/bench_token_cache.py                   # 200 transcripts x 5,000 words
    python benchmarks/bench_token_cache.py --transcripts 50 --words 2000

Tokenises a synthetic corpus (benchmarks/make_corpus.py) once, then times
TokenTable.to_bytes / from_bytes over every transcript (CPU seconds, best of --repeat) and
prints the total blob size. Run it on two commits to compare cache formats.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from make_corpus import make_corpus

from qualcode.nlp.cache import FORMAT, TokenTable, tokenise_many, transcript_texts
from qualcode.project import Project


def main() -> None:
    """Build the corpus, tokenise it, time the cache format, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transcripts", type=int, default=200)
    parser.add_argument("--words", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(
        f"python benchmarks/bench_token_cache.py --transcripts {args.transcripts} "
        f"--words {args.words} --repeat {args.repeat}   (cache format {FORMAT})"
    )
    folder = Path(tempfile.mkdtemp(prefix="qualcode-tokcache-"))
    try:
        corpus = make_corpus(folder / "corpus", args.transcripts, args.words, seed=1)
        with Project.init(folder / "proj") as project:
            project.load_codebook(corpus.codebook)
            project.import_paths([corpus.transcripts], attributes=corpus.attributes)
            items = transcript_texts(project.store)
        t0 = time.process_time()
        tables = list(tokenise_many(items))
        tokenised = time.process_time() - t0
        sigs = [item.signature() for item in items]
        tokens = sum(len(t) for t in tables)
        encode = decode = float("inf")
        blobs: list[bytes] = []
        for _ in range(args.repeat):
            t0 = time.process_time()
            blobs = [t.to_bytes(s) for t, s in zip(tables, sigs, strict=True)]
            encode = min(encode, time.process_time() - t0)
            t0 = time.process_time()
            back = [TokenTable.from_bytes(b, s) for b, s in zip(blobs, sigs, strict=True)]
            decode = min(decode, time.process_time() - t0)
            assert all(b is not None for b in back)
        size = sum(len(b) for b in blobs)
        words = corpus.words
        print(f"{len(items)} transcripts, {words:,} respondent words, {tokens:,} tokens")
        print(f"tokenise (spaCy):   {tokenised:7.2f} s CPU")
        print(
            f"cache size:         {size / 1e6:7.2f} MB  = {size / tokens:.2f} bytes a token, "
            f"{size / (words / 1e6) / 1e6:.1f} MB per million words"
        )
        print(
            f"encode (to_bytes):  {encode:7.3f} s CPU  ({encode / (words / 1e6):.3f} s per M words)"
        )
        print(
            f"decode (from_bytes):{decode:7.3f} s CPU  ({decode / (words / 1e6):.3f} s per M words)"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
