"""Generate a synthetic project: N Latvian-like transcripts of W words, M codes, attributes.

Respondent turns mix filler words (pseudo-Latvian stems with real inflection endings: 42,000
word forms drawn with Zipf's law, so a 5,000-word interview has about a third distinct
forms, as a real Latvian one does) with keywords of the demo codebook's codes in inflected
forms. Reusable by other benchmarks:

    from make_corpus import make_corpus
    paths = make_corpus(folder, transcripts=200, words=5000, seed=0)

Usage: python benchmarks/make_corpus.py OUT [--transcripts 200] [--words 5000] [--codes 12]
"""

from __future__ import annotations

import argparse
import csv
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parents[1]
DEMO_CODEBOOK = REPO / "codebooks" / "roma-mediators.yaml"
TOWNS = ("Rīga", "Jelgava", "Talsi", "Ventspils", "Viļaka", "Daugavpils", "Liepāja")
ROLES = ("mediator", "municipal-staff", "teacher", "social-worker")
FUNCTION = (
    "un",
    "ir",
    "ka",
    "ar",
    "par",
    "no",
    "uz",
    "arī",
    "bet",
    "vai",
    "kas",
    "tas",
    "lai",
    "jo",
    "mēs",
    "viņa",
    "nav",
    "bija",
    "ļoti",
    "to",
    "kā",
    "man",
    "mums",
)
SYLLABLES = (
    "ka",
    "ra",
    "le",
    "mi",
    "no",
    "tu",
    "sa",
    "vē",
    "dī",
    "pa",
    "gu",
    "ze",
    "bā",
    "lo",
    "ri",
    "šu",
    "kļa",
    "ņe",
    "ju",
    "va",
    "strā",
    "dzi",
    "ce",
    "mū",
)
NOUN_ENDINGS = ("s", "a", "am", "u", "ā", "i", "us", "iem", "os", "as", "ai", "ām", "ās", "e")
QUESTIONS = (
    "Pastāstiet, lūdzu, vairāk par to.",
    "Kā jūs to vērtējat?",
    "Kas, jūsuprāt, būtu jāmaina?",
    "Vai varat minēt piemēru?",
)


@dataclass(frozen=True)
class Corpus:
    """Where the generated project files are."""

    codebook: Path
    transcripts: Path
    attributes: Path
    words: int


def inflect(phrase: str, rng: random.Random) -> str:
    """A Latvian-looking inflected form of a keyword phrase (its last word changes)."""
    words = phrase.split()
    last = words[-1]
    if not last.isalpha() or rng.random() < 0.3:  # some keywords stay in their base form
        return phrase
    for ending, options in (
        ("as", ("ām", "ās", "u")),
        ("a", ("u", "as", "ai", "ā", "ām")),
        ("s", ("u", "a", "am", "ā", "i", "us")),
        ("i", ("us", "iem", "os")),
        ("e", ("i", "es", "ei", "ē")),
    ):
        if last.endswith(ending) and len(last) > len(ending) + 2:
            words[-1] = last[: -len(ending)] + rng.choice(options)
            break
    return " ".join(words)


def _codes(n: int) -> list[dict[str, object]]:
    """The first n leaf codes with keywords from the demo codebook (plain dicts)."""
    data = YAML(typ="safe").load(DEMO_CODEBOOK.read_text("utf-8"))
    leaves = [
        c for parent in data["codes"] for c in parent.get("children", []) if c.get("keywords")
    ]
    picked = leaves[:n]
    while len(picked) < n:  # more codes than the demo has: copies with other names
        base = leaves[len(picked) % len(leaves)]
        picked.append({**base, "name": f"{base['name']}-{len(picked)}"})
    return picked


@dataclass(frozen=True)
class Vocabulary:
    """Filler word forms and the cumulative Zipf weights to draw them with."""

    forms: list[str]
    cum_weights: list[float]

    @classmethod
    def build(cls, rng: random.Random, stems: int = 3000) -> Vocabulary:
        """Pseudo-Latvian stems times inflection endings, in a random frequency order."""
        roots = {
            "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))) for _ in range(stems)
        }
        forms = [r + e for r in sorted(roots) for e in NOUN_ENDINGS]
        rng.shuffle(forms)
        total, cum = 0.0, []
        for rank in range(1, len(forms) + 1):
            total += 1.0 / rank
            cum.append(total)
        return cls(forms, cum)

    def draw(self, rng: random.Random) -> str:
        """One form, by Zipf's law."""
        return rng.choices(self.forms, cum_weights=self.cum_weights)[0]


