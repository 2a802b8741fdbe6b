"""Per-group counts, rates, calibration and AUC with stratified bootstrap replicates.

Bootstrap method (stratified by group, selection held fixed)
------------------------------------------------------------
Each group is resampled within itself, keeping its size, so small groups never
drop out. Whether a row is selected is fixed by the audited operating point, so
each row falls in one cell of (selected, outcome, score band). Drawing ``n_g`` rows
with replacement from a group is then the same, in distribution, as one
multinomial draw of the group's cell counts with probabilities equal to the
observed cell shares: O(groups x cells) per resample instead of O(rows). Every
confusion-matrix rate, the observed outcome rate and the per-band observed rates
come from these draws. AUC uses the same idea on score levels (see ``_auc``).
Mean scores are treated as fixed (the model's own claim); their intervals are not
reported.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from placerisk.fairness._auc import auc_from_cells, bootstrap_auc, group_cells
from placerisk.fairness._inputs import GroupFeature
from placerisk.fairness._metrics import rates


@dataclass(frozen=True)
class GroupStats:
    """Counts and bootstrap replicates for the groups of one feature.

    ``cells`` has shape (groups, 2 selected, 2 outcome, bands); ``boot_cells`` adds
    a leading resample axis. ``auc`` and ``boot_auc`` are (groups,) and (n_boot, groups).
    """

    feature: GroupFeature
    cells: np.ndarray
    score_sum: np.ndarray
    boot_cells: np.ndarray
    auc: np.ndarray
    boot_auc: np.ndarray

    def confusion(self, boot: bool = False) -> dict[str, np.ndarray]:
        c = (self.boot_cells if boot else self.cells).sum(axis=-1)
        return {"tp": c[..., 1, 1], "fp": c[..., 1, 0], "fn": c[..., 0, 1], "tn": c[..., 0, 0]}

    def rates(self, boot: bool = False) -> dict[str, np.ndarray]:
        out = rates(**self.confusion(boot))
        out["roc_auc"] = self.boot_auc if boot else self.auc
        mean_score = self.score_sum.sum(axis=-1) / self.cells.sum(axis=(1, 2, 3))
        with np.errstate(divide="ignore", invalid="ignore"):
            out["observed_to_expected"] = out["base_rate"] / mean_score
        return out

    def band_rates(self, boot: bool = False) -> np.ndarray:
        c = (self.boot_cells if boot else self.cells).sum(axis=-3)  # sum over selected
        with np.errstate(divide="ignore", invalid="ignore"):
            return c[..., 1, :] / c.sum(axis=-2)


def score_bands(y_score: np.ndarray, n_bands: int) -> tuple[np.ndarray, np.ndarray]:
    """Band index per row (0 = lowest scores) from quantiles of all scores, and band edges."""
    edges = np.quantile(y_score, np.linspace(0, 1, n_bands + 1)[1:-1])
    return np.searchsorted(edges, y_score, side="right").astype(np.int64), edges


def group_stats(feature: GroupFeature, y_true, y_score, selected, bands, n_bands: int,
                n_boot: int, rng: np.random.Generator) -> GroupStats:
    """Compute :class:`GroupStats` for one feature; ``rng`` drives every resample."""
    n_groups = len(feature.labels)
    index = ((feature.codes * 2 + selected) * 2 + y_true) * n_bands + bands
    size = n_groups * 4 * n_bands
    cells = np.bincount(index, minlength=size).reshape(n_groups, 2, 2, n_bands)
    score_sum = np.bincount(feature.codes * n_bands + bands, weights=y_score,
                            minlength=n_groups * n_bands).reshape(n_groups, n_bands)
    flat = cells.reshape(n_groups, -1)
    n_g = flat.sum(axis=1)
    boot = rng.multinomial(n_g, flat / n_g[:, None], size=(n_boot, n_groups))
    auc_cells = group_cells(feature.codes, n_groups, y_true, y_score)
    auc = np.array([auc_from_cells(c) for c in auc_cells], dtype=float)
    boot_auc = np.column_stack([bootstrap_auc(c, n_boot, rng) for c in auc_cells])
    return GroupStats(feature=feature, cells=cells, score_sum=score_sum,
                      boot_cells=boot.reshape(n_boot, n_groups, 2, 2, n_bands), auc=auc, boot_auc=boot_auc)


def interval(replicates: np.ndarray, level: float, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval of ``replicates`` along ``axis`` at coverage ``level`` (NaNs ignored)."""
    tail = (1 - level) / 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN slice gives a NaN interval
        lo, hi = np.nanquantile(replicates, [tail, 1 - tail], axis=axis)
    return lo, hi
