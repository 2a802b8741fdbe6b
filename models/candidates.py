"""The learnt candidates: a regularised logistic regression and LightGBM, each one scikit-learn estimator."""

from __future__ import annotations

import os

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

LIGHTGBM_DEFAULTS = {
    "objective": "binary",
    "n_estimators": 600,
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_child_samples": 200,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.5,
    "reg_lambda": 1.0,
    "max_bin": 63,
}

LIGHTGBM_EXTRA = {"min_split_gain", "reg_alpha", "max_depth", "min_child_weight"}  # accepted, left at LightGBM's defaults


def signed_log1p(X):
    """sign(x) * log(1 + |x|): tames skewed counts and day gaps, keeps negative trends negative."""
    X = np.asarray(X)
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    out = np.abs(X)                  # one new array, in X's float type
    np.log1p(out, out=out)
    np.copysign(out, X, out=out)
    return out


def logistic_regression(C: float = 1.0, *, max_iter: int = 2000) -> Pipeline:
    """L2-regularised logistic regression on signed-log, standardised features."""
    return Pipeline(
        [
            ("signed_log", FunctionTransformer(signed_log1p, feature_names_out="one-to-one")),
            ("scale", StandardScaler()),
            ("model", LogisticRegression(C=C, max_iter=max_iter)),
        ]
    )


def lightgbm_classifier(*, random_state: int, n_jobs: int | None = None, **params):
    """A deterministic LightGBM classifier: ``LIGHTGBM_DEFAULTS`` overlaid with ``params``."""
    from lightgbm import LGBMClassifier

    unknown = set(params) - set(LIGHTGBM_DEFAULTS) - LIGHTGBM_EXTRA
    if unknown:
        raise ValueError(f"lightgbm parameters: got {sorted(unknown)}; expected some of {sorted(set(LIGHTGBM_DEFAULTS) | LIGHTGBM_EXTRA)}")
    merged = {**LIGHTGBM_DEFAULTS, **params}
    return LGBMClassifier(**merged, random_state=random_state, n_jobs=n_jobs or os.cpu_count() or 1, deterministic=True, force_row_wise=True, verbose=-1)
