"""Self-check of the demo data: transcripts, attributes.csv, codebook and the gold tags.

Run from anywhere: ``python scripts/check_demo.py``. It parses every transcript with the
turn-numbering rule of benchmarks/gold/README.md (independently of qualcode), checks that
every gold row points at an existing respondent turn and a leaf code, checks attributes.csv,
and prints turn counts per file. If ``qualcode.importers.read_transcript`` can be imported
(run with PYTHONPATH=src), it also compares qualcode's turn numbering with this one.
Exits 1 on any problem.
"""

from __future__ import annotations

import csv
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRANSCRIPTS = ROOT / "transcripts"
GOLD = ROOT / "transcripts" / "coding.csv"
CODEBOOK = ROOT / "codebooks" / "roma-mediators.yaml"
FORMATS = {".txt", ".md", ".docx", ".vtt"}
INTERVIEWER_LABELS = {"i", "intervētāja", "intervētājs", "interviewer"}
# "a name followed by a colon" at the start of a line: up to three words, then ':' + space
LABEL = re.compile(r"^\s*(?:\*\*)?([^\W\d_][\w.'’-]*(?: [\w.'’-]+){0,2}):(?:\*\*)?(?=\s|$)")
VOICE = re.compile(r"<v(?:\.[^ >]*)?\s+([^>]+)>")
REAL_NAMES = ("kozlovsk", "avramenko", "zaharenko", "paņko", "panko", "ignate")

Turn = tuple[str, bool, str]  # speaker label, is interviewer, text


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1257; newlines normalised to LF."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1257")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def turns_from_lines(lines: list[str]) -> list[Turn]:
    """Labelled lines start turns, unlabelled ones continue a turn; before the first: header."""
    turns: list[list[str]] = []
    for line in lines:
        m = LABEL.match(line)
        if m:
            turns.append([m.group(1), line[m.end() :].strip()])
        elif turns and line.strip():
            turns[-1][1] += "\n" + line.strip()
    return [(s, s.lower() in INTERVIEWER_LABELS, t) for s, t in turns]


def parse_docx(path: Path) -> list[Turn]:
    """A paragraph whose first run is bold and reads 'Label:' starts a turn."""
    from docx import Document

    lines = []
    for para in Document(str(path)).paragraphs:
        runs = [r for r in para.runs if r.text]
        if runs and runs[0].bold and LABEL.match(runs[0].text + " "):
            lines.append(para.text)
        else:
            lines.append("  " + para.text)  # never a label: header or continuation
    return turns_from_lines(lines)


def parse_vtt(text: str) -> list[Turn]:
    """Consecutive cues with the same <v Speaker> voice form one turn."""
    turns: list[list[str]] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = block.split("\n")
        if "-->" not in block:
            continue  # WEBVTT line, NOTE or STYLE blocks
        cue = "\n".join(lines[[i for i, ln in enumerate(lines) if "-->" in ln][0] + 1 :])
        m = VOICE.search(cue)
        speaker = m.group(1).strip() if m else (turns[-1][0] if turns else "?")
        words = re.sub(r"</?[^>]+>", "", cue).strip()
        if turns and turns[-1][0] == speaker:
            turns[-1][1] += " " + words
        else:
            turns.append([speaker, words])
    return [(s, s.lower() in INTERVIEWER_LABELS, t) for s, t in turns]


def parse_file(path: Path) -> list[Turn]:
    """Turns of one transcript file, numbered from 1 by position."""
    if path.suffix == ".docx":
        return parse_docx(path)
    text = decode(path.read_bytes())
    if path.suffix == ".vtt":
        return parse_vtt(text)
    return turns_from_lines(text.split("\n"))


def load_attrs() -> dict[str, dict[str, str]]:
    """attributes.csv rows by respondent id."""
    with (TRANSCRIPTS / "attributes.csv").open(encoding="utf-8", newline="") as f:
        return {row["respondent_id"]: row for row in csv.DictReader(f)}


def leaf_codes() -> set[str]:
    """Names of codes without children in the demo codebook."""
    from ruamel.yaml import YAML

    data = YAML(typ="safe").load(CODEBOOK.read_text(encoding="utf-8"))
    out: set[str] = set()

    def walk(codes: list[dict[str, object]]) -> None:
        for code in codes:
            children = code.get("children")
            if isinstance(children, list) and children:
                walk(children)
            else:
                out.add(str(code["name"]))

    walk(data["codes"])
    return out


