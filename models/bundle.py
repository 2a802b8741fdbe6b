"""The deployable model: one fitted estimator, its calibrator and what scoring needs to use it.

A ``RiskModel`` carries the feature definitions (so scoring rebuilds features
exactly as training did), the ordered feature names and their plain-English
descriptions, the calibrator fitted on data later than the training rows, the
ventile edges for the 1-20 band, and the means needed to explain a score.

Ranking and ties
----------------
Families are ranked by ``rank_score`` (the uncalibrated model score), highest
first, ties broken by ``family_id`` ascending. Calibration is monotone, so this
order is also an order by calibrated probability; ranking by the raw score
keeps the order the isotonic steps would otherwise flatten into ties.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator

BANDS = 20
CALIBRATION_FOLDS = 5  # CalibratedClassifierCV's default, written out


def fit_calibrator(estimator, X: pd.DataFrame, y, method: str = "isotonic") -> CalibratedClassifierCV:
    """Calibrate an already fitted ``estimator`` on (later) data ``X, y``; the estimator is not refitted."""
    if method not in ("isotonic", "sigmoid"):
        raise ValueError(f"calibration method: got {method!r}; expected 'isotonic' or 'sigmoid'")
    y = np.asarray(y)
    if len(np.unique(y)) != 2:
        raise ValueError(f"calibration data: got classes {np.unique(y).tolist()}; expected both 0 and 1")
    fewest = int(min((y == 0).sum(), (y == 1).sum()))
    if fewest < CALIBRATION_FOLDS:
        raise ValueError(f"calibration data: got {int((y == 0).sum())} rows without the outcome and {int((y == 1).sum())} with it; "
                         f"expected at least {CALIBRATION_FOLDS} of each (the calibrator is fitted in {CALIBRATION_FOLDS} folds): "
                         "add families or snapshots")
    return CalibratedClassifierCV(FrozenEstimator(estimator), method=method, cv=CALIBRATION_FOLDS).fit(X, y)


def ventile_edges(rank_score: np.ndarray) -> np.ndarray:
    """The 19 inner edges of the 1-20 bands of a calibration population's ``rank_score``.

    A score's band is the twentieth its position falls in: its mid-rank percentile (the share of
    the population scoring below it, plus half of those scoring the same, as scipy's
    ``percentileofscore(kind="mean")``), so equal scores share one band, the band of the middle of
    their block. Families tied at the lowest score (no events) are therefore not lifted to the
    band where the tied block ends. Edge ``b`` (``b`` = 1..19) is the lowest score whose band is
    above ``b`` (``inf`` when none is), so ``searchsorted(edges, s, side="right") + 1`` gives any
    new score the band of the calibration scores it equals, or of the highest one below it.
    """
    s = np.sort(np.asarray(rank_score, dtype=np.float64))
    if s.size == 0 or np.isnan(s).any():
        raise ValueError(f"rank_score: got {s.size} score(s), {int(np.isnan(s).sum())} missing; expected a calibration population")
    values, first, counts = np.unique(s, return_index=True, return_counts=True)
    midrank = (first + counts / 2) / s.size
    band = np.minimum(np.floor(midrank * BANDS).astype(np.int64) + 1, BANDS)
    return np.array([values[band > b][0] if (band > b).any() else np.inf for b in range(1, BANDS)])


@dataclass
class RiskModel:
    """A fitted candidate ready to score: see the module docstring."""

    name: str
    estimator: object
    calibrator: CalibratedClassifierCV
    feature_names: tuple[str, ...]
    ventile_edges: np.ndarray
    descriptions: dict[str, str] = field(default_factory=dict)
    feature_definitions: dict | None = None
    metadata: dict = field(default_factory=dict)
    baseline: object | None = None            # the best rule baseline, fitted: the weekly monitor's "is it still better than the rule?"
    drift_reference: object | None = None     # a ``models.drift.DriftReference`` pinned at training

    def baseline_score(self, X: pd.DataFrame) -> np.ndarray | None:
        """The best rule baseline's ranking score (higher ranks first), or None for a bundle without one."""
        if self.baseline is None:
            return None
        return np.asarray(self.baseline.decision_function(X), dtype=np.float64)

    def frame(self, X: pd.DataFrame) -> pd.DataFrame:
        """``X``'s model features as float64, in the trained order; refuses missing or non-numeric columns."""
        levels = self.metadata.get("categorical") if isinstance(self.metadata, dict) else None
        if levels:  # a model trained on a table with text inputs: raw text columns are encoded as at training
            from placerisk.models.categorical import encode

            X = encode(X, levels)
        missing = [c for c in self.feature_names if c not in X.columns]
        if missing:
            raise ValueError(f"X: missing {len(missing)} feature column(s), e.g. {missing[:3]}; expected the model's {len(self.feature_names)} features")
        cols = X[list(self.feature_names)]
        bad = [c for c in cols.columns if not pd.api.types.is_numeric_dtype(cols[c]) or pd.api.types.is_bool_dtype(cols[c])]
        if bad:
            raise ValueError(f"X: column {bad[0]!r} has type {cols[bad[0]].dtype}; expected numbers")
        return cols.astype(np.float64)

    def rank_score(self, X: pd.DataFrame) -> np.ndarray:
        return self.estimator.predict_proba(self.frame(X))[:, 1]

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Calibrated probability of the outcome."""
        Xf = self.frame(X)
        return self._calibrated(Xf, self.estimator.predict_proba(Xf)[:, 1])

    def _calibrated(self, Xf: pd.DataFrame, rank: np.ndarray) -> np.ndarray:
        """``calibrator.predict_proba(Xf)[:, 1]``, with the estimator's response computed once instead of once per fold.

        Every fold's calibrator wraps the same frozen estimator, so its response (the decision function when
        there is one, as scikit-learn chooses, else the probability, which is ``rank``) is the same for all;
        the calibrators are then averaged and clipped exactly as ``CalibratedClassifierCV`` does.
        """
        folds = getattr(self.calibrator, "calibrated_classifiers_", None)
        if not folds or getattr(self.calibrator, "method", None) not in ("isotonic", "sigmoid") or not self.calibrator.ensemble:
            return self.calibrator.predict_proba(Xf)[:, 1]
        frozen = folds[0].estimator
        response = frozen.decision_function(Xf) if hasattr(frozen, "decision_function") else rank
        response = np.asarray(response, dtype=np.float64).ravel()
        p = np.mean([fold.calibrators[0].predict(response) for fold in folds], axis=0)
        p[(1.0 < p) & (p <= 1.0 + 1e-5)] = 1.0
        return p

    def band(self, rank_score: np.ndarray) -> np.ndarray:
        """1 (lowest twentieth of the calibration population) to 20 (highest); see :func:`ventile_edges` for ties."""
        return 1 + np.searchsorted(self.ventile_edges, rank_score, side="right")

    def predict(self, X: pd.DataFrame) -> pd.DataFrame:
        """``score`` (calibrated probability), ``band`` (1-20) and ``rank_score`` per row, in ``X``'s order."""
        Xf = self.frame(X)
        rank = self.estimator.predict_proba(Xf)[:, 1]
        return pd.DataFrame({"score": self._calibrated(Xf, rank), "band": self.band(rank).astype(np.int64), "rank_score": rank}, index=X.index)

    def explain(self, X: pd.DataFrame, top: int = 3) -> pd.DataFrame:
        """The ``top`` features pushing each row's score up the most (see ``models.explain``)."""
        from placerisk.models.explain import contributions, top_reasons

        Xf = self.frame(X)
        return top_reasons(contributions(self.estimator, Xf), Xf, self.descriptions, top=top)