def _answer(
    rng: random.Random, words: int, vocab: Vocabulary, codes: list[dict[str, object]]
) -> str:
    out: list[str] = []
    while len(out) < words:
        r = rng.random()
        if r < 0.03:
            code = rng.choice(codes)
            keyword = rng.choice(list(code["keywords"]))  # type: ignore[call-overload]
            out.extend(inflect(str(keyword), rng).split())
        elif r < 0.35:
            out.append(rng.choice(FUNCTION))
        else:
            out.append(vocab.draw(rng))
        if rng.random() < 0.08:
            out[-1] += rng.choice((".", ",", ",", "?"))
    text = " ".join(out)
    return text[0].upper() + text[1:] + ("" if text.endswith(".") else ".")


def make_corpus(
    folder: Path, transcripts: int = 200, words: int = 5000, seed: int = 0, codes: int = 12
) -> Corpus:
    """Write codebook.yaml, transcripts/*.txt and transcripts/attributes.csv into folder."""
    rng = random.Random(seed)
    folder = Path(folder)
    tdir = folder / "transcripts"
    tdir.mkdir(parents=True, exist_ok=True)
    chosen = _codes(codes)
    book = {"title": f"Synthetic codebook ({codes} codes)", "language": "lv", "codes": chosen}
    yaml = YAML()
    yaml.default_flow_style = None
    with (folder / "codebook.yaml").open("w", encoding="utf-8") as f:
        yaml.dump(book, f)
    vocab = Vocabulary.build(rng)
    rows = ["respondent_id,file,town,role,language"]
    total = 0
    for i in range(1, transcripts + 1):
        name = f"SY-{i:03d}"
        turns = [f"Intervija {name}\nDatums: 2021-06-{1 + i % 28:02d}\n"]
        count = 0
        while count < words:
            size = min(words - count, rng.randint(40, 110))
            turns.append(f"I: {rng.choice(QUESTIONS)}")
            turns.append(f"R: {_answer(rng, size, vocab, chosen)}")
            count += size
        total += count
        (tdir / f"{name}.txt").write_text("\n\n".join(turns) + "\n", encoding="utf-8")
        rows.append(f"{name},{name}.txt,{rng.choice(TOWNS)},{rng.choice(ROLES)},lv")
    (tdir / "attributes.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return Corpus(folder / "codebook.yaml", tdir, tdir / "attributes.csv", total)


def random_tags_csv(project: Any, path: Path, count: int, seed: int = 0) -> Path:
    """Write a CSV of `count` distinct random tags (transcript, turn, code, coder) on the
    respondent turns of a project, for `qualcode tag --from-csv`."""
    rng = random.Random(seed)
    turns = project.store.query(
        "SELECT t.name, u.number FROM turns u JOIN transcripts t ON t.id = u.transcript_id "
        "WHERE u.role = 'respondent'"
    )
    codes = [c.name for c in project.codes()]
    leaves = [c for c in codes if not any(d.parent == c for d in project.codes())] or codes
    count = min(count, len(turns) * len(leaves) * 4)
    seen: set[tuple[str, int, str, str]] = set()
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["transcript", "turn", "code", "coder"])
        while len(seen) < count:
            turn = rng.choice(turns)
            row = (
                turn["name"],
                turn["number"],
                rng.choice(leaves),
                rng.choice(("anna", "berta", "juris", "līga")),
            )
            if row not in seen:
                seen.add(row)
                writer.writerow(row)
    return path


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--transcripts", type=int, default=200)
    parser.add_argument("--words", type=int, default=5000)
    parser.add_argument("--codes", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    corpus = make_corpus(args.out, args.transcripts, args.words, args.seed, args.codes)
    print(
        f"{args.transcripts} transcripts, {corpus.words:,} respondent words, "
        f"{args.codes} codes -> {args.out}"
    )
    print(f"codebook: {corpus.codebook}\ntranscripts: {corpus.transcripts}")


if __name__ == "__main__":
    main()
