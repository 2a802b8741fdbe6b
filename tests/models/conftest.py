"""A small synthetic feature table with a known direction per feature, and fitted models on it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from placerisk.models import (
    RiskModel,
    fit_calibrator,
    lightgbm_classifier,
    logistic_regression,
    ventile_edges,
)

TINY_LGBM = {"n_estimators": 30, "num_leaves": 7, "min_child_samples": 20, "learning_rate": 0.1}


def make_xy(n: int = 3000, seed: int = 0):
    """Counts that raise risk, a day gap that lowers it, and pure noise."""
    rng = np.random.default_rng(seed)
    v12 = rng.poisson(0.6, n)
    X = pd.DataFrame(
        {
            "violence_12m": v12,
            "violence_24m": v12 + rng.poisson(0.5, n),
            "contacts": rng.poisson(2.0, n),
            "days_since_contact": rng.uniform(0, 1000, n),
            "noise": rng.normal(size=n),
        }
    )
    logit = -2.0 + 0.9 * X["violence_12m"] + 0.25 * X["contacts"] - 0.002 * X["days_since_contact"]
    y = (rng.random(n) < 1 / (1 + np.exp(-logit.to_numpy()))).astype(int)
    return X, y


def bundle(estimator, X_cal, y_cal, name="m", **kwargs) -> RiskModel:
    calibrator = fit_calibrator(estimator, X_cal, y_cal)
    edges = ventile_edges(estimator.predict_proba(X_cal)[:, 1])
    return RiskModel(name, estimator, calibrator, tuple(X_cal.columns), edges, **kwargs)


@pytest.fixture(scope="session")
def train_cal():
    X, y = make_xy(4000)
    return X.iloc[:2000], y[:2000], X.iloc[2000:].reset_index(drop=True), y[2000:]


@pytest.fixture(scope="session")
def logistic_model(train_cal):
    X, y, X_cal, y_cal = train_cal
    return bundle(logistic_regression().fit(X, y), X_cal, y_cal, name="logistic", descriptions={"violence_12m": "Violence, last 12 months"})


@pytest.fixture(scope="session")
def lgbm(train_cal):
    X, y, _, _ = train_cal
    return lightgbm_classifier(random_state=0, n_jobs=1, **TINY_LGBM).fit(X, y)
