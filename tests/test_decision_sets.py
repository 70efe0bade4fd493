"""Bulk decisions recorded as decision sets: any mix of decisions undoes to the exact rows."""

from __future__ import annotations

import itertools
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from helpers import write_codebook, write_transcript
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.project import Project
from qualcode.store import Store

WORDS = "saule mežs upe kalns zāle putns akmens vējš lietus sniegs ezers ceļš".split()
TABLES = ("tags", "suggestions")


def snapshot(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables a review decision touches, in key order."""
    return {t: sorted(map(tuple, store.conn.execute(f"SELECT * FROM {t}"))) for t in TABLES}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with 2 transcripts and 48 pending suggestions of 3 codes on them, some
    sharing a turn (accepting both makes one tag) and some a passage of another code."""
    folder = tmp_path_factory.mktemp("sets")
    src = folder / "src"
    src.mkdir()
    for name in ("T01", "T02"):
        turns = [
            ("I" if i % 2 == 0 else "R", " ".join(WORDS[(i + j) % len(WORDS)] for j in range(12)))
            for i in range(8)
        ]
        write_transcript(src, f"{name}.txt", turns)
    with Project.init(folder / "proj") as p:
        p.load_codebook(write_codebook(src))
        assert not p.import_paths([src / "T01.txt", src / "T02.txt"]).failed
        store = p.store
        codes = [c.id for c in store.codes.all()][:3]
        turns = store.query('SELECT id, transcript_id, start FROM turns WHERE role = "respondent"')
        rows = []
        for i, (turn, code) in enumerate(itertools.product(turns, codes)):
            start = turn["start"] + (i % 3) * 6
            rows.append(
                (turn["transcript_id"], turn["id"] if i % 2 else None, code, start, start + 5,
                 0.5, "[]", "keyword: test", None, "2024-01-01T00:00:00+00:00")
            )  # fmt: skip
        with store.write(record=False):
            store.suggestions.insert_many(rows)
    return folder / "proj" / "qualcode.db"


_ops = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(["accept", "reject"]), st.sampled_from([None, "T01", "T02"])),
        st.tuples(st.sampled_from(["skip", "one"]), st.integers(1, 48)),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=25, deadline=None)
@given(ops=_ops)
def test_any_mix_of_bulk_and_single_decisions_undoes_to_the_exact_rows(
    template: Path, ops: list[tuple[str, Any]]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy2(template, Path(tmp) / "qualcode.db")
        with Project.open(Path(tmp)) as p:
            states = [snapshot(p.store)]
            commands = 0
            for op, arg in ops:
                before = p.log(limit=1)
                if op in ("accept", "reject"):
                    p.decide_all(op, transcript=arg, coder="anna")
                else:
                    status = p.store.scalar("SELECT status FROM suggestions WHERE id = ?", [arg])
                    if status not in ("pending", "skipped"):
                        continue
                    p.decide(arg, "skip" if op == "skip" else "accept", coder="anna")
                if p.log(limit=1) != before:  # a command that changed something
                    commands += 1
                    states.append(snapshot(p.store))
            # Undo one command at a time: each step gives back the state before it.
            for expected in reversed(states[:-1]):
                p.undo(coder="anna")
                assert snapshot(p.store) == expected
            assert commands == len(states) - 1
            assert p.check().ok
