"""Per-family reasons: how much each feature pushed a score up, for each kind of estimator.

Contributions are on the estimator's own scale (log-odds for LightGBM and the
logistic regression, event counts for a rule) and relative to an average
family, so only their order and sign are shown to practitioners.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from placerisk.models.baselines import BestSingleFeature, RuleScore


def contributions(estimator, X: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``X`` by features: each feature's contribution to the row's score.

    Explain only the rows you need: LightGBM's exact contributions cost about
    90 times a prediction.
    """
    name = type(estimator).__name__
    if name == "LGBMClassifier":
        raw = estimator.booster_.predict(X.to_numpy(dtype=np.float64), pred_contrib=True)
        values = raw[:, : X.shape[1]]  # the last column is the expected value
    elif isinstance(estimator, Pipeline):
        transformed = estimator[:-1].transform(X)
        values = np.asarray(transformed) * estimator[-1].coef_[0]
    elif isinstance(estimator, RuleScore):
        values = np.zeros(X.shape, dtype=np.float64)
        for c in estimator.columns:
            values[:, X.columns.get_loc(c)] = X[c].to_numpy(dtype=np.float64)
    elif isinstance(estimator, BestSingleFeature):
        values = np.zeros(X.shape, dtype=np.float64)
        values[:, estimator.column_index_] = estimator.decision_function(X)
    else:
        raise TypeError(f"estimator: got {name}; expected LightGBM, a logistic-regression Pipeline or a rule baseline")
    return pd.DataFrame(values, index=X.index, columns=X.columns)


def top_reasons(contrib: pd.DataFrame, X: pd.DataFrame, descriptions: dict[str, str], top: int = 3) -> pd.DataFrame:
    """Long table: ``row`` (position in ``X``), ``rank``, ``feature``, ``description``, ``value``, ``contribution``.

    Only features that pushed the score up are listed; ties go to the earlier feature.
    """
    values = contrib.to_numpy()
    order = np.argsort(-values, axis=1, kind="stable")[:, :top]
    rows = []
    for i in range(values.shape[0]):
        for r, j in enumerate(order[i], start=1):
            if values[i, j] <= 0:
                break
            feature = contrib.columns[j]
            rows.append((i, r, feature, descriptions.get(feature, feature), float(X.iat[i, j]), float(values[i, j])))
    return pd.DataFrame(rows, columns=["row", "rank", "feature", "description", "value", "contribution"])
