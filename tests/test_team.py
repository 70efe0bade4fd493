"""Team coding: coder views, merging copies, agreement from the store, settling, the final view."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qualcode.cli import app
from qualcode.errors import QualcodeError
from qualcode.project import Project

TRANSCRIPT = """Intervija T1

I: Kā jums klājas darbā?

R: Darbs ir grūts, alga maza.

I: Ko vajadzētu mainīt?

R: Vajag mācības un vairāk stundu.

I: Vēl kaut kas?

R: Nē, viss.
"""

SECOND = """Intervija T2

I: Pastāstiet par darbu.

R: Strādāju skolā ar bērniem.

I: Kas palīdz?

R: Kolēģi un vadība palīdz.
"""

CODEBOOK = """title: Team test
codes:
  - name: low-pay
  - name: training
  - name: school
"""


def _base(folder: Path) -> Project:
    """A two-transcript project with a codebook and respondent attributes (invented text)."""
    p = Project.init(folder)
    (folder / "codebook.yaml").write_text(CODEBOOK, "utf-8")
    p.load_codebook(folder / "codebook.yaml")
    src = folder / "src"
    src.mkdir()
    (src / "T1.txt").write_text(TRANSCRIPT, "utf-8")
    (src / "T2.txt").write_text(SECOND, "utf-8")
    (src / "attributes.csv").write_text(
        "respondent_id,file,town\nT1,T1.txt,Talsi\nT2,T2.txt,Cēsis\n", "utf-8"
    )
    report = p.import_paths([src], attributes=src / "attributes.csv")
    assert not report.failed
    return p


@pytest.fixture
def team(tmp_path: Path) -> tuple[Path, Path]:
    """Two copies of one project: anna tagged one way, ben another (and added a transcript)."""
    main = tmp_path / "main"
    main.mkdir()
    with _base(main) as p:
        p.export_project_db(tmp_path / "anna.db", coder="anna")
        p.export_project_db(tmp_path / "ben.db", coder="ben")
    for who in ("anna", "ben"):
        (tmp_path / who).mkdir()
        shutil.move(tmp_path / f"{who}.db", tmp_path / who / "qualcode.db")
    with Project.open(tmp_path / "anna") as a:
        # T1 respondent turns are 2, 4, 6
        a.tag("T1", ["low-pay"], turns="2", coder="anna")
        a.tag("T1", ["training"], turns="4", coder="anna")
        a.tag("T2", ["school"], turns="2", coder="anna")
    with Project.open(tmp_path / "ben") as b:
        b.tag("T1", ["low-pay"], turns="2", coder="ben")
        b.tag("T1", ["low-pay"], turns="4", coder="ben")
        b.set_attributes("T1", {"town": "Tukums"})  # conflicts with anna's Talsi
        extra = tmp_path / "extra"
        extra.mkdir()
        (extra / "T3.txt").write_text("I: Jautājums?\n\nR: Atbilde par algu.\n", "utf-8")
        b.import_paths([extra])
        b.tag("T3", ["low-pay"], turns="2", coder="ben")
    return tmp_path / "anna", tmp_path / "ben"


def _tags(p: Project) -> set[tuple[str, int | None, str, str]]:
    return {(t.transcript, t.turn_number, t.code, t.coder) for t in p.tags()}


def test_merge_adds_the_other_coders_tags_and_transcript(team: tuple[Path, Path]) -> None:
    anna, ben = team
    with Project.open(anna) as p:
        plan = p.merge(ben / "qualcode.db")
        assert plan.transcripts_added == ["T3"]
        assert plan.tags_by_coder == {"ben": 3}
        assert plan.history_added >= 1
        assert [(c.respondent, c.key, c.ours, c.theirs) for c in plan.attribute_conflicts] == [
            ("T1", "town", "Talsi", "Tukums")
        ]
        assert p.store.respondents.attributes("T1")["town"] == "Talsi"  # not overwritten
        assert _tags(p) == {
            ("T1", 2, "low-pay", "anna"),
            ("T1", 4, "training", "anna"),
            ("T2", 2, "school", "anna"),
            ("T1", 2, "low-pay", "ben"),
            ("T1", 4, "low-pay", "ben"),
            ("T3", 2, "low-pay", "ben"),
        }
        assert not p.check().problems if hasattr(p.check(), "problems") else True
        assert any("[merged from" in e.command for e in p.log(limit=None))


def test_merging_twice_changes_nothing(team: tuple[Path, Path]) -> None:
    anna, ben = team
    with Project.open(anna) as p:
        p.merge(ben / "qualcode.db")
        before = (_tags(p), len(p.log(limit=None)))
        again = p.merge(ben / "qualcode.db")
        assert again.changes == 0
        assert (_tags(p), len(p.log(limit=None))) == before


def test_merging_back_and_forth_converges(team: tuple[Path, Path]) -> None:
    anna, ben = team
    with Project.open(anna) as a:
        a.merge(ben / "qualcode.db")
    with Project.open(ben) as b:
        b.merge(anna / "qualcode.db")
        merged_b = _tags(b)
    with Project.open(anna) as a:
        assert a.merge(ben / "qualcode.db").tags_added == 0
        assert _tags(a) == merged_b


def test_dry_run_writes_nothing(team: tuple[Path, Path]) -> None:
    anna, ben = team
    db = anna / "qualcode.db"
    with Project.open(anna) as p:
        before = (_tags(p), len(p.log(limit=None)))
        plan = p.merge(ben / "qualcode.db", dry_run=True)
        assert plan.dry_run and plan.tags_added == 3 and plan.transcripts_added == ["T3"]
        assert (_tags(p), len(p.log(limit=None))) == before
    assert db.exists()


def test_merge_is_undone_as_one_command(team: tuple[Path, Path]) -> None:
    anna, ben = team
    with Project.open(anna) as p:
        before = _tags(p)
        p.merge(ben / "qualcode.db")
        p.undo(coder=p.default_coder())
        assert _tags(p) == before
        assert "T3" not in p.store.transcripts.names()


def test_merge_refuses_a_non_qualcode_file(tmp_path: Path, project: Project) -> None:
    import sqlite3

    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE x (a)")
    conn.commit()
    conn.close()
    with pytest.raises(QualcodeError, match="not a qualcode project"):
        project.merge(other)
    (tmp_path / "text.db").write_text("hello", "utf-8")
    with pytest.raises(QualcodeError, match="not a qualcode project"):
        project.merge(tmp_path / "text.db")


def test_merge_refuses_a_newer_schema(tmp_path: Path, project: Project) -> None:
    import sqlite3

    other = tmp_path / "new" / "qualcode.db"
    other.parent.mkdir()
    project.backup(other)
    conn = sqlite3.connect(other)
    conn.execute(
        "INSERT INTO _sqlite_migrations(migration_set, name, applied_at) "
        "VALUES ('qualcode', 'm999_future', '2030')"
    )
    conn.commit()
    conn.close()
    with pytest.raises(QualcodeError, match="newer qualcode"):
        project.merge(other)


def test_coder_view_counts_only_that_coder(team: tuple[Path, Path]) -> None:
    anna, ben = team
    with Project.open(anna) as p:
        p.merge(ben / "qualcode.db")
        rows = {r.code: r.passages for r in p.report(coder="anna").rows}
        assert rows == {"low-pay": 1, "training": 1, "school": 1}
        ben_rows = {r.code: r.passages for r in p.report(coder="ben").rows}
        assert ben_rows == {"low-pay": 3, "training": 0, "school": 0}
        assert p.report(coder="ben").view == "coder ben"
        everyone = {r.code: r.passages for r in p.report().rows}
        assert everyone["low-pay"] == 3  # T1/2 counted once whoever tagged it
        quotes = p.quotes(["training"], coder="ben")
        assert quotes[0].count == 0
        with pytest.raises(QualcodeError, match="no tags by coder"):
            p.report(coder="nobody")


def test_agreement_from_the_store_matches_a_hand_computation(team: tuple[Path, Path]) -> None:
    anna, ben = team
    with Project.open(anna) as p:
        p.merge(ben / "qualcode.db")
        table = p.agreement(coders=["anna", "ben"])
    # Compared: T1 only (T2 anna only, T3 ben only). Units: T1 turns 2, 4, 6.
    assert table.transcripts == ("T1",)
    rows = {r.code: r for r in table.rows}
    lp = rows["low-pay"]  # anna: {2}; ben: {2, 4} -> both 1, only_b 1, neither 1
    assert (lp.both, lp.only_a, lp.only_b, lp.neither) == (1, 0, 1, 1)
    assert lp.percent_agreement == pytest.approx(200 / 3)
    # p_o = 2/3; p_e = (1/3)(2/3) + (2/3)(1/3) = 4/9; kappa = (2/3 - 4/9) / (5/9) = 0.4
    assert lp.kappa == pytest.approx(0.4)
    tr = rows["training"]  # anna {4}; ben none -> only_a 1, neither 2; p_e = 2/3 -> kappa 0
    assert (tr.both, tr.only_a, tr.only_b, tr.neither) == (0, 1, 0, 2)
    assert tr.kappa == pytest.approx(0.0)


def test_settle_and_the_final_view(team: tuple[Path, Path]) -> None:
    anna, ben = team
    with Project.open(anna) as p:
        p.merge(ben / "qualcode.db")
        found = {(d.transcript, d.turn, d.code) for d in p.disagreements()}
        assert found == {("T1", 4, "low-pay"), ("T1", 4, "training")}
        d = next(d for d in p.disagreements() if d.code == "training")
        assert d.applied_by == ("anna",) and d.question.startswith("Ko vajadzētu")
        final = p.report(final=True)
        assert "2 unresolved" in final.view
        counts = {r.code: r.passages for r in final.rows}
        # agreed T1/2 low-pay; single-coder T2 school and T3 low-pay stand; T1/4 unresolved
        assert counts == {"low-pay": 2, "training": 0, "school": 1}
        p.settle("T1", 4, "low-pay", ["ben"])
        p.settle("T1", 4, "training", ["none"])
        final = p.report(final=True)
        assert final.view == "final coding"
        assert {r.code: r.passages for r in final.rows} == {
            "low-pay": 3,
            "training": 0,
            "school": 1,
        }
        assert {d.settled for d in p.disagreements()} == {"ben", "none"}
        p.undo(coder=p.default_coder())  # the last settle is undoable
        assert {d.settled for d in p.disagreements()} == {"ben", None}


def test_export_copy_for_a_coder_keeps_only_their_tags(team: tuple[Path, Path]) -> None:
    anna, ben = team
    with Project.open(anna) as p:
        p.merge(ben / "qualcode.db")
        copy = p.export_project_db(anna.parent / "only-ben.db", coder="ben")
        assert copy.tags == 3
        with pytest.raises(QualcodeError, match="qdpx"):
            p.export_project_db(anna.parent / "x.txt")


def test_cli_exit_codes_and_json_shapes(team: tuple[Path, Path], runner: CliRunner) -> None:
    anna, ben = team
    proj = ["--project", str(anna)]
    r = runner.invoke(app, [*proj, "merge", str(ben / "qualcode.db"), "--dry-run", "-f", "json"])
    assert r.exit_code == 0, r.output
    plan = json.loads(r.stdout)
    assert plan["dry_run"] is True and plan["tags_added"] == 3 and plan["changes"] > 0
    r = runner.invoke(app, [*proj, "merge", str(ben / "qualcode.db")])
    assert r.exit_code == 0 and "conflict: T1 town" in r.stdout
    r = runner.invoke(app, [*proj, "coders", "-f", "json"])
    assert {c["coder"]: c["tags"] for c in json.loads(r.stdout)["rows"]} == {"anna": 3, "ben": 3}
    r = runner.invoke(app, [*proj, "agreement", "-f", "json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["key"] == "agreement" and data["rows"][-1]["code"] == "(overall)"
    assert set(data["rows"][0]) >= {"code", "percent_agreement", "kappa", "alpha", "units"}
    r = runner.invoke(app, [*proj, "agreement", "-f", "csv"])
    assert r.stdout.splitlines()[0].startswith("code,units,decisions,coded,percent_agreement")
    r = runner.invoke(app, [*proj, "disagreements", "-f", "json"])
    assert len(json.loads(r.stdout)["rows"]) == 2
    r = runner.invoke(app, [*proj, "settle", "T1", "4", "low-pay", "--keep", "both"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, [*proj, "report", "--final", "-f", "json"])
    assert r.exit_code == 0 and "unresolved" in json.loads(r.stdout)["note"]
    r = runner.invoke(app, [*proj, "report", "--coder", "anna", "--final"])
    assert r.exit_code == 1 and "choose one view" in r.stderr
    r = runner.invoke(app, [*proj, "settle", "T1", "4", "low-pay", "--keep", "zed"])
    assert r.exit_code == 1 and "no tags by coder" in r.stderr
    r = runner.invoke(app, [*proj, "agreement", "--unit", "sentence"])
    assert r.exit_code == 1 and "unknown unit" in r.stderr
    r = runner.invoke(app, [*proj, "merge", str(anna / "missing.db")])
    assert r.exit_code == 1 and "does not exist" in r.stderr
    out = anna.parent / "report.xlsx"
    r = runner.invoke(app, [*proj, "export", "report", "-o", str(out), "--coder", "ben"])
    assert r.exit_code == 0, r.output
    from openpyxl import load_workbook

    assert any("agreement" in s.lower() for s in load_workbook(out).sheetnames)


def test_installed_qualcode_merge_runs(team: tuple[Path, Path]) -> None:
    anna, ben = team
    exe = Path(sys.executable).with_name("qualcode")
    if not exe.exists():
        pytest.skip("qualcode is not installed in this environment")
    done = subprocess.run(
        [str(exe), "--project", str(anna), "merge", str(ben / "qualcode.db")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "3 tags (ben 3)" in done.stdout
