"""ROC AUC per group from compact "cells", exact for point estimates and bootstrap resamples.

Within a group, sort rows by score and keep only the distinct score levels that hold
at least one positive. For level ``j`` let ``p_j`` be its positives, ``t_j`` the
negatives tied with it and ``a_j`` the negatives strictly between level ``j - 1``
and level ``j`` (``a_{L+1}``: negatives above the last level). Then

    AUC = sum_j p_j * (A_j + T_{j-1} + t_j / 2) / (P * N)

with ``A``, ``T`` cumulative sums. This equals the trapezoidal ROC AUC (ties count
one half). Resampling a group's rows with replacement is the same as a multinomial
draw of these cell counts, so a bootstrap resample costs O(levels), not O(rows).
"""

from __future__ import annotations

import numpy as np


def group_cells(codes: np.ndarray, n_groups: int, y_true: np.ndarray, y_score: np.ndarray) -> list[np.ndarray]:
    """Cell counts per group, laid out ``[a_1, t_1, p_1, ..., a_L, t_L, p_L, a_{L+1}]``."""
    order = np.lexsort((y_score, codes))
    g, s, y = codes[order], y_score[order], y_true[order]
    start = np.ones(g.size, dtype=bool)
    start[1:] = (g[1:] != g[:-1]) | (s[1:] != s[:-1])
    run = np.cumsum(start) - 1
    n_runs = int(run[-1]) + 1 if run.size else 0
    pos = np.bincount(run, weights=y, minlength=n_runs).astype(np.int64)
    tot = np.bincount(run, minlength=n_runs).astype(np.int64)
    neg = tot - pos
    run_group = g[start]
    cells = []
    bounds = np.searchsorted(run_group, np.arange(n_groups + 1))
    for group in range(n_groups):
        lo, hi = bounds[group], bounds[group + 1]
        p, q = pos[lo:hi], neg[lo:hi]
        has_pos = p > 0
        level = np.cumsum(has_pos) - has_pos  # positive levels strictly before each run
        n_levels = int(has_pos.sum())
        a = np.bincount(level[~has_pos], weights=q[~has_pos], minlength=n_levels + 1).astype(np.int64)
        out = np.zeros(3 * n_levels + 1, dtype=np.int64)
        out[0:3 * n_levels:3] = a[:n_levels]
        out[1::3] = q[has_pos]
        out[2::3] = p[has_pos]
        out[-1] = a[n_levels]
        cells.append(out)
    return cells


def auc_from_cells(cells: np.ndarray) -> np.ndarray:
    """AUC for cell counts of shape ``(..., 3L + 1)``; NaN where a group has one class."""
    cells = np.asarray(cells, dtype=float)
    a, t, p = cells[..., 0:-1:3], cells[..., 1::3], cells[..., 2::3]
    below = np.cumsum(a, axis=-1) + np.cumsum(t, axis=-1) - 0.5 * t
    n_pos = p.sum(axis=-1)
    n_neg = cells.sum(axis=-1) - n_pos
    with np.errstate(divide="ignore", invalid="ignore"):
        auc = (p * below).sum(axis=-1) / (n_pos * n_neg)
    return np.where((n_pos > 0) & (n_neg > 0), auc, np.nan)


def bootstrap_auc(cells: np.ndarray, n_boot: int, rng: np.random.Generator, chunk: int = 50) -> np.ndarray:
    """``n_boot`` AUCs of row-level resamples of one group (size kept), drawn as multinomials."""
    n = int(cells.sum())
    out = np.full(n_boot, np.nan)
    keep = np.flatnonzero(cells)
    if n == 0 or cells[2::3].sum() in (0, n):
        return out
    probs = cells[keep] / n
    for start in range(0, n_boot, chunk):
        size = min(chunk, n_boot - start)
        draws = np.zeros((size, cells.size), dtype=np.int64)
        draws[:, keep] = rng.multinomial(n, probs, size=size)
        out[start:start + size] = auc_from_cells(draws)
    return out