def compare_with_qualcode(files: dict[str, Path], ours: dict[str, list[Turn]]) -> list[str]:
    """Differences between this numbering and qualcode.importers.read_transcript, if present."""
    try:
        from qualcode.importers import read_transcript  # type: ignore[import-not-found]
    except ImportError as exc:
        print(f"(qualcode.importers not importable: {exc}; comparison skipped)")
        return []
    problems = []
    for stem, path in files.items():
        try:
            parsed = read_transcript(path)
        except Exception as exc:  # noqa: BLE001 - report any importer failure
            problems.append(f"{path.name}: read_transcript failed: {exc!r}")
            continue
        theirs = parsed.turns
        mine = ours[stem]
        if len(theirs) != len(mine):
            problems.append(f"{path.name}: qualcode has {len(theirs)} turns, expected {len(mine)}")
        for n, (a, b) in enumerate(zip(mine, theirs, strict=False), 1):
            role = "interviewer" if a[1] else "respondent"
            if b.role != role:
                problems.append(
                    f"{path.name} turn {n}: role {b.role!r}, expected {role!r} ({a[0]})"
                )
            words = parsed.text[b.start : b.end]
            probe = a[2].split()[:3]
            if probe and " ".join(probe) not in " ".join(words.split()):
                problems.append(
                    f"{path.name} turn {n}: text {words[:40]!r} does not start "
                    f"like {' '.join(probe)!r}"
                )
    if not problems:
        print(f"qualcode.importers.read_transcript agrees on all {len(files)} files")
    return problems


def main() -> int:
    """Run all checks; print a summary; return the exit status."""
    problems: list[str] = []
    attrs = load_attrs()
    files = {p.stem: p for p in sorted(TRANSCRIPTS.iterdir()) if p.suffix in FORMATS}
    parsed: dict[str, list[Turn]] = {}
    for stem, path in files.items():
        turns = parse_file(path)
        parsed[stem] = turns
        labels = Counter(s for s, _, _ in turns)
        n_resp = sum(1 for _, is_int, _ in turns if not is_int)
        print(f"{path.name:11s} {len(turns):3d} turns, {n_resp:2d} respondent; {dict(labels)}")
        if len(labels) != 2 or sum(1 for s in labels if s.lower() in INTERVIEWER_LABELS) != 1:
            problems.append(f"{path.name}: expected one interviewer and one respondent label")
        if not 25 <= len(turns) <= 60:
            problems.append(f"{path.name}: {len(turns)} turns, outside 25-60")
        full = " ".join(t for _, _, t in turns).lower()
        problems += [f"{path.name}: contains a seed name ({n})" for n in REAL_NAMES if n in full]
        row = attrs.get(stem)
        if row is None or row["file"] != path.name:
            problems.append(f"{path.name}: no matching row in attributes.csv")
    for rid in attrs:
        if rid not in files:
            problems.append(f"attributes.csv: {rid} has no transcript")
    rating_cols = [c for c in next(iter(attrs.values())) if c.startswith("r_")]
    for rid, row in attrs.items():
        values = [row[c] for c in rating_cols]
        if row["role"] == "mediator" and any(values):
            problems.append(f"attributes.csv: mediator {rid} has ratings")
        if any(v and not (v.isdigit() and 1 <= int(v) <= 10) for v in values):
            problems.append(f"attributes.csv: {rid} has a rating outside 1..10")

    leaves = leaf_codes()
    seen = set()
    per_code: Counter[str] = Counter()
    with GOLD.open(encoding="utf-8", newline="") as f:
        for i, row in enumerate(csv.DictReader(f), 2):
            key = (row["transcript"], int(row["turn"]), row["code"])
            turns = parsed.get(row["transcript"])
            if key in seen:
                problems.append(f"gold line {i}: duplicate {key}")
            seen.add(key)
            if row["code"] not in leaves:
                problems.append(f"gold line {i}: {row['code']!r} is not a leaf code")
            if turns is None:
                problems.append(f"gold line {i}: no transcript {row['transcript']}")
            elif not 1 <= key[1] <= len(turns):
                problems.append(f"gold line {i}: turn {key[1]} out of range 1..{len(turns)}")
            elif turns[key[1] - 1][1]:
                problems.append(f"gold line {i}: turn {key[1]} is an interviewer turn")
            per_code[row["code"]] += 1
    print(f"gold: {len(seen)} tags")
    for code in sorted(leaves):
        flag = "" if per_code[code] >= 3 else "   <-- fewer than 3"
        print(f"  {code:28s} {per_code[code]:3d}{flag}")
        if per_code[code] < 3:
            problems.append(f"gold: {code} has fewer than 3 tags")

    problems += compare_with_qualcode(files, parsed)
    for p in problems:
        print("PROBLEM:", p)
    print("OK" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
