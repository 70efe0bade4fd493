"""Markdown export: headings, tables and quotes as block quotes (charts: see HTML or DOCX)."""

from __future__ import annotations

from pathlib import Path

from .document import Progress, ReportDoc
from .tabular import group_label, markdown_table, md_escape


def render(doc: ReportDoc) -> str:
    """The whole document as Markdown text."""
    esc = md_escape
    out = [f"# {esc(doc.title)}", "", " · ".join(f"{esc(k)}: {esc(v)}" for k, v in doc.meta), ""]
    for section in doc.sections:
        out += [f"## {esc(section.title)}", ""]
        if section.intro:
            out += [esc(section.intro), ""]
        for table in section.tables:
            headers, rows = table.display()
            if len(section.tables) > 1:
                out += [f"### {esc(table.title)}", ""]
            out.append(markdown_table(headers, rows))
            if table.note:
                out += [f"*{esc(table.note)}*", ""]
        q = section.quotes
        if q is not None:
            for group in q.groups:
                if not group.quotes:
                    continue
                if q.by:
                    out += [
                        f"### {esc(group_label(group.key))} ({len(group.quotes)} of {group.total})",
                        "",
                    ]
                for quote in group.quotes:
                    attrs = esc(", ".join(f"{k}={v}" for k, v in quote.attributes.items()))
                    text = "\n".join(
                        f"> {esc(line)}" if line else ">" for line in quote.text.splitlines()
                    )
                    out += [
                        text,
                        ">",
                        f"> — {esc(quote.source)}" + (f" ({attrs})" if attrs else ""),
                        "",
                    ]
    return "\n".join(out).rstrip() + "\n"


def write(doc: ReportDoc, path: Path, progress: Progress | None, suffix: str = ".md") -> None:
    """Write the document as a Markdown file."""
    if progress:
        progress(0, 1, "markdown")
    Path(path).write_text(render(doc), encoding="utf-8")
    if progress:
        progress(1, 1, "saved")
