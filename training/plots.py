"""Figures logged with each run: precision at k, calibration and feature importance (no row-level data)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from placerisk.training.data import TrainingData
from placerisk.training.metrics import calibration_curve, ranking
from placerisk.training.pipeline import TrainingResult


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def precision_at_k_curve(result: TrainingResult, data: TrainingData, split: int, k: int):
    """Precision among the top k, for k from 10 to 5% of the test snapshot, every candidate (and the oracle)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    first = result.candidates[0].predictions[split].rows
    ks = np.unique(np.geomspace(10, max(20, int(0.05 * len(first))), 40).astype(int))

    def curve(rows, score):
        hits = data.y[rows][ranking(score, data.family_id[rows])]
        return np.cumsum(hits)[ks - 1] / ks

    for c in result.candidates:
        p = c.predictions[split]
        ax.plot(ks, curve(p.rows, p.rank_score), ls="--" if c.spec.is_baseline else "-", label=c.spec.name)
    if data.oracle is not None:
        ax.plot(ks, curve(first, data.oracle[first]), color="black", lw=1, label="oracle (true probability)")
    ax.axvline(k, color="grey", lw=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("families on the list (k)")
    ax.set_ylabel("precision at k")
    ax.set_title(f"{result.splits[split].name}: test {result.splits[split].part('test')}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def calibration_plot(result: TrainingResult, data: TrainingData, name: str):
    """Mean calibrated probability against the observed rate, per test split."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 5))
    c = result.result(name)
    top = 0.0
    for split, p in zip(result.splits, c.predictions, strict=True):
        mean_p, observed = calibration_curve(data.y[p.rows], p.probability, n_bins=20)
        ax.plot(mean_p, observed, marker="o", ms=3, label=str(split.test_date))
        top = max(top, mean_p.max(), observed.max())
    ax.plot([0, top], [0, top], color="grey", lw=0.8)
    ax.set_xlabel("mean calibrated probability (20 equal-size bins)")
    ax.set_ylabel("observed rate")
    ax.set_title(f"calibration: {name}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def importance(model, top: int = 20) -> pd.DataFrame:
    """Feature importance of a fitted model: LightGBM gain, |coefficient| on standardised inputs, or rule weights."""
    est = model.estimator
    names = list(model.feature_names)
    kind = type(est).__name__
    if kind == "LGBMClassifier":
        values = est.booster_.feature_importance(importance_type="gain")
    elif hasattr(est, "steps"):
        values = np.abs(est[-1].coef_[0])
    elif hasattr(est, "columns"):
        values = np.array([1.0 if n in est.columns else 0.0 for n in names])
    else:
        values = np.array([1.0 if n == est.column_ else 0.0 for n in names])
    frame = pd.DataFrame({"feature": names, "importance": values.astype(float)})
    frame["description"] = frame["feature"].map(model.descriptions).fillna(frame["feature"])
    return frame.sort_values("importance", ascending=False, kind="stable").head(top).reset_index(drop=True)


def importance_plot(table: pd.DataFrame, title: str):
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 0.3 * len(table) + 1))
    ax.barh(table["feature"][::-1], table["importance"][::-1])
    ax.set_title(title)
    ax.tick_params(axis="y", labelsize=7)
    fig.tight_layout()
    return fig
