"""Data exports: JSON (every table and quote) and CSV (the document's main table)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from .document import Progress, ReportDoc
from .tabular import Table, safe_cell


def table_records(table: Table) -> dict[str, Any]:
    """A table as JSON: title, columns with kinds, rows as objects (shares as 3 numbers)."""
    headers, kinds, rows = table.flat()
    return {
        "key": table.key,
        "title": table.title,
        "note": table.note,
        "columns": [{"name": h, "kind": k} for h, k in zip(headers, kinds, strict=True)],
        "rows": [dict(zip(headers, r, strict=True)) for r in rows],
    }


def to_json(doc: ReportDoc) -> dict[str, Any]:
    """The document as plain JSON-ready data."""
    sections = []
    for s in doc.sections:
        item: dict[str, Any] = {
            "key": s.key,
            "title": s.title,
            "tables": [table_records(t) for t in s.tables],
        }
        if s.intro:
            item["intro"] = s.intro
        if s.quotes is not None:
            item["quotes"] = [
                {
                    "group": list(g.key),
                    "respondents": g.respondents,
                    "total": g.total,
                    "quotes": [
                        {
                            "code": q.code,
                            "respondent": q.respondent,
                            "transcript": q.transcript,
                            "turn": q.turn,
                            "attributes": q.attributes,
                            "text": q.text,
                            "start": q.start,
                            "end": q.end,
                        }
                        for q in g.quotes
                    ],
                }
                for g in s.quotes.groups
            ]
        sections.append(item)
    return {"title": doc.title, "meta": dict(doc.meta), "sections": sections}


def write_csv(table: Table, path: Path) -> None:
    """One table as CSV (UTF-8 with BOM so Excel reads the diacritics; formulas neutralised)."""
    headers, _, rows = table.flat()
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([safe_cell(h) for h in headers])
        writer.writerows([[safe_cell(v) for v in row] for row in rows])


def write(doc: ReportDoc, path: Path, progress: Progress | None, suffix: str = ".json") -> None:
    """JSON: the whole document; CSV: the main (first) table only.

    Every other table is available as CSV from its own command with --format csv.
    """
    if progress:
        progress(0, 1, suffix.lstrip("."))
    if suffix.lower() == ".csv":
        tables = doc.tables()
        write_csv(tables[0] if tables else Table("empty", "empty", [], []), path)
    else:
        Path(path).write_text(
            json.dumps(to_json(doc), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    if progress:
        progress(1, 1, "saved")
