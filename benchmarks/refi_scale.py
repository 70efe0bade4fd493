"""Time REFI-QDA export and import of an invented 200-transcript, 20,000-tag project.

Run: python benchmarks/refi_scale.py [transcripts] [tags]
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from qualcode.models import Code, Tag, Transcript
from qualcode.refi import count_selections, read_qdpx, validate_bytes, write_qdpx
from qualcode.refi.mapping import project_from_qualcode, qualcode_from_project

WORDS = "kā jums iet ļoti labi trūkst naudas laika 🙂 paldies sveiki darbs ģimene šķērslis".split()


def main(n_transcripts: int = 200, n_tags: int = 20_000) -> None:
    """Build, export, validate and import; print the times."""
    rng = random.Random(13)
    texts = {}
    for i in range(n_transcripts):
        lines = [" ".join(rng.choices(WORDS, k=12)) for _ in range(150)]
        texts[f"int-{i:03}"] = "\r\n".join(lines)
    transcripts = [
        Transcript(i, n, f"{n}.txt", "txt", "utf-8", "0" * 64, "lv", f"R{i}", "2024")
        for i, n in enumerate(texts)
    ]
    codes = [
        Code(i, f"code-{i}", None, "d", None, None if i < 10 else f"code-{i % 10}", i)
        for i in range(60)
    ]
    tags = []
    names = list(texts)
    for k in range(n_tags):
        t = names[k % len(names)]
        start = rng.randrange(0, len(texts[t]) - 200)
        end = start + rng.randrange(5, 200)
        tags.append(
            Tag(
                k,
                t,
                f"code-{k % 60}",
                start,
                end,
                texts[t][start:end],
                "anna",
                "manual",
                "2024-05-01T10:00:00Z",
            )
        )
    attributes = {f"R{i}": {"town": "Rīga", "age": str(20 + i % 50)} for i in range(n_transcripts)}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "big.qdpx"
        t0 = time.perf_counter()
        project = project_from_qualcode("big", "bench", transcripts, texts, codes, tags, attributes)
        t1 = time.perf_counter()
        write_qdpx(project, out)
        t2 = time.perf_counter()
        with zipfile.ZipFile(out) as z:
            errors = validate_bytes(z.read("project.qde"), "project")
        t3 = time.perf_counter()
        back = read_qdpx(out)
        t4 = time.perf_counter()
        imported = qualcode_from_project(back)
        t5 = time.perf_counter()
        sel, cod = count_selections(back)
        print(
            f"{n_transcripts} transcripts, {n_tags} tags -> {sel} selections, {cod} codings; "
            f"file {out.stat().st_size / 1e6:.1f} MB; valid: {not errors}"
        )
        print(f"  map to RefiProject  {t1 - t0:6.2f} s")
        print(f"  write .qdpx         {t2 - t1:6.2f} s")
        print(f"  validate (XSD)      {t3 - t2:6.2f} s")
        print(f"  read .qdpx          {t4 - t3:6.2f} s  (includes XSD validation)")
        print(f"  map to qualcode     {t5 - t4:6.2f} s  ({len(imported.tags)} tags)")
        assert len(imported.tags) == n_tags


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
