"""Small inline SVG charts (no external resources, no plotting library)."""

from __future__ import annotations

import math
from html import escape

import pandas as pd

_PALETTE = ("#1b6ca8", "#d1495b", "#2e933c", "#edae49", "#6a4c93", "#00798c", "#8c564b", "#7f7f7f")


def ratio_chart(rows: pd.DataFrame, low: float, high: float, title: str) -> str:
    """Forest plot of ratios with intervals on a log axis, tolerance band shaded.

    ``rows`` needs ``label``, ``ratio``, ``ratio_low``, ``ratio_high`` (NaN rows are skipped).
    """
    rows = rows.dropna(subset=["ratio", "ratio_low", "ratio_high"])
    rows = rows[(rows[["ratio", "ratio_low", "ratio_high"]] > 0).all(axis=1)]
    if rows.empty:
        return ""
    width, left, right, line = 640, 220, 20, 18
    height = 40 + line * len(rows)
    lo = min(rows["ratio_low"].min(), low) * 0.9
    hi = max(rows["ratio_high"].max(), high) * 1.1
    span = math.log(hi) - math.log(lo)

    def x(v: float) -> float:
        v = min(max(v, lo), hi)
        return left + (width - left - right) * (math.log(v) - math.log(lo)) / span

    parts = [(f'<svg width="{width}" height="{height}" role="img" '
             f'aria-label="{escape(title)}" font-family="sans-serif" font-size="11">'),
             f'<title>{escape(title)}</title>',
             f'<rect x="{x(low):.1f}" y="20" width="{x(high) - x(low):.1f}" height="{height - 30}" fill="#e8f4e8"/>',
             f'<line x1="{x(1):.1f}" x2="{x(1):.1f}" y1="20" y2="{height - 10}" stroke="#555" stroke-dasharray="3,3"/>']
    for tick in (0.5, low, 1, high, 2):
        if lo <= tick <= hi:
            parts.append(f'<text x="{x(tick):.1f}" y="14" text-anchor="middle">{tick:g}</text>')
    for i, r in enumerate(rows.itertuples()):
        y = 30 + i * line
        colour = "#d1495b" if (r.ratio_high < low or r.ratio_low > high) else "#1b6ca8"
        parts.append(f'<text x="{left - 6}" y="{y + 4}" text-anchor="end">{escape(str(r.label))}</text>')
        parts.append(f'<line x1="{x(r.ratio_low):.1f}" x2="{x(r.ratio_high):.1f}" y1="{y}" y2="{y}" '
                     f'stroke="{colour}" stroke-width="2"/>')
        parts.append(f'<circle cx="{x(r.ratio):.1f}" cy="{y}" r="3.5" fill="{colour}"/>')
    parts.append("</svg>")
    return _figure(title, "".join(parts))


def calibration_chart(table: pd.DataFrame, title: str) -> str:
    """Observed outcome rate against mean score per band, one line per group (published cells only)."""
    table = table.dropna(subset=["mean_score", "observed_rate"])
    if table.empty:
        return ""
    size, pad = 320, 40
    top = max(table["mean_score"].max(), table["observed_rate"].max(), 1e-9) * 1.05

    def px(v: float) -> float:
        return pad + (size - 2 * pad) * v / top

    def py(v: float) -> float:
        return size - pad - (size - 2 * pad) * v / top

    parts = [(f'<svg width="{size + 160}" height="{size}" role="img" '
             f'aria-label="{escape(title)}" font-family="sans-serif" font-size="11">'),
             f'<title>{escape(title)}</title>',
             (f'<line x1="{px(0):.1f}" y1="{py(0):.1f}" x2="{px(top):.1f}" y2="{py(top):.1f}" stroke="#999" '
             'stroke-dasharray="3,3"/>'),
             f'<text x="{size / 2:.0f}" y="{size - 8}" text-anchor="middle">mean score</text>',
             (f'<text x="12" y="{size / 2:.0f}" transform="rotate(-90 12 {size / 2:.0f})" '
             'text-anchor="middle">observed rate</text>')]
    for i, (group, rows) in enumerate(table.groupby("group", sort=False)):
        colour = _PALETTE[i % len(_PALETTE)]
        points = " ".join(f"{px(a):.1f},{py(b):.1f}" for a, b in zip(rows["mean_score"], rows["observed_rate"],
                                                                     strict=True))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="1.5"/>')
        parts.append(f'<text x="{size + 5}" y="{20 + 14 * i}" fill="{colour}">{escape(str(group))}</text>')
    parts.append("</svg>")
    return _figure(title, "".join(parts))


def _figure(title: str, svg: str) -> str:
    """The chart with its title visible above it (the SVG title alone shows only on hover)."""
    return f'<figure style="display:inline-block;margin:.4em 1em .4em 0"><figcaption style="font-size:.85em;font-weight:600">{escape(title)}</figcaption>{svg}</figure>'
