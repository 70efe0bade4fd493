"""`qualcode import-project` on every shared REFI-QDA example, then export/import at scale.

Run: python benchmarks/refi_project.py [examples-folder] [transcripts] [tags]
(default ../shared/refi-qda/examples, 200 transcripts, 20,000 tags). Times are whole
commands of the installed `qualcode`, start-up included.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from qualcode.project import Project
from qualcode.refi import validate_bytes

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "refi-qda" / "examples"
EXE = shutil.which("qualcode", path=str(Path(sys.executable).parent)) or "qualcode"
WORDS = "kā jums iet ļoti labi trūkst naudas laika 🙂 paldies sveiki darbs ģimene šķērslis".split()


def qualcode(*args: str, cwd: Path) -> tuple[float, str]:
    """Run the installed qualcode; (seconds, stdout+stderr)."""
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "400", "QUALCODE_CODER": "bench"}
    env.pop("QUALCODE_PROJECT", None)
    t0 = time.perf_counter()
    done = subprocess.run(
        [EXE, *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - t0
    if done.returncode:
        raise SystemExit(f"qualcode {' '.join(args)} failed:\n{done.stderr}")
    return seconds, done.stdout + done.stderr


def examples(folder: Path, tmp: Path) -> None:
    """import-project each .qdpx; print what was stored and what was reported."""
    for path in sorted(folder.glob("*.qdpx")):
        target = tmp / path.stem
        seconds, out = qualcode("import-project", str(path), "--into", str(target), cwd=tmp)
        with Project.open(target) as p:
            codes, transcripts, tags = len(p.codes()), len(p.transcripts()), len(p.tags())
        print(
            f"{path.name}: {codes} codes, {transcripts} transcripts, {tags} tags ({seconds:.2f} s)"
        )
        for line in out.splitlines()[1:]:
            print(f"    {line}")


def scale(tmp: Path, n_transcripts: int, n_tags: int) -> None:
    """Build an invented project, then time export project and import-project."""
    rng = random.Random(13)
    src = tmp / "corpus"
    src.mkdir()
    for i in range(n_transcripts):
        lines = [
            f"{'I' if k % 2 == 0 else 'R'}: {' '.join(rng.choices(WORDS, k=25))}" for k in range(60)
        ]
        (src / f"int-{i:03}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (src / "book.yaml").write_text(
        "codes:\n" + "".join(f"  - name: code-{i}\n" for i in range(40)), encoding="utf-8"
    )
    with Project.init(tmp / "big") as p:
        p.load_codebook(src / "book.yaml")
        p.import_paths([src])
        store = p.store
        code_ids = list(store.codes.ids().values())
        transcripts = store.transcripts.all()
        turns = {t.id: store.transcripts.turns(t.id) for t in transcripts}
        made = 0
        with store.write():
            while made < n_tags:
                t = rng.choice(transcripts)
                turn = rng.choice(turns[t.id])
                a = rng.randrange(turn.start, turn.end - 5)
                b = rng.randrange(a + 1, turn.end)
                made += (
                    store.tags.insert(
                        transcript_id=t.id,
                        turn_id=turn.id,
                        code_id=rng.choice(code_ids),
                        start=a,
                        end=b,
                        text=turn.text[a - turn.start : b - turn.start],
                        coder=rng.choice(["anna", "boris", "cilda"]),
                    )
                    is not None
                )
    export_s, out = qualcode("export", "project", "-o", "big.qdpx", cwd=tmp / "big")
    print(f"export project, {n_transcripts} transcripts, {n_tags} tags: {export_s:.2f} s")
    print(f"    {out.strip()}")
    with zipfile.ZipFile(tmp / "big" / "big.qdpx") as archive:
        errors = validate_bytes(archive.read("project.qde"), "project")
    print(f"    valid against Project.xsd: {not errors}")
    import_s, out = qualcode("import-project", "big/big.qdpx", "--into", "again", cwd=tmp)
    print(f"import-project of it: {import_s:.2f} s")
    print(f"    {out.strip()}")


def main() -> None:
    """Examples first (skipped when absent), then the scale run."""
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    n_transcripts = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    n_tags = int(sys.argv[3]) if len(sys.argv) > 3 else 20_000
    with tempfile.TemporaryDirectory() as tmp:
        if folder.is_dir():
            examples(folder, Path(tmp))
        else:
            print(f"no examples at {folder}; skipped")
        scale(Path(tmp), n_transcripts, n_tags)


if __name__ == "__main__":
    main()
