"""Exports re-read by their consumers: openpyxl, python-docx, a browser; safe writes."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from report_fixture import cli, fixture_db, open_copy
from typer.testing import CliRunner

from qualcode.errors import QualcodeError
from qualcode.exports import markdown
from qualcode.exports.tabular import safe_cell
from qualcode.project import Project

REPO = Path(__file__).resolve().parents[1]
GOLD = REPO / "transcripts" / "coding.csv"  # the demo's hand coding


@pytest.fixture
def fx(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Iterator[Project]:
    """A private copy of the hand-computed fixture project."""
    yield from open_copy(fixture_db(tmp_path_factory), tmp_path)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The fixture project's full report in every format (written once)."""
    folder = tmp_path_factory.mktemp("exports")
    project = next(open_copy(fixture_db(tmp_path_factory), folder))
    try:
        return {r.path.suffix: r.path for r in project.export_all(folder / "out")}
    finally:
        project.close()


def test_xlsx_sheets_typed_cells_frozen_header_no_formulas(exported: dict[str, Path]) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(exported[".xlsx"])
    assert wb.sheetnames[:6] == [
        "frequencies", "by town", "by role", "matrix", "co-occurrence turn",
        "co-occurrence respondent",
    ]  # fmt: skip
    assert {"ratings", "ratings by town", "q improve", "q low-pay", "about"} <= set(wb.sheetnames)
    ws = wb["frequencies"]
    assert ws.freeze_panes in ("A2", "B2") and ws["A1"].font.bold
    header = [c.value for c in ws[1]]
    improve = dict(zip(header, [c.value for c in ws[2]], strict=True))
    assert improve["code"] == "improve" and improve["respondents"] == 3
    assert improve["respondents_total"] == 4 and improve["respondents_share"] == 0.75
    assert ws.cell(2, header.index("respondents_share") + 1).number_format == "0.0%"
    assert ws.column_dimensions["A"].width >= len("emotional-control")
    ratings = wb["ratings"]
    mean = [c.value for c in ratings[1]].index("mean") + 1
    assert ratings.cell(2, mean).value == 7.5 and ratings.cell(2, mean).data_type == "n"
    quotes = wb["q low-pay"]
    texts = [row[-1] for row in quotes.iter_rows(min_row=2, values_only=True)]
    assert "'=SUM(A1) alga ir zema." in texts  # neutralised, stays text
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            assert all(c.data_type != "f" for c in row), sheet.title


def test_numbers_agree_across_terminal_json_csv_xlsx(
    fx: Project, runner: CliRunner, exported: dict[str, Path]
) -> None:
    from openpyxl import load_workbook

    terminal = cli(runner, fx, "report").stdout
    term = {
        m[0]: (int(m[1]), int(m[2]), int(m[3]))
        for m in re.findall(r"│ +([\w-]+) +│ +(\d+)/(\d+) \(\d+%\) │ [█ ]*│ +(\d+) │", terminal)
    }
    as_json = {
        r["code"]: (r["respondents"], r["respondents_total"], r["passages"])
        for r in json.loads(cli(runner, fx, "report", "--format", "json").stdout)["rows"]
    }
    as_csv = {
        r["code"]: (int(r["respondents"]), int(r["respondents_total"]), int(r["passages"]))
        for r in csv.DictReader(io.StringIO(cli(runner, fx, "report", "-f", "csv").stdout))
    }
    with open(exported[".csv"], encoding="utf-8-sig") as fh:
        exported_csv = {
            r["code"]: (int(r["respondents"]), int(r["respondents_total"]), int(r["passages"]))
            for r in csv.DictReader(fh)
        }
    ws = load_workbook(exported[".xlsx"])["frequencies"]
    header = [c.value for c in ws[1]]
    xlsx = {}
    for row in ws.iter_rows(min_row=2, values_only=True):
        r = dict(zip(header, row, strict=True))
        xlsx[r["code"]] = (r["respondents"], r["respondents_total"], r["passages"])
    doc = json.loads(exported[".json"].read_text("utf-8"))
    first = doc["sections"][0]["tables"][0]["rows"]
    as_doc = {r["code"]: (r["respondents"], r["respondents_total"], r["passages"]) for r in first}
    expected = {
        "improve": (3, 4, 4),
        "needs-training": (2, 4, 3),
        "more-hours": (1, 4, 1),
        "low-pay": (2, 4, 2),
        "emotional-control": (0, 4, 0),
    }
    for name, got in [
        ("terminal", term),
        ("json", as_json),
        ("csv", as_csv),
        ("exported csv", exported_csv),
        ("xlsx", xlsx),
        ("json export", as_doc),
    ]:
        assert got == expected, name


