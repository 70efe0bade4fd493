"""XLSX export with openpyxl: one sheet per table, typed cells, frozen bold headers."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .document import Progress, ReportDoc
from .tabular import Table, safe_cell

NUMBER_FORMATS = {"int": "0", "float": "0.00", "percent": "0.0%"}
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
WRAP_WIDTH = 60  # text columns wider than this wrap


def sheet_name(key: str, taken: set[str]) -> str:
    """A valid, unique sheet name (31 characters, no []:*?/\\)."""
    base = _BAD_SHEET_CHARS.sub("-", key).strip("'") or "sheet"
    name, i = base[:31], 2
    while name.casefold() in taken:
        suffix = f" ({i})"
        name, i = base[: 31 - len(suffix)] + suffix, i + 1
    taken.add(name.casefold())
    return name


def _width(value: Any) -> int:
    text = "" if value is None else str(value)
    return max((len(line) for line in text.split("\n")), default=0)


def add_table_sheet(wb: Any, table: Table, taken: set[str]) -> Any:
    """One sheet: header row (bold, frozen, filter), typed cells, widths, the note on A1."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(sheet_name(table.key, taken))
    headers, kinds, rows = table.flat()
    ws.append([safe_cell(h) for h in headers])
    for row in rows:
        ws.append([safe_cell(v) for v in row])
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE4EE")
    for cell in ws[1]:
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "B2" if len(headers) > 6 else "A2"
    if rows:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"
    wrap = Alignment(wrap_text=True, vertical="top")
    for i, kind in enumerate(kinds, start=1):
        letter = get_column_letter(i)
        widest = max([_width(headers[i - 1]) * 0.8, *(_width(r[i - 1]) for r in rows)])
        ws.column_dimensions[letter].width = max(6, min(widest + 2, WRAP_WIDTH + 2))
        fmt = NUMBER_FORMATS.get(kind)
        long_text = kind == "text" and widest > WRAP_WIDTH
        if fmt or long_text:
            for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                if fmt:
                    cell.number_format = fmt
                else:
                    cell.alignment = wrap
    if table.indent:
        for r, depth in enumerate(table.indent, start=2):
            if depth:
                ws.cell(r, 1).alignment = Alignment(indent=depth)
    if table.note:  # a comment on the header, so the sheet stays a clean table of data
        ws["A1"].comment = Comment(table.note, "qualcode", width=320, height=90)
    return ws


def write(doc: ReportDoc, path: Path, progress: Progress | None, suffix: str = ".xlsx") -> None:
    """Write every table of the document as a sheet, plus an `about` sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    taken: set[str] = set()
    total = doc.steps + 1
    for done, section in enumerate(doc.sections):
        if progress:
            progress(done, total, section.title)
        for table in section.tables:
            add_table_sheet(wb, table, taken)
        if section.quotes is not None:
            from .tabular import quotes_table

            add_table_sheet(wb, quotes_table(section.quotes), taken)
    about = wb.create_sheet(sheet_name("about", taken))
    about.append([doc.title])
    about["A1"].font = Font(bold=True, size=14)
    for key, value in doc.meta:
        about.append([key, safe_cell(value)])
    about.column_dimensions["A"].width = 16
    about.column_dimensions["B"].width = 40
    if not wb.sheetnames or wb.sheetnames == [about.title]:
        about.append(["(no tables: load a codebook and tag some passages)"])
    wb.save(path)
    if progress:
        progress(total, total, "saved")
