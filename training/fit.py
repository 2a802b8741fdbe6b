"""Fit one candidate on a split: grid and early stopping on a validation part of the training window, calibration later.

The validation part is a fixed share of the training window's *families* (all their training
rows), chosen by a salted hash of the family id: a family is wholly in it or wholly out of it,
on every snapshot and in every split, so no outcome event is shared between the rows that fit
and the rows that judge the fit. Each grid point is fitted on the other families, stopped early
and scored on the validation part; the best point is refitted on every training row (LightGBM
with the number of rounds early stopping found). The calibration snapshot then fits the
calibrator and nothing else; the test snapshot is never seen.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score

from placerisk.models import fit_calibrator
from placerisk.training.candidates import CandidateSpec, params_key

SELECTION_METRICS = {"average_precision": average_precision_score, "roc_auc": roc_auc_score}
EARLY_STOPPING_ROUNDS = 50
VALIDATION_SHARE = 0.2


def validation_families(family_id, share: float = VALIDATION_SHARE, random_state: int = 0) -> np.ndarray:
    """True for the rows whose family is in the validation part (about ``share`` of the families).

    A family's membership depends only on its id and ``random_state`` (a salted BLAKE2 hash),
    not on which other rows are present, so it is the same on every snapshot, split and rerun.
    """
    if not 0 < share < 1:
        raise ValueError(f"validation share: got {share}; expected a number between 0 and 1, e.g. 0.2")
    ids, row = np.unique(np.asarray(family_id).astype(str), return_inverse=True)
    salt = f"placerisk-validation:{random_state}:".encode()
    cut = int(share * 2**64)
    held = np.array([int.from_bytes(hashlib.blake2b(salt + i.encode(), digest_size=8).digest(), "big") < cut for i in ids], dtype=bool)
    return held[row] if len(ids) else np.zeros(0, dtype=bool)


@dataclass
class FittedCandidate:
    spec: CandidateSpec
    params: dict
    estimator: object
    calibrator: object
    search: list[dict] = field(default_factory=list)   # {"params": key, "score": on the validation part[, "trees": rounds]}
    trees: int | None = None                            # LightGBM: boosting rounds of ``estimator``


def _fit(spec: CandidateSpec, params: dict, X: pd.DataFrame, y: np.ndarray, X_val, y_val, *, random_state: int, n_jobs):
    """Fit ``params`` on ``X, y``; LightGBM stops early on ``X_val, y_val``."""
    estimator = spec.build(params, random_state=random_state, n_jobs=n_jobs)
    if spec.kind == "lightgbm":
        import lightgbm as lgb

        estimator.fit(X, y, eval_X=(X_val,), eval_y=(y_val,), callbacks=[lgb.early_stopping(EARLY_STOPPING_ROUNDS, verbose=False)])
    else:
        estimator.fit(X, y)
    return estimator


def _refit(spec: CandidateSpec, params: dict, X: pd.DataFrame, y: np.ndarray, trees: int | None, *, random_state: int, n_jobs):
    """Fit ``params`` on every training row; LightGBM for exactly ``trees`` rounds (no early stopping)."""
    point = {**params, "n_estimators": trees} if spec.kind == "lightgbm" else params
    return spec.build(point, random_state=random_state, n_jobs=n_jobs).fit(X, y)


def _check_validation(validation, n: int) -> np.ndarray:
    validation = np.asarray(validation)
    if validation.dtype != bool or validation.shape != (n,):
        raise ValueError(f"validation: got {validation.dtype} of shape {validation.shape}; "
                         f"expected a boolean mask of shape ({n},), one per training row")
    return validation


def fit_candidate(
    spec: CandidateSpec,
    X: pd.DataFrame,
    y: np.ndarray,
    X_cal: pd.DataFrame,
    y_cal: np.ndarray,
    *,
    validation: np.ndarray,
    calibration: str = "isotonic",
    select_by: str = "average_precision",
    random_state: int = 0,
    n_jobs: int | None = None,
    params: dict | None = None,
) -> FittedCandidate:
    """Choose the grid point (or take ``params``) on the validation part, refit it on ``X, y``, calibrate on ``X_cal, y_cal``.

    Parameters
    ----------
    X, y : DataFrame, ndarray
        The training window's rows.
    X_cal, y_cal : DataFrame, ndarray
        The calibration snapshot: used only to fit the calibrator.
    validation : ndarray of bool, one per row of ``X``
        The validation part (``validation_families``). Every grid point is fitted on the other
        rows, LightGBM stops early on it, and the point with the best ``select_by`` there wins
        (first of equals). With one point and nothing to stop early, it is simply fitted on ``X``.

    Returns
    -------
    FittedCandidate
        ``params`` (the point), ``estimator`` (refitted on every row of ``X``; LightGBM for
        ``trees`` rounds), ``calibrator`` and ``search`` (one entry per point tried).
    """
    if select_by not in SELECTION_METRICS:
        raise ValueError(f"select_by: got {select_by!r}; expected one of {sorted(SELECTION_METRICS)}")
    validation = _check_validation(validation, len(X))
    for part, rows in (("fitting", ~validation), ("validation", validation)):
        if len(np.unique(y[rows])) != 2:
            raise ValueError(f"{part} part of the training rows: got classes {np.unique(y[rows]).tolist()} in {int(rows.sum())} rows; "
                             "expected both 0 and 1 (add families or snapshots)")
    metric = SELECTION_METRICS[select_by]
    X_fit, y_fit, X_val, y_val = X[~validation], y[~validation], X[validation], y[validation]
    grid = [params] if params is not None else list(spec.grid)
    if len(grid) == 1 and spec.kind != "lightgbm":  # nothing to choose or stop: no fit on the other families needed
        estimator = _refit(spec, grid[0], X, y, None, random_state=random_state, n_jobs=n_jobs)
        search = [{"params": params_key(grid[0]), "score": float("nan")}]
        return FittedCandidate(spec, grid[0], estimator, fit_calibrator(estimator, X_cal, y_cal, calibration), search)
    best, best_score, search = None, -np.inf, []
    for point in grid:
        estimator = _fit(spec, point, X_fit, y_fit, X_val, y_val, random_state=random_state, n_jobs=n_jobs)
        score = float(metric(y_val, estimator.predict_proba(X_val)[:, 1])) if len(grid) > 1 else float("nan")
        entry = {"params": params_key(point), "score": score}
        if spec.kind == "lightgbm":
            entry["trees"] = int(estimator.best_iteration_ or estimator.n_estimators)
        search.append(entry)
        if best is None or score > best_score:  # first of equals wins: deterministic
            best, best_score = (point, entry.get("trees")), score
    point, trees = best
    estimator = _refit(spec, point, X, y, trees, random_state=random_state, n_jobs=n_jobs)
    return FittedCandidate(spec, point, estimator, fit_calibrator(estimator, X_cal, y_cal, calibration), search, trees)


def best_params(spec: CandidateSpec, searches: list[list[dict]]) -> dict:
    """The grid point with the best mean validation-part score over the splits (first of equals)."""
    if len(spec.grid) == 1:
        return spec.grid[0]
    means = [np.nanmean([s[i]["score"] for s in searches]) for i in range(len(spec.grid))]
    return spec.grid[int(np.argmax(means))]