def test_docx_has_headings_tables_and_block_quotes(exported: dict[str, Path]) -> None:
    import docx

    d = docx.Document(str(exported[".docx"]))
    headings = [p.text for p in d.paragraphs if p.style.name.startswith("Heading")]
    assert {
        "Theme frequencies",
        "Themes by town",
        "Framework matrix",
        "Ratings",
        "Quotes: needs-training",
    } <= set(headings)
    assert d.tables[0].rows[0].cells[2].text == "respondents"
    assert d.tables[0].rows[1].cells[2].text == "3/4 (75%)"
    quotes = [p.text for p in d.paragraphs if p.style.name == "Quote"]
    assert "Vajag mācības un lielāku algu." in quotes
    assert len(d.inline_shapes) >= 2  # charts


def test_html_is_self_contained_with_tables_and_charts(exported: dict[str, Path]) -> None:
    html = exported[".html"].read_text("utf-8")
    # 8 report tables + inter-coder agreement (the fixture has two coders)
    assert html.count("<table") == 9 and "<svg" in html and "<blockquote>" in html
    assert "<caption>Inter-coder agreement</caption>" in html
    assert "<caption>Theme frequencies</caption>" in html and "3/4 (75%)" in html
    assert "Profesionāla un efektīva sadarbība" in html
    assert not re.search(r"""(src|href)=["']https?:""", html) and "<script" not in html
    assert "=SUM(A1) alga ir zema." in html  # HTML shows the text as it is


