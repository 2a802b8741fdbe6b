"""Proxy check: which model inputs carry information about each sensitive feature."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from placerisk.fairness._inputs import as_frame, encode_column

BAD_X = "X must be a pandas DataFrame of model inputs; got {got}."
BAD_X_ROWS = "X has {got} rows; expected {expected} (the rows of sensitive_features)."
BAD_TOP = "top must be a positive integer; got {got!r}."


@dataclass(frozen=True)
class ProxyResult:
    """Result of :func:`proxy_check`.

    Attributes
    ----------
    associations : DataFrame
        Top inputs per sensitive feature: ``feature``, ``rank``, ``input``, ``measure``
        ("correlation ratio" for numeric inputs, "Cramér's V" otherwise) and
        ``strength`` in [0, 1] (0: no association; 1: the input determines the group).
    combined : DataFrame
        Per sensitive feature: cross-validated balanced accuracy of a small model
        predicting it from all inputs, against chance (1 / number of groups).
    method : dict
        Rows used, seed, model and folds.
    """

    associations: pd.DataFrame
    combined: pd.DataFrame
    method: dict


def _numeric_strength(values: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Correlation ratio (eta) of each numeric column with the group, NaNs ignored."""
    valid = ~np.isnan(values)
    x = np.where(valid, values, 0.0)
    onehot = np.zeros((codes.size, n_groups))
    onehot[np.arange(codes.size), codes] = 1.0
    n_g = onehot.T @ valid          # (groups, inputs)
    s_g = onehot.T @ x
    n = n_g.sum(axis=0)
    total = s_g.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ss_total = (x * x).sum(axis=0) - total**2 / n
        ss_between = np.where(n_g > 0, s_g**2 / np.where(n_g > 0, n_g, 1), 0).sum(axis=0) - total**2 / n
        eta2 = np.where(ss_total > 1e-12 * np.maximum(n, 1), ss_between / ss_total, 0.0)
    return np.sqrt(np.clip(eta2, 0, 1))


def _cramers_v(values: pd.Series, codes: np.ndarray, n_groups: int) -> float:
    other = encode_column(values, "input").codes
    n_other = int(other.max()) + 1
    table = np.bincount(other * n_groups + codes, minlength=n_other * n_groups).reshape(n_other, n_groups)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if min(table.shape) < 2:
        return 0.0
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / table.sum()
    chi2 = ((table - expected) ** 2 / expected).sum()
    return float(np.sqrt(chi2 / table.sum() / (min(table.shape) - 1)))


def _model_matrix(X: pd.DataFrame) -> np.ndarray:
    cols = []
    for name in X.columns:
        col = X[name]
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            cols.append(col.to_numpy(dtype=float, na_value=np.nan))
        else:
            codes = encode_column(col, name).codes.astype(float)
            cols.append(codes)
    return np.column_stack(cols)


def _combined(matrix: np.ndarray, codes: np.ndarray, labels, cv: int, seed: int) -> tuple[float, int]:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from threadpoolctl import threadpool_limits

    counts = np.bincount(codes, minlength=len(labels))
    keep = counts[codes] >= 2 * cv  # groups too rare to split are left out of this check
    if np.unique(codes[keep]).size < 2:
        return float("nan"), int(np.unique(codes[keep]).size)
    model = HistGradientBoostingClassifier(max_iter=20, max_depth=3, learning_rate=0.3,
                                           early_stopping=False, random_state=seed)
    folds = StratifiedKFold(n_splits=cv, shuffle=True, random_state=seed)
    # One thread: on a small sample, OpenMP start-up and contention on a busy machine cost more than they save.
    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("ignore", UserWarning)  # e.g. a class absent from one fold's predictions
        score = cross_val_score(model, matrix[keep], codes[keep], cv=folds, scoring="balanced_accuracy")
    return float(score.mean()), int(np.unique(codes[keep]).size)


def proxy_check(X, sensitive_features, *, top=10, max_rows=100_000, model_rows=5_000, cv=3,
                random_state=0) -> ProxyResult:
    """Rank model inputs by how strongly they predict each sensitive feature.

    Parameters
    ----------
    X : DataFrame
        Model inputs (numeric, boolean or categorical columns).
    sensitive_features : DataFrame
        One column per sensitive feature, same rows as ``X``.
    top : int, default=10
        Inputs reported per sensitive feature.
    max_rows : int, default=100_000
        Rows sampled (fixed seed) for the per-input measures.
    model_rows : int, default=5_000
        Rows sampled for the all-inputs model (a gradient-boosted classifier with
        20 shallow trees per class, ``cv``-fold cross-validated balanced accuracy).
    random_state : int, default=0

    Returns
    -------
    ProxyResult
    """
    if not isinstance(X, pd.DataFrame):
        raise TypeError(BAD_X.format(got=type(X).__name__))
    sensitive = as_frame(sensitive_features, len(X))
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise ValueError(BAD_TOP.format(got=top))
    rng = np.random.default_rng(random_state)
    rows = np.sort(rng.choice(len(X), size=min(max_rows, len(X)), replace=False))
    model_sample = np.sort(rng.choice(rows, size=min(model_rows, rows.size), replace=False))
    Xs = X.iloc[rows]
    numeric = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c]) and not pd.api.types.is_bool_dtype(X[c])]
    other = [c for c in X.columns if c not in numeric]
    values = Xs[numeric].to_numpy(dtype=float, na_value=np.nan) if numeric else np.empty((rows.size, 0))
    matrix = _model_matrix(X.iloc[model_sample])
    associations, combined = [], []
    for name in sensitive.columns:
        feature = encode_column(sensitive[name].iloc[rows], str(name))
        n_groups = len(feature.labels)
        strength = dict(zip(numeric, _numeric_strength(values, feature.codes, n_groups), strict=True))
        strength.update({c: _cramers_v(Xs[c], feature.codes, n_groups) for c in other})
        ranked = sorted(strength.items(), key=lambda kv: (-kv[1], str(kv[0])))[:top]
        for rank, (col, value) in enumerate(ranked, start=1):
            associations.append({"feature": str(name), "rank": rank, "input": str(col),
                                 "measure": "correlation ratio" if col in numeric else "Cramér's V",
                                 "strength": float(value)})
        model_codes = encode_column(sensitive[name].iloc[model_sample], str(name))
        accuracy, used = _combined(matrix, model_codes.codes, model_codes.labels, cv, random_state)
        combined.append({"feature": str(name), "groups": used, "balanced_accuracy": accuracy,
                         "chance": 1 / used if used else float("nan")})
    method = {"rows": int(rows.size), "model_rows": int(model_sample.size), "cv": cv, "random_state": random_state,
              "model": "HistGradientBoostingClassifier(max_iter=20, max_depth=3)", "inputs": int(X.shape[1])}
    return ProxyResult(pd.DataFrame(associations), pd.DataFrame(combined), method)
