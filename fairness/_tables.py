"""Full audit tables (by group, calibration, disparities) and how each is published."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fairness._group_stats import GroupStats, interval
from fairness._metrics import count_dependencies
from fairness._policy import FairnessPolicy

RATE_COLUMNS = ("base_rate", "selection_rate", "recall", "false_negative_rate", "false_positive_rate",
                "precision", "false_omission_rate", "roc_auc", "observed_to_expected")
COUNT_COLUMNS = ("n", "positives", "negatives", "selected", "tp", "fp", "fn", "tn")
_DEPENDS = {
    "base_rate": ("positives", "negatives"),
    "roc_auc": ("positives", "negatives"),
    "observed_to_expected": ("positives", "negatives"),
    "mean_score": ("n",),
    **{m: count_dependencies(m) for m in ("selection_rate", "recall", "false_negative_rate",
                                          "false_positive_rate", "precision", "false_omission_rate")},
}
_SUFFIXES = ("", "_low", "_high")


def reference_index(stats: GroupStats, policy: FairnessPolicy) -> int:
    """Index of the reference group: the configured label, else the largest group (first on ties)."""
    feature = stats.feature
    wanted = policy.reference_for(feature.name)
    if wanted is None:
        return int(np.argmax(feature.counts))
    if wanted not in feature.labels:
        raise ValueError(f"reference_group for {feature.name!r} is {wanted!r}, which is not a group; "
                         f"expected one of {', '.join(feature.labels)}.")
    return feature.labels.index(wanted)


def by_group_table(stats: GroupStats, reference: int, level: float) -> pd.DataFrame:
    """One row per group: counts, rates with percentile intervals, mean score, AUC."""
    feature = stats.feature
    conf = stats.confusion()
    n = stats.cells.sum(axis=(1, 2, 3))
    table = pd.DataFrame({"feature": feature.name, "group": list(feature.labels),
                          "reference": np.arange(len(feature.labels)) == reference})
    table["n"] = n
    table["positives"] = conf["tp"] + conf["fn"]
    table["negatives"] = conf["fp"] + conf["tn"]
    table["selected"] = conf["tp"] + conf["fp"]
    for cell in ("tp", "fp", "fn", "tn"):
        table[cell] = conf[cell]
    table["mean_score"] = stats.score_sum.sum(axis=1) / n
    point, boot = stats.rates(), stats.rates(boot=True)
    for name in RATE_COLUMNS:
        lo, hi = interval(boot[name], level)
        table[name], table[f"{name}_low"], table[f"{name}_high"] = point[name], lo, hi
    return table


def calibration_table(stats: GroupStats, band_low: np.ndarray, band_high: np.ndarray, level: float) -> pd.DataFrame:
    """One row per group and score band: mean score against observed outcome rate."""
    feature = stats.feature
    per_band = stats.cells.sum(axis=1)  # (groups, outcome, bands)
    n_groups, _, n_bands = per_band.shape
    n = per_band.sum(axis=1)
    lo, hi = interval(stats.band_rates(boot=True), level)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = stats.score_sum / n
    table = pd.DataFrame({
        "feature": feature.name,
        "group": np.repeat(feature.labels, n_bands),
        "band": np.tile(np.arange(1, n_bands + 1), n_groups),
        "score_low": np.tile(band_low, n_groups),
        "score_high": np.tile(band_high, n_groups),
        "n": n.ravel(),
        "positives": per_band[:, 1, :].ravel(),
        "negatives": per_band[:, 0, :].ravel(),
        "mean_score": mean.ravel(),
        "observed_rate": stats.band_rates().ravel(),
        "observed_rate_low": lo.ravel(),
        "observed_rate_high": hi.ravel(),
    })
    return table[table["n"] > 0].reset_index(drop=True)


def disparity_table(stats: GroupStats, by_group: pd.DataFrame, reference: int, policy: FairnessPolicy,
                    level: float) -> pd.DataFrame:
    """One row per non-reference group and metric: ratio and difference to the reference.

    ``min_count`` is the smallest count the metric depends on in either group; it
    decides whether the row may be published and assessed (then it is dropped).
    """
    feature = stats.feature
    point, boot = stats.rates(), stats.rates(boot=True)
    rows = []
    others = [g for g in range(len(feature.labels)) if g != reference]
    for metric in policy.metrics:
        deps = _DEPENDS[metric]
        for g in others:
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio_boot = boot[metric][:, g] / boot[metric][:, reference]
                ratio = point[metric][g] / point[metric][reference]
            diff_boot = boot[metric][:, g] - boot[metric][:, reference]
            r_lo, r_hi = interval(np.where(np.isfinite(ratio_boot), ratio_boot, np.nan), level)
            d_lo, d_hi = interval(diff_boot, level)
            smallest = min(_smallest(by_group, g, deps), _smallest(by_group, reference, deps))
            rows.append({
                "feature": feature.name, "group": feature.labels[g], "reference_group": feature.labels[reference],
                "metric": metric, "primary": metric in policy.primary_metrics,
                "value": point[metric][g], "reference_value": point[metric][reference],
                "ratio": ratio, "ratio_low": r_lo, "ratio_high": r_hi,
                "difference": point[metric][g] - point[metric][reference],
                "difference_low": d_lo, "difference_high": d_hi, "min_count": smallest,
            })
    return pd.DataFrame(rows)


def _smallest(by_group: pd.DataFrame, g: int, deps) -> float:
    row = by_group.iloc[g]
    return float(min(sum(row[c] for c in expr.split("+")) for expr in deps))


def publish_specs() -> dict[str, dict]:
    """How each table is published: count columns, derived columns and their dependencies."""
    rate_deps = {f"{name}{sfx}": _DEPENDS[name] for name in RATE_COLUMNS for sfx in _SUFFIXES}
    group = {"counts": COUNT_COLUMNS, "derived": {"mean_score": ("n",), **rate_deps}}
    numeric = ("value", "reference_value", "ratio", "ratio_low", "ratio_high",
               "difference", "difference_low", "difference_high")
    return {
        "overall": group,
        "by_group": group,
        "calibration": {"counts": ("n", "positives", "negatives"),
                        "derived": {"mean_score": ("n",), **{c: ("positives", "negatives") for c in
                                       ("observed_rate", "observed_rate_low", "observed_rate_high")}}},
        "disparities": {"counts": (), "derived": {c: ("min_count",) for c in numeric}, "drop": ("min_count",)},
    }
