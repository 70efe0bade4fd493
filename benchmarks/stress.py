"""Stress qualcode with hostile input, concurrent writers and kill -9 (not part of the tests).

    python benchmarks/stress.py [--quick] [--seed N] [--only fuzz,tag,kill]

1. Fuzzing: every importer in `qualcode.importers.READERS` (new formats are picked up), the
   codebook parser and the attributes CSV reader get mutated and hand-made hostile inputs
   (byte flips, truncations, NULs, CR-only lines, deep YAML, alias bombs, .docx with XXE,
   billion laughs, zip bombs, zip-slip names, huge subtitle timings). Anything raised that is
   not a QualcodeError is a traceback. Hand-made inputs run one per process so that their
   peak memory (ru_maxrss) is their own; every input has a 20 s budget.
2. Writers: 8 processes x 200 `qualcode tag` calls on one project; lost tags, failed calls
   and the longest a call took.
3. kill -9 at random moments during `qualcode import`, `suggest`, `codebook load` and
   `export report`; then `PRAGMA integrity_check` and a check that the work is all there
   or not there at all (and that the export leaves no partial file).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TRANSCRIPTS = REPO / "transcripts"
CODEBOOK = REPO / "codebooks" / "roma-mediators.yaml"
SLOW = 20.0  # seconds: an input that takes longer counts as a run over 20 s
MEMORY_TARGET_MB = 500
QUALCODE = shutil.which("qualcode") or "qualcode"


# -- results ----------------------------------------------------------------------------


@dataclass
class Tally:
    """Outcomes of one fuzzing target."""

    target: str
    inputs: int = 0
    ok: int = 0
    refused: int = 0  # QualcodeError: the clean way to say no
    tracebacks: Counter[str] = field(default_factory=Counter)
    slow: list[str] = field(default_factory=list)
    slowest: float = 0.0
    peak_mb: float = 0.0
    peak_input: str = ""

    def record(self, label: str, outcome: str, seconds: float, peak_mb: float = 0.0) -> None:
        """Count one input's outcome."""
        self.inputs += 1
        if outcome == "ok":
            self.ok += 1
        elif outcome == "refused":
            self.refused += 1
        else:
            self.tracebacks[outcome] += 1
        if seconds > SLOW:
            self.slow.append(f"{label} ({seconds:.0f} s)")
        self.slowest = max(self.slowest, seconds)
        if peak_mb > self.peak_mb:
            self.peak_mb, self.peak_input = peak_mb, label


class TimedOut(BaseException):
    """Raised by the alarm when one input runs past its budget."""


def _alarm(signum: int, frame: object) -> None:
    raise TimedOut


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run_one(fn: Callable[[], object]) -> tuple[str, float]:
    """('ok' | 'refused' | 'timeout' | 'Type: message', seconds) for one call."""
    from qualcode.errors import QualcodeError

    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, SLOW + 5)
    started = time.perf_counter()
    try:
        fn()
        outcome = "ok"
    except QualcodeError as exc:
        outcome = "refused" if "\n" not in str(exc) else "QualcodeError with a newline"
    except TimedOut:
        outcome = f"still running after {SLOW + 5:.0f} s"
    except BaseException as exc:  # noqa: BLE001 - counting exactly these is the point
        where = traceback.extract_tb(exc.__traceback__)[-1]
        outcome = (
            f"{type(exc).__name__}: {str(exc)[:60]} ({Path(where.filename).name}:{where.lineno})"
        )
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return outcome, time.perf_counter() - started


# -- inputs -----------------------------------------------------------------------------


