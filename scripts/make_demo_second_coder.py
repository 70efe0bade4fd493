"""Make transcripts/coding-second.csv: a second coder's double coding of four demo interviews.

Invented like the rest of the demo: the first coder's tags on LV-01, LV-04, EN-02 and LV-07,
where the second coder leaves out every fifth tag and, on every fourth, picks a sibling code
(another code under the same parent), so the demo shows realistic disagreement.
Run from the repository root: python scripts/make_demo_second_coder.py
"""

from __future__ import annotations

import csv
from pathlib import Path

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[1]
DOUBLE_CODED = ("LV-01", "LV-04", "EN-02", "LV-07")


def siblings() -> dict[str, list[str]]:
    """Code name -> the other codes under the same parent, in codebook order."""
    book = YAML(typ="safe").load((ROOT / "codebooks" / "roma-mediators.yaml").read_text("utf-8"))
    out: dict[str, list[str]] = {}
    for parent in book["codes"]:
        names = [c["name"] for c in parent.get("children", [])]
        for name in names:
            out[name] = [n for n in names if n != name]
    return out


def main() -> None:
    sib = siblings()
    with open(ROOT / "transcripts" / "coding.csv", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["transcript"] in DOUBLE_CODED]
    out = []
    for i, row in enumerate(rows, start=1):
        if i % 5 == 0:
            continue  # the second coder did not see this theme here
        code = row["code"]
        if i % 4 == 0 and sib.get(code):
            code = sib[code][i % len(sib[code])]  # a near miss: a sibling theme
        out.append({"transcript": row["transcript"], "turn": row["turn"], "code": code})
    unique = list({(r["transcript"], r["turn"], r["code"]): r for r in out}.values())
    with open(ROOT / "transcripts" / "coding-second.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, ["transcript", "turn", "code"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(unique)
    print(f"wrote {len(unique)} tags of a second coder on {', '.join(DOUBLE_CODED)}")


if __name__ == "__main__":
    main()
