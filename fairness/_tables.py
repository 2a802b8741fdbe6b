"""Full audit tables (by group, calibration, disparities) and how each is published."""

from __future__ import annotations

import numpy as np
import pandas as pd

from placerisk.fairness._group_stats import GroupStats, interval
from placerisk.fairness._linked import linked_secondary
from placerisk.fairness._linked_system import Links
from placerisk.fairness._metrics import count_dependencies
from placerisk.fairness._policy import FairnessPolicy
from placerisk.fairness._suppression import RATE_DECIMALS, publish_table, secondary_suppression

RATE_COLUMNS = ("base_rate", "selection_rate", "recall", "false_negative_rate", "false_positive_rate",
                "precision", "false_omission_rate", "roc_auc", "observed_to_expected")
COUNT_COLUMNS = ("n", "positives", "negatives", "selected", "tp", "fp", "fn", "tn")
CONFUSION = ("tp", "fp", "fn", "tn")
DISPARITY_NUMBERS = ("value", "reference_value", "ratio", "ratio_low", "ratio_high",
                     "difference", "difference_low", "difference_high")
CALIBRATION_COUNTS = ("n", "positives", "negatives")
CALIBRATION_NUMBERS = ("mean_score", "observed_rate", "observed_rate_low", "observed_rate_high")
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
    """One row per group and score band: mean score against observed outcome rate (bands holding families)."""
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
    # A group's empty band is kept (withheld when published): leaving it out would show a zero.
    # Only bands holding no family at all (possible with tied scores) are left out.
    return table[np.tile(n.sum(axis=0) > 0, n_groups)].reset_index(drop=True)


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
    numeric = DISPARITY_NUMBERS
    return {
        "overall": group,
        "by_group": group,
        "calibration": {"counts": ("n", "positives", "negatives"),
                        "derived": {"mean_score": ("n",), **{c: ("positives", "negatives") for c in
                                       ("observed_rate", "observed_rate_low", "observed_rate_high")}}},
        "disparities": {"counts": (), "derived": {c: ("min_count",) for c in numeric}, "drop": ("min_count",)},
    }


def _group_masks(table: pd.DataFrame, min_cell_count: int) -> tuple[np.ndarray, np.ndarray]:
    """Group-level and secondary suppression of a by-group table.

    ``withheld``: a confusion cell of the group is below the limit, so every
    confusion-derived figure of the group is hidden. ``secondary``: hidden in full so
    that no hidden count of another group of the same feature follows by subtraction
    from the feature's total (see :func:`secondary_suppression`).
    """
    withheld = (table[list(CONFUSION)].to_numpy(dtype=float) < min_cell_count).any(axis=1)
    secondary = np.zeros(len(table), dtype=bool)
    for idx in table.groupby("feature", sort=False).indices.values():
        part = table.iloc[idx]
        values = {c: part[c].to_numpy(dtype=float) for c in COUNT_COLUMNS}
        hidden = {c: (values[c] < min_cell_count) | (withheld[idx] if c in CONFUSION else False)
                  for c in COUNT_COLUMNS}
        secondary[idx] = secondary_suppression(values, hidden, values["n"], min_cell_count)
    return withheld, secondary


def publish_group_table(table: pd.DataFrame, policy: FairnessPolicy, masks: tuple | None = None
                        ) -> tuple[pd.DataFrame, np.ndarray]:
    """Published copy of a by-group (or overall) table, and which rows are withheld or secondary.

    ``masks`` (withheld, hidden in full) replaces the within-table rules' own masks.
    """
    spec = publish_specs()["by_group"]
    withheld, secondary = _group_masks(table, policy.min_cell_count) if masks is None else masks
    either = withheld | secondary
    hide = {c: (either if c in CONFUSION else secondary) for c in COUNT_COLUMNS}
    hide["mean_score"] = secondary
    hide.update({f"{name}{sfx}": either for name in RATE_COLUMNS for sfx in _SUFFIXES})
    out = publish_table(table, counts=spec["counts"], derived=spec["derived"], min_cell_count=policy.min_cell_count,
                        round_to=policy.round_to, hide=hide, decimals=RATE_DECIMALS)
    return out, either