def _docx(body_xml: str, extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal .docx whose document.xml body is body_xml (raw, may be hostile)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlfor'
            'mats-package.relationships+xml"/><Default Extension="xml" ContentType="applicatio'
            'n/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.open'
            'xmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/pack'
            'age/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlforma'
            'ts.org/officeDocument/2006/relationships/officeDocument" Target="word/document.x'
            'ml"/></Relationships>',
        )
        z.writestr("word/document.xml", body_xml)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buf.getvalue()


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _paragraphs(lines: list[str], prolog: str = "") -> str:
    paras = "".join(f"<w:p><w:r><w:t>{line}</w:t></w:r></w:p>" for line in lines)
    return f'<?xml version="1.0"?>{prolog}<w:document {W}><w:body>{paras}</w:body></w:document>'


INVENTED = [
    "Intervētājs: Kā jums patīk darbs?",
    "Respondents: Man vajag vairāk mācību un kursu, alga ir maza.",
    "Intervētājs: Paldies.",
    "Respondents: Sadarbība ar skolu ir laba.",
]


def seeds(ext: str) -> list[bytes]:
    """Good inputs of one format: the repository's example transcripts or invented ones."""
    found = [p.read_bytes() for p in sorted(TRANSCRIPTS.glob(f"*{ext}"))] if TRANSCRIPTS else []
    if found:
        return found
    if ext == ".docx":
        return [_docx(_paragraphs(INVENTED))]
    if ext in (".vtt", ".srt"):
        cues = []
        for i, line in enumerate(INVENTED, start=1):
            sep = "." if ext == ".vtt" else ","
            cues.append(f"{i}\n00:00:{i:02d}{sep}000 --> 00:00:{i + 1:02d}{sep}000\n{line}\n")
        head = "WEBVTT\n\n" if ext == ".vtt" else ""
        return [(head + "\n".join(cues)).encode("utf-8")]
    return ["\n".join(INVENTED).encode("utf-8")]


