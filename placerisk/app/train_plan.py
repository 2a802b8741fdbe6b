"""The plan of a training run: which candidates compete, and on which splits in time."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

import numpy as np

from placerisk.config import Config
from placerisk.errors import UserError
from placerisk.features import OutcomeSpec
from placerisk.features.cohort import add_months
from placerisk.training import CandidateSpec, Split, check_split, final_split, rolling_origin


def candidates(config: Config, feature_names: list[str]) -> list[CandidateSpec]:
    """The configured rule baselines (those whose columns exist), the best single feature and the learnt candidates."""
    t = config.training
    specs = []
    for name, rule in t.baselines.items():
        missing = [c for c in (*rule.features, *rule.tiebreak) if c not in feature_names]
        if missing:
            if len(feature_names) and all("__" in c for c in feature_names):
                raise UserError(f"training.baselines.{name}: feature(s) {missing} are not built; expected names such as {feature_names[:2]}")
            continue  # a table without these columns: the rule does not apply
        specs.append(CandidateSpec(f"rule: {name}", "rule", rule.description, ({"columns": rule.features, "tiebreak": rule.tiebreak},)))
    if t.best_single_feature:
        specs.append(CandidateSpec("best single feature", "best_single_feature", "The one feature that best ranks the training rows"))
    if t.logistic:
        specs.append(CandidateSpec("logistic regression", "logistic", "L2-regularised logistic regression", tuple(t.logistic)))
    if t.lightgbm:
        specs.append(CandidateSpec("lightgbm", "lightgbm", "Gradient-boosted trees (LightGBM)", tuple(t.lightgbm)))
    return specs


def holdout_by_id(assembled):
    """Without a time column: 60/20/20 train/calibrate/test by a hash of the id (never temporal; said so).

    Returns the rows with a part code in place of the date, the split and the final fit."""
    data = assembled.data
    bucket = np.array([int(hashlib.sha256(i.encode()).hexdigest()[:8], 16) % 10 for i in data.family_id])
    days = np.where(bucket < 6, 0, np.where(bucket < 8, 1, 2)).astype("datetime64[D]")
    d0, d1, d2 = (dt.date(1970, 1, 1) + dt.timedelta(days=i) for i in range(3))
    parted = dataclasses.replace(assembled, data=dataclasses.replace(data, as_of_date=days), dates=[d0, d1, d2])
    return parted, [Split("holdout", (d0,), d1, d2)], Split("final", (d0, d2), d1, None)


def splits(config: Config, assembled, temporal: bool, outcome: OutcomeSpec):
    """``(assembled, test splits, final fit)``: rolling-origin in time, else the id holdout."""
    if not temporal:
        return holdout_by_id(assembled)
    if len(assembled.dates) < 3:
        raise UserError(f"got {len(assembled.dates)} snapshot date(s); expected at least 3 for a temporal validation "
                        "(older ones to train, a later one to calibrate, a later one still to test)")
    plan = rolling_origin(assembled.dates, n_splits=min(config.training.splits, len(assembled.dates) - 2), label_known=outcome.label_complete)
    final = final_split(assembled.dates, label_known=outcome.label_complete, data_end=assembled.data_end)
    for s in plan:
        check_split(s, lambda d: add_months(d, outcome.horizon_months) + dt.timedelta(days=outcome.recording_allowance_days))
    return assembled, plan, final
