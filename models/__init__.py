"""Estimators, baselines and the deployable model bundle.

Every fitted thing is a scikit-learn estimator; ``RiskModel`` bundles one with
its calibrator, feature definitions and explanation support. The MLflow face
lives in ``models.pyfunc`` (imported on demand: MLflow is slow to import).
"""

from placerisk.models.baselines import BestSingleFeature, RuleScore
from placerisk.models.bundle import BANDS, RiskModel, fit_calibrator, ventile_edges
from placerisk.models.candidates import (
    LIGHTGBM_DEFAULTS,
    lightgbm_classifier,
    logistic_regression,
    signed_log1p,
)
from placerisk.models.explain import contributions, top_reasons

__all__ = [
    "BANDS",
    "LIGHTGBM_DEFAULTS",
    "BestSingleFeature",
    "RiskModel",
    "RuleScore",
    "contributions",
    "fit_calibrator",
    "lightgbm_classifier",
    "logistic_regression",
    "signed_log1p",
    "top_reasons",
    "ventile_edges",
]
