"""Rule baselines a council analyst would use, as scikit-learn classifiers.

They rank families; their "probabilities" are only a monotone squashing of the
rule's score, so they go through the same calibration as every other candidate.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted


def _squash(score: np.ndarray) -> np.ndarray:
    """A strictly increasing map of any real score into (0, 1) that never saturates to a tie."""
    return 0.5 + 0.5 * score / (1.0 + np.abs(score))


def _columns(X) -> list[str]:
    if not hasattr(X, "columns"):
        raise TypeError(f"X: got {type(X).__name__}; expected a pandas DataFrame with named feature columns")
    return [str(c) for c in X.columns]


class _RankingBaseline(ClassifierMixin, BaseEstimator):
    """A baseline that only ranks: probabilities squash ``decision_function``; a positive score predicts 1."""

    def predict_proba(self, X) -> np.ndarray:
        p = _squash(self.decision_function(X))
        return np.column_stack([1.0 - p, p])

    def predict(self, X) -> np.ndarray:
        return (self.decision_function(X) > 0).astype(int)


class RuleScore(_RankingBaseline):
    """Score = the sum of the named feature columns (e.g. violence events in the last 12 months).

    Parameters
    ----------
    columns : sequence of str
        Feature columns to add up.
    tiebreak : sequence of str, default=()
        Columns added with a tiny weight, so families level on the rule are
        ordered by them (e.g. the 24-month count), not by chance.
    """

    def __init__(self, columns=(), tiebreak=()):
        self.columns = columns
        self.tiebreak = tiebreak

    def fit(self, X, y=None):
        names = _columns(X)
        missing = [c for c in (*self.columns, *self.tiebreak) if c not in names]
        if not self.columns or missing:
            raise ValueError(f"The 'columns' parameter of RuleScore must name feature columns; got {list(self.columns)} (missing: {missing})")
        self.feature_names_in_ = np.asarray(names, dtype=object)
        self.classes_ = np.array([0, 1])
        self.n_features_in_ = len(names)
        return self

    def decision_function(self, X) -> np.ndarray:
        check_is_fitted(self, "feature_names_in_")
        score = X[list(self.columns)].to_numpy(dtype=np.float64).sum(axis=1)
        if self.tiebreak:
            extra = X[list(self.tiebreak)].to_numpy(dtype=np.float64).sum(axis=1)
            score = score + 1e-6 * extra / (1.0 + np.abs(extra))
        return score


class BestSingleFeature(_RankingBaseline):
    """Rank by the one feature that best separates the classes in the training data (by ROC AUC).

    A generic baseline for any feature table; the direction (higher or lower
    is riskier) is learnt too. ``max_rows`` training rows are used, sampled
    with ``random_state``.
    """

    def __init__(self, max_rows=200_000, random_state=None):
        self.max_rows = max_rows
        self.random_state = random_state

    def fit(self, X, y):
        from sklearn.metrics import roc_auc_score

        names = _columns(X)
        y = np.asarray(y)
        if len(np.unique(y)) != 2:
            raise ValueError(f"y: got classes {np.unique(y).tolist()}; expected both 0 and 1")
        rows = np.arange(len(y))
        if len(rows) > self.max_rows:
            rows = np.sort(np.random.default_rng(self.random_state).choice(rows, self.max_rows, replace=False))
        values = X.iloc[rows].to_numpy(dtype=np.float64)  # sample first: never a float64 copy of all of X
        aucs = np.array([roc_auc_score(y[rows], values[:, j]) if np.ptp(values[:, j]) > 0 else 0.5 for j in range(values.shape[1])])
        strength = np.abs(aucs - 0.5)
        self.column_index_ = int(np.argmax(strength))  # first column among equals: deterministic
        self.column_ = names[self.column_index_]
        self.sign_ = 1.0 if aucs[self.column_index_] >= 0.5 else -1.0
        self.training_auc_ = float(max(aucs[self.column_index_], 1 - aucs[self.column_index_]))
        self.feature_names_in_ = np.asarray(names, dtype=object)
        self.classes_ = np.array([0, 1])
        self.n_features_in_ = len(names)
        return self

    def decision_function(self, X) -> np.ndarray:
        check_is_fitted(self, "column_")
        return self.sign_ * X[self.column_].to_numpy(dtype=np.float64)
