"""Plain tables: report rows as headers + rows, Markdown, and cell sanitising for CSV/XLSX."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..reports import FrequencyReport

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Neutralise text that a spreadsheet would run as a formula (CSV/XLSX injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured Markdown table; pipes and newlines in cells are escaped."""

    def cell(v: Any) -> str:
        return str("" if v is None else v).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(h) for h in headers) + " |",
             "| " + " | ".join("---" for _ in headers) + " |"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def group_label(key: tuple[str, ...]) -> str:
    """town=Talsi, role=mediator -> 'Talsi / mediator'."""
    return " / ".join(key)


def frequency_table(report: FrequencyReport) -> tuple[list[str], list[list[Any]]]:
    """The frequency report as flat headers and rows (numbers stay numbers)."""
    headers = ["code", "label", "parent", "depth", "respondents", "respondents_total",
               "respondents_share", "passages", "transcripts"]
    for key in report.groups if report.by else []:
        g = group_label(key)
        headers += [f"{g}: respondents", f"{g}: respondents_total", f"{g}: passages"]
    rows = []
    for r in report.rows:
        row: list[Any] = [r.code, r.label or "", r.parent or "", r.depth, r.respondents.n,
                          r.respondents.total, round(r.respondents.ratio, 4), r.passages,
                          r.transcripts]
        for key in report.groups if report.by else []:
            c = r.groups[key]
            row += [c.respondents.n, c.respondents.total, c.passages]
        rows.append(row)
    return headers, rows
