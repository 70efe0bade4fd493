"""Bar charts as PNG or SVG with matplotlib (Agg, no display; imported only when drawing)."""

from __future__ import annotations

import io
from typing import Any

from .document import Chart

PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1",
           "#ff9da7", "#9c755f", "#bab0ac")  # fmt: skip
CHART_FORMATS = ("png", "svg")


def _color(value: str | None, fallback: str) -> str:
    from matplotlib.colors import is_color_like

    return value if value and is_color_like(value) else fallback


def render_chart(chart: Chart, fmt: str = "png", *, dpi: int = 144) -> bytes:
    """The chart as PNG or SVG bytes: horizontal bars, one colour per code or per series."""
    if fmt not in CHART_FORMATS:
        raise ValueError(f"chart format {fmt!r}: use png or svg")
    import matplotlib
    from matplotlib.figure import Figure  # a bare Figure: no pyplot, no global backend change

    n, k = len(chart.labels), max(len(chart.series), 1)
    height = min(max(1.6, 0.32 * n * (1 + 0.35 * (k - 1)) + 1.2), 24)
    params: dict[str, Any] = {"svg.hashsalt": "qualcode", "svg.fonttype": "none", "font.size": 9}
    with matplotlib.rc_context(params):  # type: ignore[arg-type]
        # Margins from the label lengths (about 0.075 in per character at 9 pt): cheaper than a
        # constrained layout on many labels.
        longest = max((len(label) for label in chart.labels), default=4)
        legend_rows = -(-k // 4) if k > 1 else 0
        top_in = 0.45 + 0.22 * legend_rows
        fig = Figure(figsize=(7.5, height + 0.22 * legend_rows))
        fig.subplots_adjust(
            left=min(0.6, (0.075 * longest + 0.2) / 7.5),
            right=0.97,
            top=1 - top_in / (height + 0.22 * legend_rows),
            bottom=0.55 / (height + 0.22 * legend_rows),
        )
        ax = fig.add_subplot()
        bar = 0.8 / k
        for i, s in enumerate(chart.series):
            ys = [j + (i - (k - 1) / 2) * bar for j in range(n)]
            if k == 1:
                colors = [
                    _color(c, _color(s.color, PALETTE[0])) for c in (chart.colors or [None] * n)
                ]
            else:
                colors = [_color(s.color, PALETTE[i % len(PALETTE)])] * n
            ax.barh(ys, s.values, height=bar, color=colors, label=s.name)
            for y, v in zip(ys, s.values, strict=True) if k <= 3 else ():  # readable only
                text = f"{v:.0%}" if chart.percent else f"{v:g}"
                ax.annotate(
                    text, (v, y), xytext=(3, 0), textcoords="offset points", va="center", fontsize=7
                )
        ax.set_yticks(range(n), chart.labels)
        ax.invert_yaxis()
        ax.set_title(chart.title, loc="left", pad=6 + 16 * legend_rows)
        ax.set_xlabel(chart.xlabel)
        if chart.percent:
            from matplotlib.ticker import PercentFormatter

            ax.xaxis.set_major_formatter(PercentFormatter(1.0))
            ax.set_xlim(0, 1.08)
        else:
            top = max((v for s in chart.series for v in s.values), default=0)
            ax.set_xlim(0, max(top * 1.12, 1))
        ax.spines[["top", "right"]].set_visible(False)
        if k > 1:
            ax.legend(
                fontsize=7,
                frameon=False,
                loc="lower left",
                bbox_to_anchor=(0, 1),
                ncols=min(k, 4),
                borderaxespad=0.2,
            )
        buf = io.BytesIO()
        meta = {"Date": None} if fmt == "svg" else {"Software": None}
        fig.savefig(buf, format=fmt, dpi=dpi, metadata=meta)
    return buf.getvalue()
