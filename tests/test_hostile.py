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
