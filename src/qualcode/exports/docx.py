"""DOCX export with python-docx: headings, tables, charts and quotes as block quotes."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from .document import Progress, ReportDoc
from .tabular import Table, group_label

TABLE_STYLE = "Table Grid"


def _table(document: Any, table: Table, style: Any) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    headers, rows = table.display()
    kinds = [c.kind for c in table.columns if c.doc]
    # All rows at once: python-docx builds the grid in one go, add_row() per row is slow.
    t = document.add_table(rows=len(rows) + 1, cols=len(headers))
    t.style = style
    for cell, h in zip(t.rows[0].cells, headers, strict=True):
        cell.paragraphs[0].add_run(h).bold = True
    for row_obj, row in zip(t.rows[1:], rows, strict=True):
        for cell, value, kind in zip(row_obj.cells, row, kinds, strict=True):
            paragraph = cell.paragraphs[0]
            paragraph.add_run(value)
            if kind != "text":
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if table.note:
        p = document.add_paragraph()
        p.add_run(table.note).italic = True


def _quote_style(document: Any) -> Any:
    # The style object, not its name: python-docx looks a name up anew on every paragraph.
    names = {s.name for s in document.styles}
    return document.styles["Quote"] if "Quote" in names else None


def write(doc: ReportDoc, path: Path, progress: Progress | None, suffix: str = ".docx") -> None:
    """Write the document: a heading per section, its chart, tables and quotes."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Inches, Pt

    from .charts import render_chart

    document = Document()
    table_style = document.styles[TABLE_STYLE]
    table_style.font.size = Pt(8)  # small type: wide tables fit the page
    document.add_heading(doc.title, 0)
    document.add_paragraph("; ".join(f"{k}: {v}" for k, v in doc.meta))
    quote_style = _quote_style(document)
    for done, section in enumerate(doc.sections):
        if progress:
            progress(done, doc.steps, section.title)
        document.add_heading(section.title, 1)
        if section.intro:
            document.add_paragraph(section.intro)
        if section.chart is not None and section.chart.labels:
            png = render_chart(section.chart, "png", dpi=110)
            document.add_picture(io.BytesIO(png), width=Inches(6))
        for table in section.tables:
            if len(section.tables) > 1:
                document.add_heading(table.title, 2)
            _table(document, table, table_style)
        q = section.quotes
        if q is not None:
            for group in q.groups:
                if not group.quotes:
                    continue
                if q.by:
                    document.add_heading(
                        f"{group_label(group.key)} ({len(group.quotes)} of {group.total})", 2
                    )
                for quote in group.quotes:
                    p = document.add_paragraph(quote.text, style=quote_style)
                    if quote_style is None:  # indented italic when the template has no Quote
                        p.paragraph_format.left_indent = Inches(0.5)
                        for run in p.runs:
                            run.italic = True
                    attrs = ", ".join(f"{k}={v}" for k, v in quote.attributes.items())
                    src = document.add_paragraph()
                    src.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                    run = src.add_run(f"— {quote.source}" + (f" ({attrs})" if attrs else ""))
                    run.font.size = Pt(8)
    document.save(str(path))
    if progress:
        progress(doc.steps, doc.steps, "saved")
