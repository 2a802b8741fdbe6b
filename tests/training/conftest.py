"""Small synthetic training tables: one row per (family, quarterly as-of date), a few informative features."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from placerisk.features.cohort import OutcomeSpec
from placerisk.training import (
    CandidateSpec,
    TrainingData,
    final_split,
    rolling_origin,
    snapshot_dates,
)

# Six quarterly snapshots and a 3-month outcome with no recording allowance, so that two
# rolling-origin splits fit: split 1 tests 2023-10-01, split 2 tests 2024-01-01.
DATES = snapshot_dates(dt.date(2024, 1, 1), 6, 3)
OUTCOME = OutcomeSpec(events=("x",), horizon_months=3, recording_allowance_days=0)
DATA_END = dt.date(2024, 3, 31)
FEATURES = ["violence_12m", "violence_24m", "contacts", "days_since_contact", "noise"]


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def make_frames(n_families: int = 500, dates=DATES, seed: int = 0, informative_dates=None):
    """(X, meta, oracle). ``informative_dates``: the dates whose label depends on the features (default all);
    on the other dates the label is a coin with the same base rate, unrelated to any feature."""
    rng = np.random.default_rng(seed)
    informative = set(dates if informative_dates is None else informative_dates)
    parts = []
    for d in dates:
        n = n_families
        v12 = rng.poisson(0.6, n)
        frame = pd.DataFrame(
            {
                "violence_12m": v12,
                "violence_24m": v12 + rng.poisson(0.5, n),
                "contacts": rng.poisson(2.0, n),
                "days_since_contact": rng.uniform(0, 1000, n).round(),
                "noise": rng.normal(size=n),
            }
        )
        logit = -2.4 + 0.9 * frame["violence_12m"] + 0.25 * frame["contacts"] - 0.0012 * frame["days_since_contact"]
        p = sigmoid(logit.to_numpy()) if d in informative else np.full(n, 0.2)
        frame["label"] = (rng.random(n) < p).astype(float)
        frame["oracle"] = p
        frame["family_id"] = [f"F{i:05d}" for i in range(n)]
        frame["as_of_date"] = pd.Timestamp(d)
        parts.append(frame)
    table = pd.concat(parts, ignore_index=True)
    return table[FEATURES], table[["family_id", "as_of_date", "label"]], table["oracle"]


def make_data(**kwargs) -> TrainingData:
    X, meta, oracle = make_frames(**kwargs)
    return TrainingData.from_frames(X, meta, oracle=oracle)


def make_splits(dates=DATES):
    splits = rolling_origin(dates, n_splits=2, label_known=OUTCOME.label_complete)
    return splits, final_split(dates, label_known=OUTCOME.label_complete, data_end=DATA_END)


RULE = CandidateSpec("rule_violence", "rule", "Violence in the last 12 months", grid=({"columns": ["violence_12m"], "tiebreak": ["violence_24m"]},))
LOGISTIC = CandidateSpec("logistic", "logistic", grid=({"C": 0.01}, {"C": 1.0}))
LIGHTGBM = CandidateSpec(
    "lightgbm", "lightgbm", grid=({"n_estimators": 30, "num_leaves": 7, "min_child_samples": 20, "learning_rate": 0.1},)
)
CANDIDATES = (RULE, LOGISTIC, LIGHTGBM)
