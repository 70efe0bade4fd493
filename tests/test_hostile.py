"""Hostile and broken input: control characters, markup, huge fields, killed exports."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qualcode.errors import QualcodeError
from qualcode.project import Project
from qualcode.textsafe import REPLACEMENT, map_strings, terminal_safe, xml_safe

HOSTILE_CODEBOOK = """\
title: "Hostile \\e[31m codebook"
codes:
  - name: "esc\\e[2Jcode"
    label: "vt\\vlabel"
  - name: plain
"""
HOSTILE_TURN = (
    "Es teicu \x1b[31msarkans\x1b[0m un\x0bvert \x07 <script>alert(1)</script> [bold]b[/bold]"
)


@pytest.fixture
def hostile(tmp_path: Path) -> Project:
    """A project whose transcript and code names carry control characters and markup."""
    (tmp_path / "cb.yaml").write_text(HOSTILE_CODEBOOK, encoding="utf-8")
    src = tmp_path / "src"
    src.mkdir()
    body = (
        "Intervija\n\nJ: Kā jums iet? <img src=x onerror=alert(1)>\n"
        f"R: {HOSTILE_TURN}\nJ: Paldies.\nR: Lūdzu \x01 soh \x9b c1.\n"
    )
    (src / "r1.txt").write_text(body, encoding="utf-8")
    p = Project.init(tmp_path / "proj")
    p.load_codebook(tmp_path / "cb.yaml")
    report = p.import_paths([src / "r1.txt"])
    assert not report.failed, report.failed
    for u in p.show("r1").turns:
        if u.role == "respondent":
            p.tag("r1", ["esc\x1b[2Jcode", "plain"], turns=str(u.number))
    yield p
    p.close()


# -- textsafe --------------------------------------------------------------------------


@given(st.text())
def test_xml_safe_keeps_length_and_leaves_only_xml_characters(text: str) -> None:
    out = xml_safe(text)
    assert len(out) == len(text)
    for ch in out:
        c = ord(ch)
        assert c in (9, 10, 13) or 0x20 <= c <= 0xD7FF or 0xE000 <= c <= 0xFFFD or c >= 0x10000


@given(st.text())
def test_terminal_safe_keeps_length_and_leaves_no_controls(text: str) -> None:
    out = terminal_safe(text)
    assert len(out) == len(text)
    assert all(ch in "\n\t" or not (ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F) for ch in out)


def test_terminal_safe_shows_escape_as_a_visible_symbol() -> None:
    assert terminal_safe("a\x1b[31mb\x00\r\x9b") == "a\u241b[31mb\u2400\u240d" + REPLACEMENT
    assert terminal_safe("Rīga\n\tok") == "Rīga\n\tok"


def test_map_strings_reaches_nested_dataclasses_and_keys() -> None:
    from qualcode.exports.document import ReportDoc, Section

    doc = ReportDoc("t\x00", [("k\x0b", "v")], [Section("s", "x\x1b")])
    clean = map_strings(doc, xml_safe)
    assert clean.title == "t" + REPLACEMENT and clean.meta == [("k" + REPLACEMENT, "v")]
    assert clean.sections[0].title == "x" + REPLACEMENT
    assert doc.title == "t\x00"  # the original is untouched


# -- exports ---------------------------------------------------------------------------


@pytest.mark.parametrize("ext", [".xlsx", ".docx", ".html", ".md"])
def test_control_characters_do_not_break_document_exports(
    hostile: Project, tmp_path: Path, ext: str
) -> None:
    out = tmp_path / f"report{ext}"
    hostile.export_report(out)
    assert out.stat().st_size > 0
    if ext in (".xlsx", ".docx"):
        with zipfile.ZipFile(out) as z:
            xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
    else:
        xml = out.read_text("utf-8")
    assert not any(c in xml for c in "\x1b\x0b\x01\x07")
    assert "sarkans" in xml
    # the project itself keeps the text as imported
    assert "\x1b[31msarkans" in hostile.transcript_text(hostile.transcript("r1"))


def test_quotes_export_with_control_characters_in_codes(hostile: Project, tmp_path: Path) -> None:
    for ext in (".xlsx", ".docx"):
        hostile.export_quotes(tmp_path / f"q{ext}", [])
        assert (tmp_path / f"q{ext}").stat().st_size > 0


def test_markdown_export_escapes_transcript_html(hostile: Project, tmp_path: Path) -> None:
    out = tmp_path / "r.md"
    hostile.export_report(out)
    md = out.read_text("utf-8")
    assert not re.search(r"(?<!\\)<(script|img)", md)
    assert "\\<script\\>alert(1)\\</script\\>" in md
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark").render(md)
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_html_export_escapes_transcript_html(hostile: Project, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    hostile.export_report(out)
    html = out.read_text("utf-8")
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_markdown_table_escapes_markup_in_cells() -> None:
    from qualcode.exports.tabular import markdown_table

    md = markdown_table(["a|b"], [["<b>x</b> [l](javascript:1)\nnext"]])
    assert "a\\|b" in md
    assert "\\<b\\>x\\</b\\> \\[l\\](javascript:1)<br>next" in md


# -- killed exports --------------------------------------------------------------------


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_temporary_file_of_a_killed_export_is_removed_next_time(
    hostile: Project, tmp_path: Path
) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    stale = out_dir / f".report.xlsx.qc-{_dead_pid()}-abc123.tmp"
    stale.write_bytes(b"partial")
    old = time.time() - 60
    os.utime(stale, (old, old))
    live = out_dir / f".report.xlsx.qc-{os.getpid()}-live01.tmp"  # an export running now
    live.write_bytes(b"partial")
    os.utime(live, (old, old))
    fresh = out_dir / f".other.md.qc-{_dead_pid()}-new001.tmp"  # too new to judge
    fresh.write_bytes(b"partial")
    hostile.export_report(out_dir / "report.md")
    assert not stale.exists()
    assert live.exists() and fresh.exists()
    assert sorted(p.name for p in out_dir.iterdir() if not p.name.startswith(".")) == ["report.md"]


def test_killed_export_process_leaves_a_temporary_that_the_next_export_removes(
    hostile: Project, tmp_path: Path
) -> None:
    from qualcode.exports import writer

    out_dir = tmp_path / "out"
    out_dir.mkdir()
    script = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from qualcode.exports.writer import atomic_write\n"
        "def w(tmp):\n"
        "    tmp.write_bytes(b'half')\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "atomic_write(Path(sys.argv[1]), w)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script, str(out_dir / "r.md")], check=False)
    assert proc.returncode == -9
    left = list(out_dir.iterdir())
    assert len(left) == 1 and left[0].name.startswith(".r.md.qc-")
    removed = writer.remove_stale_temporaries(out_dir, now=time.time() + 60)
    assert removed == left and not any(out_dir.iterdir())


# -- codebooks -------------------------------------------------------------------------


def _nested_codebook(depth: int) -> str:
    lines, indent = ["codes:"], ""
    for i in range(depth):
        lines.append(f"{indent}  - name: level-{i}")
        if i < depth - 1:
            lines.append(f"{indent}    children:")
        indent += "    "
    return "\n".join(lines) + "\n"


def test_codebook_nested_to_the_documented_depth_loads(tmp_path: Path) -> None:
    from qualcode.codebook import MAX_CODE_DEPTH, parse_codebook

    book = parse_codebook(_nested_codebook(MAX_CODE_DEPTH), "deep.yaml")
    walked = list(book.walk())
    assert len(walked) == MAX_CODE_DEPTH
    assert walked[-1][1] == f"level-{MAX_CODE_DEPTH - 2}"
    with Project.init(tmp_path / "p") as p:
        (tmp_path / "deep.yaml").write_text(_nested_codebook(MAX_CODE_DEPTH), encoding="utf-8")
        assert len(p.load_codebook(tmp_path / "deep.yaml").added) == MAX_CODE_DEPTH


@pytest.mark.parametrize("flow", [False, True])
def test_codebook_nested_past_the_limit_is_a_clean_error(flow: bool) -> None:
    from qualcode.codebook import MAX_CODE_DEPTH, parse_codebook
    from qualcode.errors import CodebookError

    if flow:
        text = "codes: " + "[" * 5000 + "]" * 5000 + "\n"
    else:
        text = _nested_codebook(MAX_CODE_DEPTH + 30)
    with pytest.raises(CodebookError, match=r"deep\.yaml:\d+: nested too deeply; .* 100 levels"):
        parse_codebook(text, "deep.yaml")


def test_deep_json_codebook_is_a_clean_error() -> None:
    from qualcode.codebook import parse_codebook
    from qualcode.errors import CodebookError

    with pytest.raises(CodebookError, match=r"c\.json:1: nested too deeply"):
        parse_codebook('{"codes": ' + "[" * 100_000 + "]" * 100_000 + "}", "c.json")


ALIAS_BOMB = (
    "".join(
        f"{a}: &{a} [{', '.join([f'*{p}'] * 9 if p else ['lol'] * 9)}]\n"
        for p, a in zip(["", *"abcdefgh"], "abcdefghi", strict=True)
    )
    + "codes:\n  - name: x\n    keywords: *i\n"
)


def test_alias_bomb_is_refused_quickly() -> None:
    from qualcode.codebook import parse_codebook
    from qualcode.errors import CodebookError

    started = time.perf_counter()
    with pytest.raises(CodebookError, match=r"bomb\.yaml:\d+: aliases \(\*\w\) expand to over"):
        parse_codebook(ALIAS_BOMB, "bomb.yaml")
    assert time.perf_counter() - started < 2


def test_a_shared_keyword_list_through_an_alias_still_works() -> None:
    from qualcode.codebook import parse_codebook

    text = "codes:\n  - name: a\n    keywords: &kw [x, y]\n  - name: b\n    keywords: *kw\n"
    book = parse_codebook(text, "c.yaml")
    assert [c.keywords for c, _, _ in book.walk()] == [("x", "y"), ("x", "y")]


@pytest.mark.parametrize(
    "text, line",
    [
        ("codes:\n  - name: a\n    label: !!python/object:os.system x\n", 3),
        ("!!python/object/apply:os.system ['echo hi']\n", 1),
        ("codes:\n  - !mine {name: a}\n", 2),
    ],
)
def test_python_and_custom_tags_are_refused_with_their_line(text: str, line: int) -> None:
    from qualcode.codebook import parse_codebook
    from qualcode.errors import CodebookError

    with pytest.raises(CodebookError, match=rf"^c\.yaml:{line}: unsupported YAML tag"):
        parse_codebook(text, "c.yaml")


def test_lone_surrogate_is_refused_by_check_with_its_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from qualcode.cli import app

    path = tmp_path / "s.yaml"
    path.write_text('codes:\n  - name: a\n    label: "bad \\ud800 text"\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["codebook", "check", str(path)])
    assert result.exit_code == 1
    assert f"{path}:3: text with a lone surrogate" in result.stderr


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_a_number_of_5000_digits_is_a_clean_error(suffix: str) -> None:
    from qualcode.codebook import parse_codebook
    from qualcode.errors import CodebookError

    text = (
        "codes:\n  - name: " + "7" * 5000 + "\n"
        if suffix == ".yaml"
        else '{"codes": [{"name": ' + "7" * 5000 + "}]}"
    )
    with pytest.raises(CodebookError, match=r"c\.\w+:\d: a number of 5,000 digits; quote it"):
        parse_codebook(text, f"c{suffix}")


# -- attributes CSV --------------------------------------------------------------------


def test_attributes_csv_with_a_stray_carriage_return_is_read(tmp_path: Path) -> None:
    from qualcode.importing import read_attributes_csv

    path = tmp_path / "attributes.csv"
    path.write_bytes(b"respondent_id,town\r\nR-01,Rezekne\rx\r\nR-02,Daugavpils\r\n")
    rows = read_attributes_csv(path)
    assert [(r.respondent, r.attributes) for r in rows][::2] == [
        ("R-01", {"town": "Rezekne"}),
        ("R-02", {"town": "Daugavpils"}),
    ]


def test_attributes_csv_with_a_200k_character_cell_is_accepted(tmp_path: Path) -> None:
    from qualcode.importing import read_attributes_csv

    path = tmp_path / "attributes.csv"
    path.write_text("respondent_id,note\nR-01," + "x" * 200_000 + "\n", encoding="utf-8")
    assert len(read_attributes_csv(path)[0].attributes["note"]) == 200_000


def test_attributes_csv_with_a_giant_cell_is_refused_with_its_line(tmp_path: Path) -> None:
    import csv

    from qualcode.importing import MAX_ATTRIBUTE_FIELD, read_attributes_csv

    limit = csv.field_size_limit()
    path = tmp_path / "attributes.csv"
    path.write_text(
        "respondent_id,note\nR-00,ok\nR-01," + "x" * (MAX_ATTRIBUTE_FIELD + 1) + "\n",
        encoding="utf-8",
    )
    with pytest.raises(QualcodeError, match=r"attributes\.csv:3: cannot read the CSV \(a cell"):
        read_attributes_csv(path)
    assert csv.field_size_limit() == limit  # the process-wide setting is restored


def test_attributes_csv_over_the_size_cap_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qualcode import importing

    monkeypatch.setattr(importing, "MAX_ATTRIBUTES_BYTES", 100)
    path = tmp_path / "attributes.csv"
    path.write_text("respondent_id,note\n" + "R-01,x\n" * 50, encoding="utf-8")
    with pytest.raises(QualcodeError, match="too large for an attributes table"):
        importing.read_attributes_csv(path)


# -- terminal output -------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["show", "r1"],
        ["report"],
        ["report", "--by", "town"],
        ["quotes"],
        ["transcripts"],
        ["codebook", "show"],
        ["matrix", "--by", "town"],
        ["cooccur"],
        ["tags"],
    ],
)
def test_terminal_output_shows_control_characters_and_markup_as_text(
    hostile: Project, args: list[str]
) -> None:
    from typer.testing import CliRunner

    from qualcode.cli import app

    hostile.store.respondents.upsert("r1", {"town": "R\x1b]0;owned\x07iga [red]x[/red]"})
    result = CliRunner().invoke(app, ["--project", str(hostile.root), *args])
    assert result.exit_code == 0, result.output
    out = result.stdout
    controls = [c for c in out if c not in "\n\t" and (ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F)]
    assert controls == []
    assert "\u241b" in out  # ESC shown as ␛
    if args[0] in ("show", "quotes"):
        assert "[bold]b[/bold]" in out  # rich markup in a transcript is shown, not applied
    if args[:2] == ["report", "--by"] or args[0] == "matrix":
        assert "[red]x[/red]" in out


def test_control_character_in_a_codebook_is_one_line_with_its_line() -> None:
    from qualcode.codebook import parse_codebook
    from qualcode.errors import CodebookError

    with pytest.raises(CodebookError) as err:
        parse_codebook("title: t\ncodes:\n  - name: a\x1bb\n", "c.yaml")
    assert str(err.value) == "c.yaml:3: character U+001B is not allowed in YAML; remove it"


def test_a_runaway_codebook_file_is_refused_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    from qualcode import codebook
    from qualcode.errors import CodebookError

    monkeypatch.setattr(codebook, "MAX_CODEBOOK_CHARS", 1000)
    with pytest.raises(CodebookError, match="too large for a codebook"):
        codebook.parse_codebook("codes:\n" + "  - c\n" * 1000, "c.yaml")
