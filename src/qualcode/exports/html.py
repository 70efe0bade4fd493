"""HTML export: one self-contained file (inline CSS, charts as inline SVG, no network)."""

from __future__ import annotations

import re
from html import escape
from pathlib import Path

from .document import Progress, ReportDoc, Section
from .tabular import Table, group_label

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;
max-width:72rem;padding:0 1rem;color:#222;line-height:1.45}
h1{font-size:1.7rem}h2{margin-top:2.2rem;border-bottom:1px solid #ccd;padding-bottom:.2rem}
table{border-collapse:collapse;margin:.6rem 0 .3rem;font-size:.86rem}
th,td{border:1px solid #ccd;padding:.25rem .5rem;vertical-align:top}
th{background:#eef2f7;text-align:left}td.n{text-align:right;white-space:nowrap}
td.t{white-space:pre-line}.note{color:#555;font-size:.82rem;font-style:italic}
.wrap{overflow-x:auto}.meta{color:#555}nav ul{columns:2}
blockquote{margin:.8rem 0 .2rem 1.5rem;padding-left:.8rem;border-left:3px solid #9ab;
font-style:italic}cite{display:block;margin-left:2.3rem;font-size:.8rem;color:#555}
.chart svg{max-width:100%;height:auto}.swatch{display:inline-block;width:.7rem;height:.7rem;
margin-right:.3rem;border-radius:2px}
"""
_XML_HEAD = re.compile(r"^.*?(?=<svg)", re.S)


def anchor(key: str) -> str:
    """An id for a section or table."""
    return re.sub(r"[^\w-]+", "-", key, flags=re.UNICODE).strip("-").lower() or "s"


def table_html(table: Table) -> str:
    """A <table> with a caption; numbers right-aligned, code colours as swatches."""
    headers, rows = table.display()
    kinds = [c.kind for c in table.columns if c.doc]
    out = [
        f'<div class="wrap"><table id="{anchor(table.key)}"><caption>'
        f"{escape(table.title)}</caption><thead><tr>"
    ]
    out += [f"<th>{escape(h)}</th>" for h in headers]
    out.append("</tr></thead><tbody>")
    for r, row in enumerate(rows):
        out.append("<tr>")
        for i, (value, kind) in enumerate(zip(row, kinds, strict=True)):
            swatch = ""
            color = table.colors[r] if i == 0 and r < len(table.colors) else None
            if color:
                swatch = f'<span class="swatch" style="background:{escape(color)}"></span>'
            cls = "n" if kind != "text" else "t"
            out.append(f'<td class="{cls}">{swatch}{escape(value)}</td>')
        out.append("</tr>")
    out.append("</tbody></table></div>")
    if table.note:
        out.append(f'<p class="note">{escape(table.note)}</p>')
    return "".join(out)


def _section(section: Section) -> str:
    from .charts import render_chart

    out = [f'<section id="{anchor(section.key)}"><h2>{escape(section.title)}</h2>']
    if section.intro:
        out.append(f"<p>{escape(section.intro)}</p>")
    if section.chart is not None and section.chart.labels:
        svg = render_chart(section.chart, "svg").decode("utf-8")
        out.append(f'<div class="chart">{_XML_HEAD.sub("", svg, count=1)}</div>')
    out += [table_html(t) for t in section.tables]
    q = section.quotes
    if q is not None:
        for group in q.groups:
            if not group.quotes:
                continue
            if q.by:
                out.append(
                    f"<h3>{escape(group_label(group.key))} "
                    f"({len(group.quotes)} of {group.total})</h3>"
                )
            for quote in group.quotes:
                attrs = ", ".join(f"{k}={v}" for k, v in quote.attributes.items())
                out.append(
                    f"<blockquote>{escape(quote.text)}</blockquote><cite>— "
                    f"{escape(quote.source)}{escape(f' ({attrs})' if attrs else '')}"
                    "</cite>"
                )
    out.append("</section>")
    return "\n".join(out)


def write(doc: ReportDoc, path: Path, progress: Progress | None, suffix: str = ".html") -> None:
    """Write the document as one HTML file that needs nothing else to open."""
    parts = [
        '<!DOCTYPE html>\n<html lang="lv"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(doc.title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(doc.title)}</h1>",
        '<p class="meta">' + " · ".join(f"{escape(k)}: {escape(v)}" for k, v in doc.meta) + "</p>",
        "<nav><ul>",
    ]
    parts += [f'<li><a href="#{anchor(s.key)}">{escape(s.title)}</a></li>' for s in doc.sections]
    parts.append("</ul></nav>")
    for done, section in enumerate(doc.sections):
        if progress:
            progress(done, doc.steps, section.title)
        parts.append(_section(section))
    parts.append("</body></html>\n")
    Path(path).write_text("\n".join(parts), encoding="utf-8")
    if progress:
        progress(doc.steps, doc.steps, "saved")