def mutate(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    """One random mutation of data, with its name."""
    kind = rng.choice(
        ["flip", "flips", "truncate", "nul", "cr", "insert", "delete", "duplicate", "splice"]
    )
    b = bytearray(data)
    if not b:
        return "empty", b""
    if kind == "flip":
        b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
    elif kind == "flips":
        for _ in range(rng.randint(2, 50)):
            b[rng.randrange(len(b))] = rng.randrange(256)
    elif kind == "truncate":
        del b[rng.randrange(len(b)) :]
    elif kind == "nul":
        for _ in range(rng.randint(1, 5)):
            b.insert(rng.randrange(len(b) + 1), 0)
    elif kind == "cr":
        b = bytearray(bytes(b).replace(b"\r\n", b"\r").replace(b"\n", b"\r"))
    elif kind == "insert":
        pos = rng.randrange(len(b) + 1)
        b[pos:pos] = rng.choice(
            [b"\x1b[31m", b"\xef\xbb\xbf", b"\xff\xfe", b"-->", b"00:00:01.000 --> ", b"<", b":"]
        )
    elif kind == "delete":
        start = rng.randrange(len(b))
        del b[start : start + rng.randint(1, 200)]
    elif kind == "duplicate":
        start = rng.randrange(len(b))
        chunk = b[start : start + rng.randint(1, 500)]
        b[start:start] = chunk * rng.randint(1, 20)
    else:
        other = bytearray(data)
        cut = rng.randrange(len(b))
        b = b[:cut] + other[rng.randrange(len(other)) :]
    return kind, bytes(b)


def _zip_mutation(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    """Mutate a member of a zip (docx) instead of the compressed bytes."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            members = {n: z.read(n) for n in z.namelist()}
    except (zipfile.BadZipFile, OSError, ValueError):
        return mutate(data, rng)
    name = rng.choice(sorted(members))
    kind, members[name] = mutate(members[name], rng)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for n, v in members.items():
            z.writestr(n, v)
    return f"member-{kind}", buf.getvalue()


def hostile_transcripts(ext: str) -> Iterator[tuple[str, bytes]]:
    """Hand-made hostile inputs of one format."""
    yield "empty", b""
    yield "nul-only", b"\x00" * 1000
    yield "cr-only", "\r".join(INVENTED).encode()
    yield "10MB-one-line", b"R: " + b"a" * 10_000_000
    yield "10MB-newlines", b"\n" * 10_000_000
    yield "200k-short-turns", "\n".join(INVENTED * 50_000).encode()
    yield "escape-sequences", "R: \x1b]0;owned\x07 \x1b[2J\x9b31m".encode()
    if ext in (".vtt", ".srt"):
        sep = "." if ext == ".vtt" else ","
        head = "WEBVTT\n\n" if ext == ".vtt" else ""
        yield (
            "huge-timing",
            f"{head}1\n{'9' * 5000}:00:00{sep}000 --> 99:00:00{sep}000\nR: x\n".encode(),
        )
        cues = "".join(
            f"{i}\n00:00:00{sep}000 --> 00:00:01{sep}000\nR: vārds {i}\n\n" for i in range(100_000)
        )
        yield "100k-cues", (head + cues).encode()
        yield "cue-without-end", (head + "1\n00:00:00" + sep + "000 --> \n" * 200_000).encode()
    if ext == ".docx":
        xxe = (
            '<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
            '<!DOCTYPE d [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]>',
        )
        for i, prolog in enumerate(xxe):
            yield f"xxe-{i}", _docx(_paragraphs(["R: &x;"], prolog))
        lol = '<!ENTITY a "lollollollollollollollollollol">' + "".join(
            f'<!ENTITY {c} "{("&" + p + ";") * 10}">'
            for p, c in zip("abcdefgh", "bcdefghi", strict=True)
        )
        yield "billion-laughs", _docx(_paragraphs(["R: &i;"], f"<!DOCTYPE d [{lol}]>"))
        yield "zip-bomb-1GB", _zip_bomb(1 << 30)
        yield "zip-slip", _docx(_paragraphs(INVENTED), {"../../evil.txt": b"x", "/abs": b"y"})
        yield "not-a-zip", b"PK\x03\x04" + b"\x00" * 100
        yield (
            "deep-xml",
            _docx(
                f'<?xml version="1.0"?><w:document {W}><w:body>'
                + "<w:p>" * 100_000
                + "</w:p>" * 100_000
                + "</w:body></w:document>"
            ),
        )


def _zip_bomb(size: int) -> bytes:
    """A .docx whose document.xml inflates to size bytes of spaces (about 1 MB compressed)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        base = zipfile.ZipFile(io.BytesIO(_docx(_paragraphs(INVENTED))))
        for n in base.namelist():
            if n != "word/document.xml":
                z.writestr(n, base.read(n))
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            f.write(f'<?xml version="1.0"?><w:document {W}><w:body>'.encode())
            chunk = b" " * (1 << 20)
            for _ in range(size >> 20):
                f.write(chunk)
            f.write(b"</w:body></w:document>")
    return buf.getvalue()


def hostile_codebooks() -> Iterator[tuple[str, str]]:
    """Hand-made hostile codebooks."""
    lines, indent = ["codes:"], ""
    for i in range(5000):
        lines += [f"{indent}  - name: c{i}", f"{indent}    children:"]
        indent += "    "
    yield "deep-block-5000", "\n".join(lines) + "\n"
    yield "deep-flow-100k", "codes: " + "[" * 100_000 + "]" * 100_000
    yield "deep-json", '{"codes": ' + "[" * 100_000 + "]" * 100_000 + "}"
    bomb = "".join(
        f"{a}: &{a} [{', '.join([f'*{p}'] * 9 if p else ['lol'] * 9)}]\n"
        for p, a in zip(["", *"abcdefgh"], "abcdefghi", strict=True)
    )
    yield "alias-bomb", bomb + "codes:\n  - name: x\n    keywords: *i\n"
    yield "python-object", "!!python/object/apply:os.system ['echo pwned']\n"
    yield "lone-surrogate", 'codes:\n  - name: "a\\ud800"\n'
    yield "5000-digits", "codes:\n  - name: " + "9" * 5000 + "\n"
    yield "1M-codes", "codes:\n" + "".join(f"  - c{i}\n" for i in range(1_000_000))
    yield "control-chars", 'codes:\n  - name: "a\\e[2J\\0b"\n'


def hostile_csvs() -> Iterator[tuple[str, bytes]]:
    """Hand-made hostile attributes CSVs."""
    yield "stray-cr", b"respondent_id,town\r\nR-01,Riga\rx\r\nR-02,Ogre\r\n"
    yield "200k-cell", b"respondent_id,note\nR-01," + b"x" * 200_000 + b"\n"
    yield "2M-cell", b"respondent_id,note\nR-01," + b"x" * 2_000_000 + b"\n"
    yield "open-quote", b'respondent_id,note\nR-01,"' + b"x\n" * 100_000
    yield "nul", b"respondent_id,town\nR-01,Ri\x00ga\n"
    yield "100k-columns", b",".join(b"c%d" % i for i in range(100_000)) + b"\n"
    yield "utf16", "respondent_id;town\nR-01;Rēzekne\n".encode("utf-16")


# -- fuzzing ----------------------------------------------------------------------------


def _call_importer(ext: str, data: bytes) -> Callable[[], object]:
    from qualcode.importers import parse_bytes

    return lambda: parse_bytes(data, f"stress{ext}")


def _call_codebook(text: str, suffix: str = ".yaml") -> Callable[[], object]:
    from qualcode.codebook import parse_codebook

    return lambda: list(parse_codebook(text, f"stress{suffix}").walk())


def _call_csv(data: bytes) -> Callable[[], object]:
    from qualcode.importing import read_attributes_csv

    def run() -> object:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "attributes.csv"
            path.write_bytes(data)
            return read_attributes_csv(path)

    return run


def worker_one(kind: str, target: str, name: str) -> None:
    """Run one hand-made input in this (fresh) process and print its outcome as JSON."""
    if kind == "importer":
        data = next(d for n, d in hostile_transcripts(target) if n == name)  # lazily
        fn = _call_importer(target, data)
    elif kind == "codebook":
        text = next(d for n, d in hostile_codebooks() if n == name)
        fn = _call_codebook(text, ".json" if "json" in name else ".yaml")
    else:
        fn = _call_csv(next(d for n, d in hostile_csvs() if n == name))
    before = _maxrss_mb()
    outcome, seconds = _run_one(fn)
    print(json.dumps({"outcome": outcome, "seconds": seconds, "rss": _maxrss_mb(), "base": before}))


def _names(items: Iterator[tuple[str, object]]) -> list[str]:
    """The names of hand-made inputs (the generator builds each input as it goes)."""
    return [name for name, _ in items]


def run_hostile(tally: Tally, kind: str, target: str, names: list[str]) -> None:
    """Each hand-made input in its own process (its peak memory is its own)."""
    for name in names:
        cmd = [sys.executable, __file__, "--one", kind, target, name]
        started = time.perf_counter()
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=SLOW * 3)
            result = json.loads(proc.stdout.strip().splitlines()[-1])
            tally.record(f"{name}", result["outcome"], result["seconds"], result["rss"])
        except subprocess.TimeoutExpired:
            tally.record(name, "killed: no answer", time.perf_counter() - started)
        except (json.JSONDecodeError, IndexError):
            tally.record(name, f"worker died: {proc.stderr.strip()[-120:]}", 0.0)


def fuzz_mutations(
    tally: Tally,
    seeds_: list[bytes],
    call: Callable[[bytes], Callable[[], object]],
    n: int,
    rng: random.Random,
    zipped: bool = False,
) -> None:
    """n mutated inputs in this process."""
    for _ in range(n):
        seed = rng.choice(seeds_)
        depth = rng.choice([1, 1, 1, 2, 3, 8])
        kinds, data = [], seed
        for _ in range(depth):
            kind, data = (_zip_mutation if zipped else mutate)(data, rng)
            kinds.append(kind)
        outcome, seconds = _run_one(call(data))
        tally.record("+".join(kinds), outcome, seconds)
    tally.peak_mb = max(tally.peak_mb, _maxrss_mb())


def fuzz_hypothesis(tally: Tally, call: Callable[[bytes], Callable[[], object]], n: int) -> None:
    """n inputs drawn by hypothesis (arbitrary bytes and text)."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    strategy = st.one_of(
        st.binary(max_size=2000),
        st.text(max_size=2000).map(lambda s: s.encode("utf-8", "surrogatepass")),
        st.lists(st.sampled_from(INVENTED + ["", "\r", "WEBVTT", "-->", "R:"]), max_size=50).map(
            lambda xs: "\n".join(xs).encode()
        ),
    )

    @settings(
        max_examples=n,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def run(data: bytes) -> None:
        outcome, seconds = _run_one(call(data))
        tally.record("hypothesis", outcome, seconds)

    run()


def fuzz(quick: bool, rng: random.Random) -> list[Tally]:
    """Every importer, the codebook parser and the attributes CSV reader."""
    from qualcode.importers import READERS

    n_mut = 300 if quick else 9000
    n_hyp = 100 if quick else 1500
    tallies = []
    for ext in READERS:
        t = Tally(f"importer {ext}")
        print(f"  {t.target} ...", file=sys.stderr, flush=True)
        fuzz_mutations(
            t, seeds(ext), lambda d, e=ext: _call_importer(e, d), n_mut, rng, ext == ".docx"
        )
        if ext == ".docx":  # the raw zip bytes mutated too
            fuzz_mutations(t, seeds(ext), lambda d: _call_importer(".docx", d), n_mut // 3, rng)
        fuzz_hypothesis(t, lambda d, e=ext: _call_importer(e, d), n_hyp)
        run_hostile(t, "importer", ext, _names(hostile_transcripts(ext)))
        tallies.append(t)

    t = Tally("codebook")
    print("  codebook ...", file=sys.stderr, flush=True)
    book = CODEBOOK.read_bytes()
    fuzz_mutations(t, [book], lambda d: _call_codebook(d.decode("utf-8", "replace")), n_mut, rng)
    fuzz_hypothesis(t, lambda d: _call_codebook(d.decode("utf-8", "replace")), n_hyp)
    run_hostile(t, "codebook", "", _names(hostile_codebooks()))
    tallies.append(t)

    t = Tally("attributes CSV")
    print("  attributes CSV ...", file=sys.stderr, flush=True)
    csv_seed = (TRANSCRIPTS / "attributes.csv").read_bytes()
    fuzz_mutations(t, [csv_seed], _call_csv, n_mut, rng)
    fuzz_hypothesis(t, _call_csv, n_hyp)
    run_hostile(t, "csv", "", _names(hostile_csvs()))
    tallies.append(t)
    return tallies


# -- projects through the CLI -------------------------------------------------------------


def qc(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the installed qualcode executable."""
    proc = subprocess.run([QUALCODE, *args], cwd=cwd, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise RuntimeError(f"qualcode {' '.join(args)}: {proc.stderr.strip()}")
    return proc


def make_project(folder: Path, *, codebook: bool = True, transcripts: bool = True) -> Path:
    """A project made as the README says: init, codebook load, import."""
    qc("init", str(folder), cwd=folder.parent)
    if codebook:
        qc("codebook", "load", str(CODEBOOK), cwd=folder)
    if transcripts:
        qc(
            "import",
            str(TRANSCRIPTS),
            "--attributes",
            str(TRANSCRIPTS / "attributes.csv"),
            cwd=folder,
        )
    return folder


def db_row(folder: Path, sql: str) -> tuple[object, ...]:
    """One row from the project's database (after a kill: recovers the WAL)."""
    conn = sqlite3.connect(folder / "qualcode.db")
    try:
        return tuple(conn.execute(sql).fetchone())
    finally:
        conn.close()


def db_count(folder: Path, sql: str) -> int:
    """One number from the project's database (after a kill: recovers the WAL)."""
    return int(db_row(folder, sql)[0])  # type: ignore[call-overload]


def integrity(folder: Path) -> bool:
    """PRAGMA integrity_check says ok."""
    conn = sqlite3.connect(folder / "qualcode.db")
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


WRITER = r"""
import json, subprocess, sys, time
qualcode, jobs = sys.argv[1], json.loads(sys.argv[2])
out = []
for transcript, turn, code in jobs:
    t = time.perf_counter()
    p = subprocess.run([qualcode, "tag", transcript, str(turn), code, "--coder", "stress"],
                       capture_output=True, text=True)
    out.append([transcript, turn, code, p.returncode, time.perf_counter() - t,
                p.stderr.strip()[-200:]])
print(json.dumps(out))
"""


def concurrent_writers(base: Path, writers: int, per_writer: int) -> dict[str, object]:
    """writers processes each tagging per_writer distinct turns; what is lost."""
    from qualcode.project import Project

    with Project.open(base) as p:
        codes = [c.name for c in p.codes()]
        targets = [(t.name, u.number) for t in p.transcripts() for u in p.show(t.name).turns]
    combos = [(name, turn, code) for name, turn in targets for code in codes]
    random.Random(7).shuffle(combos)
    need = writers * per_writer
    combos = combos[:need]
    chunks = [combos[i::writers] for i in range(writers)]
    started = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, QUALCODE, json.dumps(chunk)],
            cwd=base,
            stdout=subprocess.PIPE,
            text=True,
        )
        for chunk in chunks
    ]
    results = [json.loads(p.communicate()[0]) for p in procs]
    wall = time.perf_counter() - started
    calls = [r for res in results for r in res]
    failed = [r for r in calls if r[3] != 0]
    stored = {
        (row["transcript"], row["turn"], row["code"])
        for row in json.loads(qc("tags", "--format", "json", cwd=base).stdout)
        if row.get("coder") == "stress"
    }
    lost = [r for r in calls if r[3] == 0 and (r[0], r[1], r[2]) not in stored]
    return {
        "calls": len(calls),
        "failed calls": len(failed),
        "failure kinds": Counter(r[5].splitlines()[-1][:80] if r[5] else "?" for r in failed),
        "tags lost": len(lost),
        "longest wait s": max((r[4] for r in calls), default=0.0),
        "wall s": wall,
        "integrity ok": integrity(base),
    }