def publish_disparities(table: pd.DataFrame, hidden_groups: set, policy: FairnessPolicy, level: float) -> pd.DataFrame:
    """Published disparities: no figure for a comparison involving a hidden group (or a small count).

    ``hidden_groups`` holds ``(feature, group)`` pairs whose confusion figures are
    withheld; sentences are rewritten without figures where these are hidden.
    """
    from placerisk.fairness._findings import sentence

    spec = publish_specs()["disparities"]
    mask = np.array([(f, g) in hidden_groups or (f, r) in hidden_groups for f, g, r in
                     zip(table["feature"], table["group"], table["reference_group"], strict=True)], dtype=bool)
    out = publish_table(table, counts=(), derived=spec["derived"], min_cell_count=policy.min_cell_count,
                        round_to=policy.round_to, drop=spec["drop"], hide=dict.fromkeys(DISPARITY_NUMBERS, mask),
                        decimals=RATE_DECIMALS)
    if "sentence" in out.columns:
        out["sentence"] = [sentence(row, policy, level, withheld="ratio" in row["suppressed"])
                           for _, row in out.iterrows()]
    return out


def publish_calibration(table: pd.DataFrame, hidden_groups: set, policy: FairnessPolicy,
                        extra: np.ndarray | None = None) -> pd.DataFrame:
    """Published calibration: a row is hidden in full when any of its counts is small, when its
    group is hidden in full, or (secondary) when another hidden row of the same band (across
    groups) or of the same group (across bands) could otherwise be recovered by subtraction.
    ``extra`` marks further rows to hide (cross-table suppression)."""
    row_hidden = calibration_hidden(table, hidden_groups, policy)
    if extra is not None:
        row_hidden = row_hidden | extra
    spec = publish_specs()["calibration"]
    return publish_table(table, counts=spec["counts"], derived=spec["derived"], min_cell_count=policy.min_cell_count,
                         round_to=policy.round_to, hide=dict.fromkeys((*CALIBRATION_COUNTS, *CALIBRATION_NUMBERS),
                                                                      row_hidden), decimals=RATE_DECIMALS)


def calibration_hidden(table: pd.DataFrame, hidden_groups: set, policy: FairnessPolicy) -> np.ndarray:
    """Calibration rows hidden by the within-table rules (see :func:`publish_calibration`)."""
    limit = policy.min_cell_count
    counts = {c: table[c].to_numpy(dtype=float) for c in CALIBRATION_COUNTS}
    row_hidden = np.zeros(len(table), dtype=bool)
    for c in CALIBRATION_COUNTS:
        row_hidden |= counts[c] < limit
    row_hidden |= np.array([(f, g) in hidden_groups for f, g in zip(table["feature"], table["group"], strict=True)],
                           dtype=bool)
    blocks = [*table.groupby(["feature", "band"], sort=False).indices.values(),
              *table.groupby(["feature", "group"], sort=False).indices.values()]
    changed = True
    while changed:
        changed = False
        for idx in blocks:
            extra = secondary_suppression({c: v[idx] for c, v in counts.items()},
                                          dict.fromkeys(CALIBRATION_COUNTS, row_hidden[idx]), counts["n"][idx], limit)
            if extra.any():
                row_hidden[idx[extra]] = True
                changed = True
    return row_hidden


def publish_all(full: dict[str, pd.DataFrame], policy: FairnessPolicy, level: float,
                links: Links | None = None) -> dict[str, pd.DataFrame]:
    """Every published table from the full ones (the full tables are not modified).

    With ``links`` (from the audit's rows), secondary suppression also holds across the
    tables (:func:`~placerisk.fairness._linked.linked_secondary`); without, within each table only.
    """
    limit = policy.min_cell_count
    keys = list(zip(full["by_group"]["feature"], full["by_group"]["group"], strict=True))
    withheld, secondary = _group_masks(full["by_group"], limit)
    # Calibration rows of a group hidden in full (secondary suppression) are hidden too.
    in_full = {key for key, h in zip(keys, secondary, strict=True) if h}
    cal_extra = None
    if links is not None:
        overall_withheld, _ = _group_masks(full["overall"], limit)
        more_w, more_f, cal_extra = linked_secondary(
            links, np.concatenate([overall_withheld, withheld]), np.concatenate([[False], secondary]),
            calibration_hidden(full["calibration"], in_full, policy), limit)
        withheld, secondary = withheld | more_w[1:], secondary | more_f[1:]
    overall, _ = publish_group_table(full["overall"], policy)
    by_group, group_hidden = publish_group_table(full["by_group"], policy, (withheld, secondary))
    hidden = {key for key, h in zip(keys, group_hidden, strict=True) if h}
    return {
        "overall": overall,
        "by_group": by_group,
        "disparities": publish_disparities(full["disparities"], hidden, policy, level),
        "calibration": publish_calibration(full["calibration"], in_full, policy, cal_extra),
    }
