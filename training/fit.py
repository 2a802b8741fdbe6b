"""Fit one candidate on a split: search its grid on the calibration snapshot, then calibrate there."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score

from placerisk.models import fit_calibrator
from placerisk.training.candidates import CandidateSpec, params_key

SELECTION_METRICS = {"average_precision": average_precision_score, "roc_auc": roc_auc_score}
EARLY_STOPPING_ROUNDS = 50


@dataclass
class FittedCandidate:
    spec: CandidateSpec
    params: dict
    estimator: object
    calibrator: object
    search: list[dict] = field(default_factory=list)   # {"params": key, "score": selection metric on calibration data}


def _fit(spec: CandidateSpec, params: dict, X: pd.DataFrame, y: np.ndarray, X_cal, y_cal, *, random_state: int, n_jobs):
    estimator = spec.build(params, random_state=random_state, n_jobs=n_jobs)
    if spec.kind == "lightgbm":
        import lightgbm as lgb

        estimator.fit(X, y, eval_X=(X_cal,), eval_y=(y_cal,), callbacks=[lgb.early_stopping(EARLY_STOPPING_ROUNDS, verbose=False)])
    else:
        estimator.fit(X, y)
    return estimator


def fit_candidate(
    spec: CandidateSpec,
    X: pd.DataFrame,
    y: np.ndarray,
    X_cal: pd.DataFrame,
    y_cal: np.ndarray,
    *,
    calibration: str = "isotonic",
    select_by: str = "average_precision",
    random_state: int = 0,
    n_jobs: int | None = None,
    params: dict | None = None,
) -> FittedCandidate:
    """Fit every grid point on ``X, y`` (or only ``params``), keep the best on the calibration data, calibrate it there.

    LightGBM stops early on the calibration data too; the test snapshot is never seen.
    """
    if select_by not in SELECTION_METRICS:
        raise ValueError(f"select_by: got {select_by!r}; expected one of {sorted(SELECTION_METRICS)}")
    metric = SELECTION_METRICS[select_by]
    grid = [params] if params is not None else list(spec.grid)
    best, best_score, best_params, search = None, -np.inf, None, []
    for point in grid:
        estimator = _fit(spec, point, X, y, X_cal, y_cal, random_state=random_state, n_jobs=n_jobs)
        score = float(metric(y_cal, estimator.predict_proba(X_cal)[:, 1])) if len(grid) > 1 else float("nan")
        entry = {"params": params_key(point), "score": score}
        if spec.kind == "lightgbm":
            entry["trees"] = int(estimator.best_iteration_ or estimator.n_estimators)
        search.append(entry)
        if best is None or score > best_score:  # first of equals wins: deterministic
            best, best_score, best_params = estimator, score, point
    return FittedCandidate(spec, best_params, best, fit_calibrator(best, X_cal, y_cal, calibration), search)


def best_params(spec: CandidateSpec, searches: list[list[dict]]) -> dict:
    """The grid point with the best mean calibration score over the splits (first of equals)."""
    if len(spec.grid) == 1:
        return spec.grid[0]
    means = [np.nanmean([s[i]["score"] for s in searches]) for i in range(len(spec.grid))]
    return spec.grid[int(np.argmax(means))]