# -- kill -9 ------------------------------------------------------------------------------


@dataclass
class KillOp:
    """An operation to interrupt and how to tell 'all' from 'nothing'."""

    name: str
    args: list[str]
    setup: Callable[[Path], None]
    measure: Callable[[Path], object]  # what the operation leaves, compared all-or-nothing


def _export_state(folder: Path) -> object:
    out = folder / "out.xlsx"
    leftovers = sorted(p.name for p in folder.iterdir() if p.name.startswith(".out.xlsx."))
    if not out.exists():
        return ("absent", len(leftovers))
    try:
        with zipfile.ZipFile(out) as z:
            ok = z.testzip() is None
    except zipfile.BadZipFile:
        ok = False
    return ("complete" if ok else "partial", len(leftovers))


def kill_trials(work: Path, trials: int, rng: random.Random) -> dict[str, dict[str, object]]:
    """kill -9 each operation at random moments; integrity and all-or-nothing checks."""
    empty = make_project(work / "empty", codebook=False, transcripts=False)
    with_codebook = make_project(work / "cb", transcripts=False)
    full = make_project(work / "full")
    suggested = work / "suggested"  # the full project with suggestions waiting for review
    suggested.mkdir()
    shutil.copy2(full / "qualcode.db", suggested / "qualcode.db")
    qc("suggest", cwd=suggested)
    ops = [
        KillOp(
            "import",
            ["import", str(TRANSCRIPTS), "--attributes", str(TRANSCRIPTS / "attributes.csv")],
            lambda d: shutil.copy2(with_codebook / "qualcode.db", d / "qualcode.db"),
            lambda d: db_count(d, "SELECT count(*) FROM transcripts"),
        ),
        KillOp(
            "suggest",
            ["suggest"],
            lambda d: shutil.copy2(full / "qualcode.db", d / "qualcode.db"),
            lambda d: db_count(d, "SELECT count(*) FROM suggestions"),
        ),
        KillOp(
            "review --accept",
            ["review", "--accept"],
            lambda d: shutil.copy2(suggested / "qualcode.db", d / "qualcode.db"),
            lambda d: db_row(
                d,
                "SELECT (SELECT count(*) FROM suggestions WHERE status = 'accepted'), "
                "(SELECT count(*) FROM tags), (SELECT count(*) FROM decision_sets)",
            ),
        ),
        KillOp(
            "codebook load",
            ["codebook", "load", str(CODEBOOK)],
            lambda d: shutil.copy2(empty / "qualcode.db", d / "qualcode.db"),
            lambda d: db_count(d, "SELECT count(*) FROM codes"),
        ),
        KillOp(
            "export report",
            ["export", "report", "-o", "out.xlsx"],
            lambda d: shutil.copy2(full / "qualcode.db", d / "qualcode.db"),
            _export_state,
        ),
    ]
    results: dict[str, dict[str, object]] = {}
    for op in ops:
        ref = work / f"ref-{op.name.replace(' ', '-')}"
        ref.mkdir()
        op.setup(ref)
        nothing = op.measure(ref)
        started = time.perf_counter()
        qc(*op.args, cwd=ref)
        duration = time.perf_counter() - started
        everything = op.measure(ref)
        counts: Counter[str] = Counter()
        bad_integrity, partial = 0, []
        for i in range(trials):
            d = work / f"kill-{op.name.replace(' ', '-')}-{i}"
            d.mkdir()
            op.setup(d)
            proc = subprocess.Popen(
                [QUALCODE, *op.args], cwd=d, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            time.sleep(rng.uniform(0.05, duration * 1.1))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            if not integrity(d):
                bad_integrity += 1
            state = op.measure(d)
            if op.name == "export report":
                # the next export must clean up the killed one's temporary file
                time.sleep(0)  # the stale age is checked against the file's mtime
                kind, left = state  # type: ignore[misc]
                counts[kind] += 1
                if kind == "partial":
                    partial.append(i)
                if left:
                    counts["temporaries left"] += 1
            elif state == nothing:
                counts["nothing"] += 1
            elif state == everything:
                counts["all"] += 1
            else:
                counts["partial"] += 1
                partial.append(f"{i}: {state} of {everything}")
            shutil.rmtree(d)
        results[op.name] = {
            "trials": trials,
            "op seconds": round(duration, 2),
            "integrity failures": bad_integrity,
            "outcomes": dict(counts),
            "partial": partial[:5],
        }
    return results


def export_leftover_cleanup(work: Path) -> str:
    """A killed export's temporary is removed by the next export in the same folder."""
    from qualcode.exports.writer import STALE_AFTER

    d = work / "cleanup"
    d.mkdir()
    shutil.copy2(work / "full" / "qualcode.db", d / "qualcode.db")
    proc = subprocess.Popen([QUALCODE, "export", "report", "-o", "out.docx"], cwd=d)
    for _ in range(3000):  # the temporary appears once the report is built (seconds)
        if any(p.name.startswith(".out.docx.") for p in d.iterdir()):
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    left = [p for p in d.iterdir() if p.name.startswith(".out.docx.")]
    if not left:
        return "no temporary caught (the export was too quick)"
    old = time.time() - STALE_AFTER - 1
    for p in left:
        os.utime(p, (old, old))
    qc("export", "report", "-o", "other.md", cwd=d)
    after = [p for p in d.iterdir() if p.name.startswith(".out.docx.")]
    return f"{len(left)} left by kill -9, {len(after)} after the next export"


# -- main ---------------------------------------------------------------------------------


def main() -> int:
    """Run the stress tests and print the summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="minutes, not an hour")
    parser.add_argument("--seed", type=int, default=20240501)
    parser.add_argument("--only", default="fuzz,tag,kill")
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        worker_one(*args.one)
        return 0
    if not TRANSCRIPTS.is_dir() or not CODEBOOK.is_file():
        print("needs the repository's transcripts/ and codebooks/ folders", file=sys.stderr)
        return 2
    rng = random.Random(args.seed)
    only = set(args.only.split(","))
    summary: list[tuple[str, str]] = []
    started = time.perf_counter()

    if "fuzz" in only:
        print("fuzzing", file=sys.stderr)
        tallies = fuzz(args.quick, rng)
        print(
            f"\n{'target':<18}{'inputs':>8}{'ok':>7}{'refused':>9}{'tracebacks':>12}"
            f"{'>20 s':>7}{'slowest s':>11}{'peak MB':>9}  peak input"
        )
        for t in tallies:
            print(
                f"{t.target:<18}{t.inputs:>8}{t.ok:>7}{t.refused:>9}"
                f"{sum(t.tracebacks.values()):>12}{len(t.slow):>7}{t.slowest:>11.1f}"
                f"{t.peak_mb:>9.0f}  {t.peak_input}"
            )
        for t in tallies:
            for kind, n in t.tracebacks.most_common(8):
                print(f"  {t.target}: {n} x {kind}")
            for s in t.slow:
                print(f"  {t.target}: over {SLOW:.0f} s: {s}")
        summary += [
            ("tracebacks", str(sum(sum(t.tracebacks.values()) for t in tallies))),
            ("runs over 20 s", str(sum(len(t.slow) for t in tallies))),
            (
                "peak memory MB",
                f"{max(t.peak_mb for t in tallies):.0f} (target {MEMORY_TARGET_MB})",
            ),
        ]

    with tempfile.TemporaryDirectory(prefix="qualcode-stress-") as tmp:
        work = Path(tmp)
        if "tag" in only:
            print("\nconcurrent writers", file=sys.stderr)
            base = make_project(work / "tagging")
            per = 10 if args.quick else 200
            w = concurrent_writers(base, 8, per)
            print(f"\n8 writers x {per} `qualcode tag`: {w}")
            summary += [
                ("tags lost", f"{w['tags lost']} (+{w['failed calls']} calls failed)"),
                ("longest writer wait s", f"{w['longest wait s']:.2f}"),
            ]
        if "kill" in only:
            print("\nkill -9", file=sys.stderr)
            if not (work / "full").exists():
                kills = kill_trials(work, 3 if args.quick else 100, rng)
            else:
                kills = {}
            for name, r in kills.items():
                print(f"kill -9 during {name}: {r}")
            cleanup = export_leftover_cleanup(work)
            print(f"export temporaries: {cleanup}")
            summary += [
                (
                    "integrity_check failures",
                    str(sum(int(r["integrity failures"]) for r in kills.values())),
                ),
                (
                    "partial results after kill -9",
                    str(sum(int(r["outcomes"].get("partial", 0)) for r in kills.values())),
                ),  # type: ignore[attr-defined]
                ("export temporaries", cleanup),
            ]

    print(f"\nsummary ({'quick' if args.quick else 'full'}, {time.perf_counter() - started:.0f} s)")
    for key, value in summary:
        print(f"  {key:<32}{value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
