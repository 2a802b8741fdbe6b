"""Charts over time for the monitor's page: matplotlib, drawn to inline SVG (readable offline, the same bytes for the same data)."""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.hashsalt"] = "placerisk"  # fixed element ids: the same data gives the same SVG
    plt.rcParams["svg.fonttype"] = "none"       # text stays text (searchable, smaller)
    return plt


def _svg(fig, title: str) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None, "Title": title}, bbox_inches="tight")
    _pyplot().close(fig)
    text = buffer.getvalue()
    return re.sub(r"^.*?(<svg\b)", r"\1", text, count=1, flags=re.S)  # drop the XML prologue and doctype: inline in HTML


def lines_over_weeks(table: pd.DataFrame, *, series: dict[str, str], title: str, ylabel: str, facet: str = "team") -> str:
    """One small panel per ``facet`` value: each ``series`` column (label in the dict) against ``week``. '' for no rows."""
    if table.empty:
        return ""
    plt = _pyplot()
    names = list(dict.fromkeys(table[facet]))
    cols = min(3, len(names))
    rows = -(-len(names) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.4 * cols, 2.4 * rows), squeeze=False, sharey=True)
    values = table[[c for c in series if c in table]].to_numpy(dtype=float)
    top = float(np.nanmax(values)) * 1.1 if np.isfinite(values).any() and np.nanmax(values) > 0 else 1.0
    for ax, name in zip(axes.flat, names, strict=False):
        part = table[table[facet] == name].sort_values("week")
        x = pd.to_datetime(part["week"])
        for column, label in series.items():
            if column in part:
                ax.plot(x, part[column], marker="o", markersize=2.5, linewidth=1.2, label=label)
        ax.set_title(str(name), fontsize=9)
        from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

        locator = AutoDateLocator(minticks=2, maxticks=5)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        ax.tick_params(labelsize=7)
        ax.set_ylim(0, top)
    for ax in list(axes.flat)[len(names):]:
        ax.set_visible(False)
    axes.flat[0].set_ylabel(ylabel, fontsize=8)
    axes.flat[0].legend(fontsize=7, loc="best")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return _svg(fig, title)


def calibration_plot(table: pd.DataFrame, title: str) -> str:
    """Observed outcome rate against mean calibrated probability by tenth of the score, with the diagonal."""
    if table.empty:
        return ""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(3.6, 3.4))
    top = float(max(table["mean_score"].max(), table["observed_rate"].max())) * 1.05 or 1.0
    ax.plot([0, top], [0, top], linestyle="--", linewidth=0.8, color="grey", label="perfect calibration")
    ax.plot(table["mean_score"], table["observed_rate"], marker="o", linewidth=1.2, label="sampled families")
    ax.set_xlabel("mean calibrated probability", fontsize=8)
    ax.set_ylabel("observed outcome rate", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7)
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return _svg(fig, title)
