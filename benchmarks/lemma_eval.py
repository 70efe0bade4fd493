"""Latvian lemma keys measured on the gold sample (UD Latvian LVTB test split).

For each method: the share of content-word tokens (NOUN, VERB, ADJ) whose form and gold
lemma get the same key; keyword-search precision and recall (query each gold lemma's key,
retrieve the content-word tokens with that key); and how many pairs of different gold
lemmas collide on one key (per million pairs).

Usage: python benchmarks/lemma_eval.py [--gold ../shared/data/lv_lemma_gold.tsv]
"""

from __future__ import annotations

import argparse
import csv
import itertools
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

CONTENT = {"NOUN", "VERB", "ADJ"}
DEFAULT_GOLD = Path(__file__).resolve().parents[2] / "shared" / "data" / "lv_lemma_gold.tsv"


def read_gold(path: Path) -> list[tuple[str, str, str]]:
    """(form, gold lemma, UPOS) rows of the TSV."""
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [(r["form"], r["gold_lemma"], r["upos"]) for r in reader]


def methods() -> dict[str, Callable[[str], str]]:
    """Candidate key functions; the last is qualcode's Keyer('lv'), the one chosen."""
    import simplemma
    from LatvianStemmer import stem
    from simplemma.strategies.dictionary_lookup import DictionaryLookupStrategy

    from qualcode.nlp.keys import Keyer

    lookup = DictionaryLookupStrategy()

    def dict_then_stem(w: str) -> str:
        lemma = lookup.get_lemma(w, "lv") or lookup.get_lemma(w.lower(), "lv")
        return stem((lemma or w).lower())

    def fixed_point_then_stem(w: str) -> str:
        lemma = lookup.get_lemma(w, "lv") or lookup.get_lemma(w.lower(), "lv")
        for _ in range(3):
            nxt = lookup.get_lemma(lemma, "lv") if lemma else None
            if nxt is None or nxt == lemma or nxt == w:
                break
            lemma = nxt
        return stem((lemma or w).lower())

    return {
        "lowercase identity": str.lower,
        "simplemma lv": lambda w: simplemma.lemmatize(w, lang="lv").lower(),
        "suffix stemmer (LatvianStemmer)": lambda w: stem(w.lower()),
        "simplemma (with rules) then stemmer": lambda w: stem(
            simplemma.lemmatize(w, lang="lv").lower()
        ),
        "simplemma dictionary then stemmer": dict_then_stem,
        "dictionary to fixed point then stemmer": fixed_point_then_stem,
        "fixed point, verb forms, then stemmer": Keyer("lv"),
    }


def evaluate(rows: list[tuple[str, str, str]], key: Callable[[str], str]) -> dict[str, float]:
    """Agreement, search precision/recall and collisions of one key function."""
    content = [(f, lemma) for f, lemma, pos in rows if pos in CONTENT]
    agree = sum(key(f) == key(lemma) for f, lemma in content) / len(content)
    by_key: dict[str, list[str]] = defaultdict(list)  # key -> gold lemmas of the tokens
    for f, lemma in content:
        by_key[key(f)].append(lemma)
    tp = retrieved = relevant = 0
    for lemma in {lemma for _, lemma in content}:
        hits = by_key.get(key(lemma), [])
        retrieved += len(hits)
        tp += sum(h == lemma for h in hits)
        relevant += sum(g == lemma for _, g in content)
    lemmas = sorted({lemma for _, lemma in content})
    keys = [key(lemma) for lemma in lemmas]
    pairs = len(lemmas) * (len(lemmas) - 1) // 2
    collide = sum(a == b for a, b in itertools.combinations(keys, 2))
    return {
        "agree": agree,
        "precision": tp / retrieved if retrieved else 0.0,
        "recall": tp / relevant if relevant else 0.0,
        "collisions_per_million": collide / pairs * 1e6 if pairs else 0.0,
    }


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD)
    args = parser.parse_args()
    rows = read_gold(args.gold)
    n = sum(pos in CONTENT for _, _, pos in rows)
    print(f"{args.gold.name}: {len(rows)} tokens, {n} content words (NOUN/VERB/ADJ)")
    print(f"{'method':38} {'form~lemma':>10} {'search P':>9} {'search R':>9} {'coll/1M':>8}")
    for name, fn in methods().items():
        m = evaluate(rows, fn)
        print(
            f"{name:38} {m['agree']:10.3f} {m['precision']:9.3f} {m['recall']:9.3f} "
            f"{m['collisions_per_million']:8.0f}"
        )
    # The second, weaker key: forms typed without diacritics against the lemma's folded key.
    from qualcode.nlp.keys import Keyer, fold

    k = Keyer("lv")
    typed = [(fold(f), lemma, pos) for f, lemma, pos in rows]
    m = evaluate(typed, lambda w: fold(k(w)))
    print(
        f"{'typed without diacritics, folded key':38} {m['agree']:10.3f} {m['precision']:9.3f} "
        f"{m['recall']:9.3f} {m['collisions_per_million']:8.0f}"
    )


if __name__ == "__main__":
    main()
