"""An export reads the tags once: TagStore.read_once and build_report."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from report_fixture import fixture_db, open_copy

from qualcode.exports.document import _report_doc, build_report
from qualcode.project import Project

# Statements that scan the tags: TagStore.facts (with or without text) and code_counts.
_READS_TAGS = re.compile(r"FROM tags g\b")


@pytest.fixture
def fx(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Iterator[Project]:
    """A private copy of the hand-computed fixture project."""
    yield from open_copy(fixture_db(tmp_path_factory), tmp_path)


def _trace(project: Project) -> list[str]:
    """Every statement run from now on, with its parameters filled in."""
    statements: list[str] = []
    project.store.conn.set_trace_callback(statements.append)
    return statements


def _tag_reads(statements: list[str]) -> list[str]:
    return [" ".join(s.split()) for s in statements if _READS_TAGS.search(s)]


def test_build_report_runs_each_read_of_the_tags_once(fx: Project) -> None:
    statements = _trace(fx)
    build_report(fx.store)
    fx.store.conn.set_trace_callback(None)
    reads = _tag_reads(statements)
    assert len(reads) == len(set(reads))
    # the facts (with text) for the matrix, co-occurrence and quotes: one read
    assert len([r for r in reads if "g.text" in r]) == 1


def test_report_built_from_one_read_equals_the_one_built_from_many(fx: Project) -> None:
    args = (None, "tree", "respondent", 0, 2, 10, False, None)
    statements = _trace(fx)
    separate = _report_doc(fx.store, *args)
    fx.store.conn.set_trace_callback(None)
    reads = _tag_reads(statements)
    assert len(reads) > len(set(reads))  # without read_once the same reads repeat
    assert build_report(fx.store) == separate


def test_read_once_answers_subsets_and_sees_writes_in_the_block(fx: Project) -> None:
    tags = fx.store.tags
    everything = sorted(tags.facts(with_text=True))
    some_code = everything[0].code_id
    with tags.read_once():
        assert sorted(tags.facts(with_text=True)) == everything
        assert sorted(tags.facts(code_ids=[some_code], with_text=True)) == [
            f for f in everything if f.code_id == some_code
        ]
        first = everything[0]
        ids = tags.find(
            transcript_id=first.transcript_id,
            code_id=first.code_id,
            start=first.start,
            end=first.end,
            coder=None,
        )
        with fx.store.write(coder="test"):
            tags.delete(ids)
        assert len(tags.facts()) < len(everything)
    assert sorted(tags.facts(with_text=True)) == sorted(
        f
        for f in everything
        if (f.transcript_id, f.start, f.end, f.code_id)
        != (first.transcript_id, first.start, first.end, first.code_id)
    )
