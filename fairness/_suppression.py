"""Statistical disclosure control for published tables.

Rules: a count below ``min_cell_count`` is suppressed; every figure derived from a
suppressed count (a rate, a ratio, a difference, an interval) is hidden too. A rate
reveals its numerator, its denominator and their difference, so all three must
reach the limit. Counts that are published are rounded to a multiple of
``round_to``. Rates are computed from unrounded counts. Hidden cells hold NaN and
their column names are listed in the row's ``suppressed`` column (shown as "[c]").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

SUPPRESSED = "[c]"


def round_count(values, round_to: int) -> np.ndarray:
    """Round counts half up to a multiple of ``round_to``."""
    values = np.asarray(values, dtype=float)
    return np.floor(values / round_to + 0.5) * round_to


def _sum(table: pd.DataFrame, expression: str) -> np.ndarray:
    return sum(table[name].to_numpy(dtype=float) for name in expression.split("+"))


def publish_table(table: pd.DataFrame, *, counts: Sequence[str], derived: Mapping[str, Sequence[str]],
                  min_cell_count: int, round_to: int, drop: Sequence[str] = ()) -> pd.DataFrame:
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
    """
    out = table.copy()
    hidden = np.zeros((len(table), 0), dtype=bool)
    names = []
    for column in counts:
        values = table[column].to_numpy(dtype=float)
        small = values < min_cell_count
        out[column] = np.where(small, np.nan, round_count(values, round_to))
        hidden = np.column_stack([hidden, small])
        names.append(column)
    for column, expressions in derived.items():
        small = np.zeros(len(table), dtype=bool)
        for expression in expressions:
            small |= _sum(table, expression) < min_cell_count
        out[column] = np.where(small, np.nan, table[column].to_numpy(dtype=float))
        hidden = np.column_stack([hidden, small])
        names.append(column)
    out["suppressed"] = [tuple(n for n, h in zip(names, row, strict=True) if h) for row in hidden]
    return out.drop(columns=list(drop))
