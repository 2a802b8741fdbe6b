"""The MLflow pyfunc face of a ``RiskModel``: ``predict`` returns score, band and rank score."""

from __future__ import annotations

import mlflow.pyfunc
import numpy as np
import pandas as pd
from mlflow.models import ModelSignature
from mlflow.types import ColSpec, Schema

from placerisk.models.bundle import RiskModel


class RiskModelPyfunc(mlflow.pyfunc.PythonModel):
    """Wraps a ``RiskModel``; ``unwrap_python_model()`` gives it back for explanations and metadata."""

    def __init__(self, risk_model: RiskModel):
        self.risk_model = risk_model

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        return self.risk_model.predict(model_input)


def signature(feature_names) -> ModelSignature:
    """Inputs: every feature as a double; outputs: score (double), band (long), rank_score (double)."""
    inputs = Schema([ColSpec("double", name) for name in feature_names])
    outputs = Schema([ColSpec("double", "score"), ColSpec("long", "band"), ColSpec("double", "rank_score")])
    return ModelSignature(inputs=inputs, outputs=outputs)


def as_input(X: pd.DataFrame, feature_names) -> pd.DataFrame:
    """Cast ``X``'s features to float64 in the signature's order (MLflow's schema check is strict)."""
    return X[list(feature_names)].astype(np.float64)
