"""The VRU lead's view across teams: listed shares by group, with small cells withheld as in the fairness reports."""

from __future__ import annotations

import numpy as np
import pandas as pd

WITHHELD = "[c]"


def _round(value: float, round_to: int) -> int:
    return int(np.floor(value / round_to + 0.5) * round_to)


def listed_shares(groups: pd.DataFrame, listed: np.ndarray, *, min_cell_count: int, round_to: int) -> pd.DataFrame:
    """Per attribute and group: families in the cohort, listed families and the listed share.

    A group with fewer than ``min_cell_count`` families, listed or unlisted has its listed count and share
    withheld ("[c]"); when that leaves one withheld group in an attribute (recoverable from the others and
    the total), the next smallest group's figures are withheld too. Counts are rounded to ``round_to``.
    """
    rows = []
    for attribute in groups.columns:
        values = groups[attribute].astype("string").fillna("Missing").to_numpy()
        labels, codes = np.unique(values, return_inverse=True)
        size = np.bincount(codes, minlength=labels.size)
        on = np.bincount(codes, weights=listed.astype(float), minlength=labels.size).astype(int)
        small = (size < min_cell_count) | (on < min_cell_count) | (size - on < min_cell_count)
        if small.sum() == 1 and labels.size > 1:
            small[np.argsort(np.where(small, np.inf, size), kind="stable")[0]] = True
        for g, label in enumerate(labels):
            hidden = bool(small[g])
            rows.append({"attribute": attribute, "group": str(label),
                         "families": WITHHELD if size[g] < min_cell_count else f"{_round(size[g], round_to):,}",
                         "listed": WITHHELD if hidden else f"{_round(on[g], round_to):,}",
                         "share": WITHHELD if hidden else f"{100 * on[g] / size[g]:.1f}%"})
    return pd.DataFrame(rows, columns=["attribute", "group", "families", "listed", "share"])
