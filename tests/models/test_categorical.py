"""Text inputs encoded the same at training and when a bundle scores."""

import numpy as np
import pandas as pd
import pytest

from placerisk.models.categorical import MISSING_LEVEL, encode, indicators, normalise


def test_levels_are_normalised_and_missing_is_a_level():
    assert normalise(pd.Series([" F", "M ", None, "", "  "])).tolist() == ["F", "M", MISSING_LEVEL, MISSING_LEVEL, MISSING_LEVEL]
    got = indicators(pd.Series(["F", "M", None]), "degree", ["(missing)", "F", "M"])
    assert list(got) == ["degree=(missing)", "degree=F", "degree=M"] and got["degree=F"].tolist() == [1.0, 0.0, 0.0]


def test_a_raw_text_column_is_encoded_as_at_training_and_an_unseen_level_is_refused():
    levels = {"degree": ["F", "M"]}
    X = encode(pd.DataFrame({"age": [30, 40], "degree": ["M", " F"]}), levels)
    assert list(X.columns) == ["age", "degree=F", "degree=M"] and X["degree=F"].tolist() == [0.0, 1.0]
    only_f = encode(pd.DataFrame({"degree": ["F", "F"]}), levels)
    assert only_f["degree=M"].tolist() == [0.0, 0.0]  # a batch without a level still has its column
    with pytest.raises(ValueError, match="got 'Felony'; expected one of the levels"):
        encode(pd.DataFrame({"degree": ["Felony"]}), levels)


def test_a_bundle_with_levels_scores_raw_text(risk_model_with_levels=None):
    from sklearn.linear_model import LogisticRegression

    from placerisk.models import RiskModel, fit_calibrator, ventile_edges

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"age": rng.integers(18, 70, 400).astype(float), "degree=F": rng.integers(0, 2, 400).astype(float)})
    X["degree=M"] = 1 - X["degree=F"]
    y = (rng.uniform(size=400) < 0.2 + 0.3 * X["degree=F"]).astype(int)
    est = LogisticRegression().fit(X, y)
    model = RiskModel("m", est, fit_calibrator(est, X, y), tuple(X.columns), ventile_edges(est.predict_proba(X)[:, 1]),
                      metadata={"categorical": {"degree": ["F", "M"]}})
    raw = pd.DataFrame({"age": X["age"], "degree": np.where(X["degree=F"] == 1, "F", "M")})
    assert np.allclose(model.predict_proba(raw), model.predict_proba(X))
