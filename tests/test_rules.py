"""`qualcode rules`: each keyword's suggestions and accepted share; --prune keeps comments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import project_from
from typer.testing import CliRunner

from qualcode.cli import app
from qualcode.project import Project

CODEBOOK = """\
# Invented test codebook: this comment must survive a prune.
language: lv
codes:
  - name: pay
    description: Talks about pay  # and this one
    keywords:
      - alga  # the good keyword
      - maksāt  # the noisy one
"""


@pytest.fixture
def paid(tmp_path: Path) -> Project:
    answers = [
        ("I", "Kā jums iet?"),
        ("R", "Alga ir maza."),
        ("I", "Un vēl?"),
        ("R", "Par pusdienām jāmaksā pašiem."),
    ]
    p = project_from(tmp_path, {f"T{i + 1}.txt": answers for i in range(6)}, CODEBOOK)
    p.suggest(learn=False)
    for s in p.suggestions():
        p.decide(s.id, "accept" if s.turn == 2 else "reject")
    yield p
    p.close()


def test_rules_counts_suggestions_and_the_share_accepted(paid: Project) -> None:
    stats = {s.term: s for s in paid.rule_stats()}
    assert (stats["alga"].suggestions, stats["alga"].accepted, stats["alga"].rejected) == (6, 6, 0)
    assert stats["alga"].accepted_share == 1.0 and not stats["alga"].remove
    assert (stats["maksāt"].accepted, stats["maksāt"].rejected) == (0, 6)
    assert stats["maksāt"].remove


def test_few_decisions_propose_nothing(paid: Project) -> None:
    assert not any(s.remove for s in paid.rule_stats(min_decided=7))


def test_prune_removes_the_keyword_keeps_comments_and_reloads(
    paid: Project, runner: CliRunner
) -> None:
    where = ["--project", str(paid.store.path)]
    result = runner.invoke(app, [*where, "rules"])
    assert result.exit_code == 0 and "rules --prune" in result.output
    result = runner.invoke(app, [*where, "rules", "--prune"])
    assert result.exit_code == 0, result.output
    assert "removed from" in result.output and "maksāt" in result.output
    path = Path(paid.store.codes.latest_version()["source"])
    text = path.read_text(encoding="utf-8")
    assert "maksāt" not in text and "alga  # the good keyword" in text
    assert "# Invented test codebook: this comment must survive a prune." in text
    assert "# and this one" in text
    assert paid.code("pay").keywords == ("alga",)


def test_rules_json_has_one_row_per_term(paid: Project, runner: CliRunner) -> None:
    result = runner.invoke(app, ["--project", str(paid.store.path), "rules", "--format", "json"])
    rows = json.loads(result.stdout)
    assert {r["term"] for r in rows} == {"alga", "maksāt"}
    assert set(rows[0]) >= {"code", "term", "suggestions", "accepted", "share", "remove"}
