"""Number formatting shared by the reports (published cells show "[c]")."""

from __future__ import annotations

import math

from placerisk.fairness._suppression import SUPPRESSED

DASH = "–"


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def count(value) -> str:
    return DASH if _missing(value) else f"{round(float(value)):,}"


def pct(value) -> str:
    return DASH if _missing(value) else f"{100 * float(value):.1f}%"


def num(value, digits: int = 2) -> str:
    return DASH if _missing(value) else f"{float(value):.{digits}f}"


def with_interval(value, low, high, fmt=num) -> str:
    if _missing(value):
        return DASH
    if _missing(low) or _missing(high):
        return fmt(value)
    return f"{fmt(value)} ({fmt(low)} to {fmt(high)})"


def cell(row, column: str, fmt=num, interval: bool = False) -> str:
    """Format ``row[column]`` (with ``_low``/``_high`` when ``interval``), "[c]" if suppressed."""
    if column in tuple(row.get("suppressed", ())):
        return SUPPRESSED
    if interval:
        return with_interval(row[column], row.get(f"{column}_low"), row.get(f"{column}_high"), fmt)
    return fmt(row[column])
