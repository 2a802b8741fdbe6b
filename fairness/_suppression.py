"""Statistical disclosure control for published tables.

Rules (see docs/fairness.md, "Small-cell suppression"):

* primary: a count below ``min_cell_count`` is suppressed, with every figure derived
  from it (a rate, a ratio, a difference, an interval);
* group level: if any confusion cell (tp, fp, fn, tn) of a group is below the limit,
  every confusion-derived figure of that group is hidden (``_tables``);
* secondary: when a hidden count could be recovered by subtracting the published
  counts of the other groups from the total, further groups are hidden in full
  (:func:`secondary_suppression`); across the tables of one report (an intersection
  and its parts, calibration rows and their groups), ``_linked`` hides more;
* rounding: published counts are rounded to a multiple of ``round_to``; published
  rates, ratios and differences to :data:`RATE_DECIMALS` decimal places.

Rates are computed from unrounded counts. Hidden cells hold NaN and their column
names are listed in the row's ``suppressed`` column (shown as "[c]").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

SUPPRESSED = "[c]"
#: Decimal places of published rates, ratios, differences, intervals and mean scores.
RATE_DECIMALS = 3


def round_count(values, round_to: int) -> np.ndarray:
    """Round counts half up to a multiple of ``round_to``."""
    values = np.asarray(values, dtype=float)
    return np.floor(values / round_to + 0.5) * round_to


def publish_count(value, min_cell_count: int, round_to: int):
    """One published count: None below ``min_cell_count``, otherwise rounded to ``round_to`` (an int)."""
    if value is None or not np.isfinite(value) or value < min_cell_count:
        return None
    return int(round_count([value], round_to)[0])


def _sum(table: pd.DataFrame, expression: str) -> np.ndarray:
    return sum(table[name].to_numpy(dtype=float) for name in expression.split("+"))


def secondary_suppression(values: Mapping[str, np.ndarray], hidden: Mapping[str, np.ndarray],
                          size: np.ndarray, min_cell_count: int) -> np.ndarray:
    """Rows to hide in full so that no hidden count can be recovered from a published total.

    ``values[c]`` and ``hidden[c]`` give, for each count column ``c``, the rows' counts
    and which of them are already hidden (primary or group-level suppression). The
    rows add up to a published total, so a column is safe only when at least two rows
    are hidden in it and their hidden counts sum to at least ``min_cell_count``.
    Until every column with a hidden count is safe, the smallest row (by ``size``)
    still showing that column is added. Returns the added rows as a boolean mask.
    """
    size = np.asarray(size, dtype=float)
    extra = np.zeros(size.size, dtype=bool)
    changed = True
    while changed:
        changed = False
        for column, vals in values.items():
            primary = np.asarray(hidden[column], dtype=bool)
            if not primary.any():
                continue
            h = primary | extra
            if h.sum() >= 2 and np.asarray(vals, dtype=float)[h].sum() >= min_cell_count:
                continue
            candidates = np.flatnonzero(~h)
            if candidates.size == 0:
                continue
            extra[candidates[np.argmin(size[candidates])]] = True
            changed = True
    return extra


def publish_table(table: pd.DataFrame, *, counts: Sequence[str], derived: Mapping[str, Sequence[str]],
                  min_cell_count: int, round_to: int, drop: Sequence[str] = (),
                  hide: Mapping[str, np.ndarray] | None = None, decimals: int | None = None) -> pd.DataFrame:
    """A suppressed and rounded copy of ``table``.

    Parameters
    ----------
    table : DataFrame
        Full table; never modified.
    counts : sequence of str
        Count columns: suppressed below ``min_cell_count``, otherwise rounded.
    derived : mapping
        Column -> count expressions it depends on (``"tp+fn"`` sums columns of ``table``);
        hidden when any expression is below ``min_cell_count``.
    drop : sequence of str
        Helper columns removed from the published table (e.g. raw cells).
    hide : mapping, optional
        Column -> boolean mask of further rows to hide (group-level and secondary suppression).
    decimals : int, optional
        Round published derived columns to this many decimal places.
    """
    hide = dict(hide or {})
    out = table.copy()
    hidden = np.zeros((len(table), 0), dtype=bool)
    names = []
    for column in counts:
        values = table[column].to_numpy(dtype=float)
        small = (values < min_cell_count) | np.asarray(hide.get(column, False), dtype=bool)
        out[column] = np.where(small, np.nan, round_count(values, round_to))
        hidden = np.column_stack([hidden, small])
        names.append(column)
    for column, expressions in derived.items():
        small = np.zeros(len(table), dtype=bool) | np.asarray(hide.get(column, False), dtype=bool)
        for expression in expressions:
            small |= _sum(table, expression) < min_cell_count
        values = table[column].to_numpy(dtype=float)
        if decimals is not None:
            values = np.round(values, decimals)
        out[column] = np.where(small, np.nan, values)
        hidden = np.column_stack([hidden, small])
        names.append(column)
    out["suppressed"] = [tuple(n for n, h in zip(names, row, strict=True) if h) for row in hidden]
    return out.drop(columns=list(drop))
