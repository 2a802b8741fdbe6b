"""The MLflow face: log a RiskModel, load it back, same predictions and metadata."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from .conftest import bundle


@pytest.mark.slow
def test_logged_model_round_trips_through_mlflow(tmp_path, monkeypatch, lgbm, train_cal):
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    import mlflow
    from mlflow.tracking._tracking_service import utils as tracking_utils

    from placerisk.models.pyfunc import RiskModelPyfunc, as_input, signature

    _, _, X_cal, y_cal = train_cal
    rm = bundle(lgbm, X_cal, y_cal, name="lightgbm", descriptions={"noise": "Noise"}, metadata={"train_dates": ["2023-01-01"], "k": 50})
    names = rm.feature_names
    X = X_cal.iloc[:300].reset_index(drop=True)

    # set_tracking_uri changes a module global and MLFLOW_TRACKING_URI: monkeypatch puts both back afterwards
    monkeypatch.setattr(tracking_utils, "_tracking_uri", tracking_utils._tracking_uri)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path}/mlflow.db")  # recorded, so it is removed afterwards
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path}/mlflow.db")
    experiment = mlflow.create_experiment("test-pyfunc", artifact_location=(tmp_path / "art").as_uri())
    with mlflow.start_run(experiment_id=experiment):
        info = mlflow.pyfunc.log_model(name="model", python_model=RiskModelPyfunc(rm), signature=signature(names), pip_requirements=["pandas"])
    loaded = mlflow.pyfunc.load_model(info.model_uri)
    got = loaded.predict(as_input(X, names))

    expected = rm.predict(X)
    assert list(got.columns) == ["score", "band", "rank_score"]
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected.reset_index(drop=True))
    back = loaded.unwrap_python_model().risk_model
    assert back.name == "lightgbm" and back.feature_names == names
    assert back.metadata == {"train_dates": ["2023-01-01"], "k": 50} and back.descriptions == {"noise": "Noise"}
    np.testing.assert_array_equal(back.ventile_edges, rm.ventile_edges)
    assert (tmp_path / "art").is_dir()


def test_signature_and_input_casting():
    from placerisk.models.pyfunc import as_input, signature

    sig = signature(["a", "b"])
    assert sig.inputs.input_names() == ["a", "b"]
    assert [t.name for t in sig.inputs.input_types()] == ["double", "double"]
    assert sig.outputs.input_names() == ["score", "band", "rank_score"]
    assert [t.name for t in sig.outputs.input_types()] == ["double", "long", "double"]
    X = pd.DataFrame({"b": [1, 2], "c": ["x", "y"], "a": [3, 4]})
    out = as_input(X, ["a", "b"])
    assert list(out.columns) == ["a", "b"] and (out.dtypes == np.float64).all()
    assert out["a"].tolist() == [3.0, 4.0]
