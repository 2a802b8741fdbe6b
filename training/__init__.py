"""Temporal validation, candidate comparison and the deployed fit.

Pure: takes feature frames and returns results; the CLI wiring reads files
and logs to MLflow.
"""

from placerisk.training.candidates import KINDS, CandidateSpec
from placerisk.training.data import TrainingData
from placerisk.training.fit import FittedCandidate, fit_candidate, validation_families
from placerisk.training.margin import Margin
from placerisk.training.metrics import (
    calibration_curve,
    calibration_error,
    evaluate,
    precision_at_k,
    ranking,
    recall_at_k,
    top_decile_lift,
)
from placerisk.training.pipeline import CandidateResult, TrainingResult, train_and_evaluate
from placerisk.training.splits import (
    Split,
    check_split,
    describe,
    final_split,
    rolling_origin,
    snapshot_dates,
)

__all__ = [
    "KINDS",
    "CandidateResult",
    "CandidateSpec",
    "FittedCandidate",
    "Margin",
    "Split",
    "TrainingData",
    "TrainingResult",
    "calibration_curve",
    "calibration_error",
    "check_split",
    "describe",
    "evaluate",
    "final_split",
    "fit_candidate",
    "precision_at_k",
    "ranking",
    "recall_at_k",
    "rolling_origin",
    "snapshot_dates",
    "top_decile_lift",
    "train_and_evaluate",
    "validation_families",
]
