"""Export entry points the Project delegates to: report, quotes, every format, a chart."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.errors import QualcodeError

from .document import Progress, build_quotes, build_report, frequency_chart
from .writer import FORMATS, atomic_write, check_target, format_of, write_document

if TYPE_CHECKING:
    from qualcode.store import Store

ALL_FORMATS = (".xlsx", ".docx", ".html", ".md", ".csv", ".json")


@dataclass(frozen=True)
class ExportResult:
    """One written file."""

    path: Path
    format: str
    size: int  # bytes
    sections: int


def _written(path: Path, sections: int) -> ExportResult:
    return ExportResult(path, FORMATS[path.suffix.lower()], path.stat().st_size, sections)


def export_report(
    store: Store,
    path: Path,
    *,
    force: bool = False,
    progress: Progress | None = None,
    **options: Any,
) -> ExportResult:
    """Build the full report (see document.build_report) and write it to path."""
    path = Path(path)
    format_of(path)
    check_target(path, force=force)  # fail before the work, not after it
    doc = build_report(store, **options)
    write_document(doc, path, force=force, progress=progress)
    return _written(path, len(doc.sections))


def export_quotes(
    store: Store,
    path: Path,
    codes: Sequence[str],
    *,
    force: bool = False,
    progress: Progress | None = None,
    **options: Any,
) -> ExportResult:
    """Write the quotes of codes (all codes when none) to path."""
    path = Path(path)
    format_of(path)
    check_target(path, force=force)
    doc = build_quotes(store, codes, **options)
    write_document(doc, path, force=force, progress=progress)
    return _written(path, len(doc.sections))


def export_all(
    store: Store,
    folder: Path,
    *,
    force: bool = False,
    name: str = "report",
    progress: Progress | None = None,
    **options: Any,
) -> list[ExportResult]:
    """The full report in every format (report.xlsx, .docx, .html, .md, .csv, .json)."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise QualcodeError(f"cannot create {folder}: {exc.strerror}") from None
    targets = [folder / f"{name}{ext}" for ext in ALL_FORMATS]
    for t in targets:
        check_target(t, force=force)
    doc = build_report(store, **options)
    results = []
    for i, target in enumerate(targets):
        if progress:
            progress(i, len(targets), target.name)
        write_document(doc, target, force=force)
        results.append(_written(target, len(doc.sections)))
    if progress:
        progress(len(targets), len(targets), "done")
    return results


def write_chart(
    store: Store,
    path: Path,
    *,
    codes: Sequence[str] | None = None,
    by: Sequence[str] = (),
    unit: str = "respondent",
    sort: str = "tree",
    force: bool = False,
) -> Path:
    """A bar chart (PNG or SVG from the extension) of the codes, split by `by` when given."""
    from qualcode.reports import frequencies

    from .charts import render_chart

    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise QualcodeError(
            f"charts are written as .png or .svg, not {path.suffix or 'no extension'}"
        )
    check_target(path, force=force)
    report = frequencies(store, codes=codes, by=by, unit=unit, sort=sort)
    if not report.rows:
        raise QualcodeError("no codes to chart; load a codebook with `qualcode codebook load`")
    data = render_chart(frequency_chart(report, key="chart"), fmt)
    return atomic_write(path, lambda tmp: tmp.write_bytes(data), force=force)