def _chromium() -> str | None:
    for name in ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.mark.skipif(
    _chromium() is None,
    reason="Chromium is not installed on this machine "
    "(looked for /usr/bin/chromium, chromium, chromium-browser, google-chrome)",
)
def test_html_renders_in_headless_chromium(exported: dict[str, Path], tmp_path: Path) -> None:
    browser = _chromium()
    assert browser is not None
    result = subprocess.run(
        [
            browser,
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--dump-dom",
            f"--user-data-dir={tmp_path / 'profile'}",
            exported[".html"].as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "<table" in result.stdout and "3/4 (75%)" in result.stdout


def test_markdown_json_and_csv(exported: dict[str, Path]) -> None:
    md = exported[".md"].read_text("utf-8")
    assert md.startswith("# Theme report") and "| improve |  | 3/4 (75%) | 4 |" in md
    assert "> Vajag mācības un lielāku algu." in md and "> — A, turn 2" in md
    data = json.loads(exported[".json"].read_text("utf-8"))
    keys = [s["key"] for s in data["sections"]]
    assert keys[:5] == ["frequencies", "by town", "by role", "matrix", "co-occurrence"]
    raw = exported[".csv"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfcode,label,parent,depth,respondents,")


def test_quotes_export_anonymised_leaves_the_transcript(fx: Project, tmp_path: Path) -> None:
    import docx

    fx.add_pseudonym("Jānis", "R-07")
    out = tmp_path / "quotes.docx"
    result = fx.export_quotes(out, ["needs-training"], by=["town"], anonymize=True)
    assert result.path == out and result.size == out.stat().st_size
    text = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    assert "Kursi būtu labi, R-07 teica tā pat." in text and "Jānis" not in text
    assert "Talsi (2 of 2)" in text
    assert "Jānis" in fx.show("A").turns[3].text
    csv_out = tmp_path / "quotes.csv"
    fx.export_quotes(csv_out, ["low-pay"])
    rows = list(csv.reader(io.StringIO(csv_out.read_text("utf-8-sig"))))
    assert rows[0][-1] == "quote" and rows[2][-1] == "'=SUM(A1) alga ir zema."


def test_existing_path_refused_unless_forced(fx: Project, tmp_path: Path) -> None:
    out = tmp_path / "report.xlsx"
    out.write_bytes(b"keep me")
    with pytest.raises(QualcodeError, match="exists already; pass --force"):
        fx.export_report(out)
    assert out.read_bytes() == b"keep me"
    fx.export_report(out, force=True)
    assert out.read_bytes()[:2] == b"PK"
    with pytest.raises(QualcodeError, match="cannot export to .pdf"):
        fx.export_report(tmp_path / "report.pdf")


def test_unwritable_folder_leaves_nothing(fx: Project, tmp_path: Path) -> None:
    if os.geteuid() == 0:  # root writes anywhere; /proc refuses new files even to root
        target = Path("/proc/qualcode-report.md")
    else:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        target = locked / "report.md"
    with pytest.raises(QualcodeError, match="cannot write"):
        fx.export_report(target)
    assert not target.exists()
    with pytest.raises(QualcodeError, match="does not exist; create it first"):
        fx.export_report(tmp_path / "missing" / "report.md")


def test_failure_while_writing_leaves_no_partial_file(
    fx: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def half_then_disk_full(doc: object, path: Path, progress: object, suffix: str) -> None:
        Path(path).write_text("# half a report", encoding="utf-8")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(markdown, "write", half_then_disk_full)
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(QualcodeError, match="No space left on device"):
        fx.export_report(folder / "report.md")
    assert list(folder.iterdir()) == []


def test_progress_is_reported(fx: Project, tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    fx.export_report(tmp_path / "r.xlsx", progress=lambda d, t, _: seen.append((d, t)))
    assert seen[0][0] == 0 and seen[-1][0] == seen[-1][1] and len(seen) > 5


def test_safe_cell() -> None:
    assert [safe_cell(v) for v in ("=1+1", "+3", "-x", "@SUM", "ok", 5, "\tx")] == [
        "'=1+1",
        "'+3",
        "'-x",
        "'@SUM",
        "ok",
        5,
        "'\tx",
    ]


def test_chart_png_and_svg(fx: Project, tmp_path: Path, runner: CliRunner) -> None:
    png = fx.chart(tmp_path / "c.png", codes=["needs-training"], by=["town"])
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    result = cli(runner, fx, "chart", "-o", str(tmp_path / "c.svg"))
    assert result.exit_code == 0
    svg = (tmp_path / "c.svg").read_text("utf-8")
    assert "<svg" in svg and "emotional-control" in svg
    again = cli(runner, fx, "chart", "-o", str(tmp_path / "c.svg"))
    assert again.exit_code == 1 and "exists already" in again.stderr
    assert cli(runner, fx, "chart", "-o", str(tmp_path / "c.gif")).exit_code == 1


def test_cli_export_errors_and_success(fx: Project, runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "r.md"
    ok = cli(runner, fx, "export", "report", "-o", str(out), "--by", "town,role")
    assert ok.exit_code == 0 and f"Wrote {out}" in ok.stdout
    assert "## Themes by town / role" in out.read_text("utf-8")
    again = cli(runner, fx, "export", "report", "-o", str(out))
    assert again.exit_code == 1 and "exists already; pass --force" in again.stderr
    bad_by = cli(runner, fx, "export", "report", "-o", str(tmp_path / "x.md"), "--by", "city")
    assert bad_by.exit_code == 1 and "known attributes" in bad_by.stderr
    assert not (tmp_path / "x.md").exists()
    q = cli(runner, fx, "export", "quotes", "--code", "low-pay", "-o", str(tmp_path / "q.html"))
    assert q.exit_code == 0 and "=SUM(A1)" in (tmp_path / "q.html").read_text("utf-8")
    empty = cli(runner, fx, "export", "quotes", "-o", str(tmp_path / "a.docx"), "--anonymize")
    assert empty.exit_code == 1 and "pseudonym table is empty" in empty.stderr


def test_demo_project_exports_every_format(demo_project: Project, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from qualcode.tagging import import_tags_csv

    if GOLD.is_file():
        import_tags_csv(demo_project.store, GOLD, coder="gold")
    results = demo_project.export_all(tmp_path / "demo")
    assert sorted(r.path.suffix for r in results) == sorted(
        [".xlsx", ".docx", ".html", ".md", ".csv", ".json"]
    )
    assert all(r.size > 0 for r in results)
    wb = load_workbook(tmp_path / "demo" / "report.xlsx")
    assert {"frequencies", "by town", "by role", "ratings"} <= set(wb.sheetnames)


def test_report_json_has_one_shape_in_the_terminal_and_the_export(
    fx: Project, runner: CliRunner, exported: dict[str, Path]
) -> None:
    terminal = json.loads(cli(runner, fx, "report", "--format", "json").stdout)
    export = json.loads(exported[".json"].read_text("utf-8"))
    (table,) = next(s for s in export["sections"] if s["key"] == "frequencies")["tables"]
    assert terminal["columns"] == table["columns"]
    assert terminal["rows"] == table["rows"]


def test_tags_json_and_csv_use_the_same_field_names(fx: Project, runner: CliRunner) -> None:
    as_json = json.loads(cli(runner, fx, "tags", "--format", "json").stdout)
    as_csv = list(csv.DictReader(io.StringIO(cli(runner, fx, "tags", "--format", "csv").stdout)))
    assert as_json and list(as_json[0]) == list(as_csv[0])
    assert "turn" in as_json[0] and "turn_number" not in as_json[0]
