"""Bias measured against the truth: each group's listed share under the model beside an oracle's lists.

On synthetic data the oracle knows who truly needs help. Formed by the same allocation, an
oracle ranking lists each group in proportion to its real need; the model's lists, learnt from
recorded data, may not. The difference between the two listed-share ratios is the part of a
disparity that the recorded data put there (e.g. recording bias in police contact), which no
comparison with observed outcomes can show, because the observed outcomes come from the same
records.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from placerisk.fairness._inputs import as_frame, encode_features
from placerisk.fairness._policy import FairnessPolicy
from placerisk.fairness._suppression import RATE_DECIMALS, round_count

COLUMNS = ("feature", "group", "reference_group", "families", "listed_model", "listed_oracle", "share_model",
           "share_oracle", "ratio_model", "ratio_oracle", "suppressed")


def _mask(values, n: int, name: str) -> np.ndarray:
    mask = np.asarray(values)
    if mask.dtype != bool or mask.shape != (n,):
        raise ValueError(f"{name} must be {n} true/false values, one per row; got {mask.dtype} of shape {mask.shape}.")
    return mask


def oracle_comparison(sensitive_features, model_listed, oracle_listed, *, policy: FairnessPolicy | None = None,
                      intersections=()) -> pd.DataFrame:
    """Per group: families, listed by the model and by the oracle, each group's listed share and its ratio to the
    reference group's (the largest, unless the policy names one).

    Unpublished figures; see :func:`publish_oracle_comparison`.
    """
    policy = FairnessPolicy() if policy is None else policy
    frame = as_frame(sensitive_features, len(np.asarray(model_listed)))
    n = len(frame)
    model, oracle = _mask(model_listed, n, "model_listed"), _mask(oracle_listed, n, "oracle_listed")
    rows = []
    for feature in encode_features(frame, n, intersections):
        if len(feature.labels) < 2:
            continue
        size = feature.counts
        by_model = np.bincount(feature.codes, weights=model, minlength=size.size)
        by_oracle = np.bincount(feature.codes, weights=oracle, minlength=size.size)
        wanted = policy.reference_for(feature.name)
        ref = feature.labels.index(wanted) if wanted in feature.labels else int(np.argmax(size))
        with np.errstate(divide="ignore", invalid="ignore"):
            share_m, share_o = by_model / size, by_oracle / size
            ratio_m, ratio_o = share_m / share_m[ref], share_o / share_o[ref]
        for g, label in enumerate(feature.labels):
            rows.append({"feature": feature.name, "group": label, "reference_group": feature.labels[ref],
                         "families": int(size[g]), "listed_model": int(by_model[g]), "listed_oracle": int(by_oracle[g]),
                         "share_model": share_m[g], "share_oracle": share_o[g], "ratio_model": ratio_m[g],
                         "ratio_oracle": ratio_o[g], "suppressed": ()})
    return pd.DataFrame(rows, columns=list(COLUMNS))


def publish_oracle_comparison(table: pd.DataFrame, policy: FairnessPolicy) -> pd.DataFrame:
    """Counts rounded to ``round_to``; a group whose families, listed or unlisted counts (by either list) fall below
    ``min_cell_count`` is withheld in full, and so is every ratio that rests on a withheld reference group."""
    out = table.copy()
    limit = policy.min_cell_count
    small = np.zeros(len(out), dtype=bool)
    for col in ("listed_model", "listed_oracle"):
        small |= (out[col] < limit).to_numpy() | ((out["families"] - out[col]) < limit).to_numpy()
    small |= (out["families"] < limit).to_numpy()
    hidden_ref = {(f, g) for f, g, s in zip(out["feature"], out["group"], small, strict=True) if s}
    ref_hidden = np.array([(f, r) in hidden_ref for f, r in zip(out["feature"], out["reference_group"], strict=True)])
    numbers = ["families", "listed_model", "listed_oracle", "share_model", "share_oracle", "ratio_model", "ratio_oracle"]
    suppressed = []
    for i in range(len(out)):
        if small[i]:
            suppressed.append(tuple(numbers))
        elif ref_hidden[i]:
            suppressed.append(("ratio_model", "ratio_oracle"))
        else:
            suppressed.append(())
    out["suppressed"] = suppressed
    for col in ("families", "listed_model", "listed_oracle"):
        out[col] = round_count(out[col], policy.round_to)
    for col in ("share_model", "share_oracle", "ratio_model", "ratio_oracle"):
        out[col] = out[col].astype(float).round(RATE_DECIMALS)
    for i, cols in enumerate(suppressed):
        for col in cols:
            out.loc[out.index[i], col] = np.nan
    return out


def describe_oracle_rows(table: pd.DataFrame, names: Mapping | None = None) -> list[str]:
    """Sentences for the groups whose model ratio differs most from the oracle's (published figures only)."""
    usable = table[table["ratio_model"].notna() & table["ratio_oracle"].notna() & (table["group"] != table["reference_group"])]
    if usable.empty:
        return []
    gap = (np.log(usable["ratio_model"].clip(lower=1e-9)) - np.log(usable["ratio_oracle"].clip(lower=1e-9))).abs()
    out = []
    for _, r in usable.loc[gap.sort_values(ascending=False).index[:3]].iterrows():
        who = (names or {}).get(r["feature"], {}).get(r["group"]) or f"group {r['group']} ({r['feature']})"
        out.append(f"{who}: listed {r['ratio_model']:.2f} times as often as group {r['reference_group']} by the model, "
                   f"{r['ratio_oracle']:.2f} times by the oracle's lists.")
    return out
