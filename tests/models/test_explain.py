"""Per-row contributions for each estimator kind, and the reasons shown to practitioners."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest
from scipy.special import logit

from placerisk.models import (
    BestSingleFeature,
    RuleScore,
    contributions,
    lightgbm_classifier,
    logistic_regression,
    top_reasons,
)

from .conftest import TINY_LGBM, make_xy


def test_lightgbm_contributions_add_up_to_the_raw_log_odds(lgbm, train_cal):
    _, _, X_cal, _ = train_cal
    X = X_cal.iloc[:200]
    contrib = contributions(lgbm, X)
    assert contrib.shape == X.shape and list(contrib.columns) == list(X.columns) and contrib.index.equals(X.index)
    raw = lgbm.booster_.predict(X.to_numpy(dtype=float), raw_score=True)
    expected_value = lgbm.booster_.predict(X.to_numpy(dtype=float), pred_contrib=True)[:, -1]
    assert np.ptp(expected_value) == 0  # one expected value for every row
    np.testing.assert_allclose(contrib.sum(axis=1) + expected_value, raw, atol=1e-9)
    np.testing.assert_allclose(raw, logit(lgbm.predict_proba(X)[:, 1]), atol=1e-9)
    # the noise feature barely moves the score compared with the violence count
    assert contrib["noise"].abs().mean() < contrib["violence_12m"].abs().mean()


def test_lightgbm_contributions_follow_the_early_stopped_model(train_cal):
    X, y, X_cal, y_cal = train_cal
    model = lightgbm_classifier(random_state=0, n_jobs=1, **{**TINY_LGBM, "learning_rate": 0.8, "num_leaves": 15})
    model.fit(X, y, eval_X=(X_cal,), eval_y=(y_cal,), callbacks=[lgb.early_stopping(3, verbose=False)])
    assert 1 <= model.best_iteration_ < 30
    contrib = contributions(model, X_cal.iloc[:100])
    expected_value = model.booster_.predict(X_cal.iloc[:100].to_numpy(dtype=float), pred_contrib=True)[:, -1]
    np.testing.assert_allclose(contrib.sum(axis=1) + expected_value, logit(model.predict_proba(X_cal.iloc[:100])[:, 1]), atol=1e-9)


def test_logistic_contributions_are_coefficient_times_standardised_value(train_cal):
    X, y, X_cal, _ = train_cal
    model = logistic_regression().fit(X, y)
    Xe = X_cal.iloc[:100]
    logged_train = np.sign(X.to_numpy(float)) * np.log1p(np.abs(X.to_numpy(float)))
    logged = np.sign(Xe.to_numpy(float)) * np.log1p(np.abs(Xe.to_numpy(float)))
    standardised = (logged - logged_train.mean(axis=0)) / logged_train.std(axis=0)
    expected = standardised * model[-1].coef_[0]
    contrib = contributions(model, Xe)
    np.testing.assert_allclose(contrib.to_numpy(), expected, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(contrib.sum(axis=1) + model[-1].intercept_[0], model.decision_function(Xe), atol=1e-9)
    assert (np.sign(contrib["days_since_contact"]) == -np.sign(standardised[:, 3])).all()  # protective: negative coefficient


def test_rule_contributions_are_the_rule_columns():
    X = pd.DataFrame({"a": [1, 0, 3], "b": [2, 2, 0], "t": [9, 9, 9]}, index=["x", "y", "z"])
    rule = RuleScore(columns=("a", "b"), tiebreak=("t",)).fit(X)
    contrib = contributions(rule, X)
    assert contrib.to_dict("list") == {"a": [1.0, 0.0, 3.0], "b": [2.0, 2.0, 0.0], "t": [0.0, 0.0, 0.0]}
    assert contrib.index.tolist() == ["x", "y", "z"]


def test_best_single_feature_contributions():
    X, y = make_xy(1000, seed=4)
    model = BestSingleFeature().fit(X, y)
    contrib = contributions(model, X)
    np.testing.assert_array_equal(contrib[model.column_], model.decision_function(X))
    assert (contrib.drop(columns=model.column_) == 0).all().all()


def test_unknown_estimators_are_refused():
    from sklearn.tree import DecisionTreeClassifier

    X, y = make_xy(100)
    with pytest.raises(TypeError, match="estimator: got DecisionTreeClassifier; expected LightGBM"):
        contributions(DecisionTreeClassifier().fit(X, y), X)


def test_top_reasons_lists_positive_contributions_in_descending_order():
    contrib = pd.DataFrame([[0.5, -1.0, 2.0, 0.5], [-1.0, -2.0, -3.0, 0.0], [1.0, 1.0, 0.0, 3.0]], columns=list("abcd"), index=[10, 11, 12])
    X = pd.DataFrame([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]], columns=list("abcd"), index=[10, 11, 12])
    reasons = top_reasons(contrib, X, {"a": "Alpha"}, top=3)
    assert reasons.to_dict("records") == [
        {"row": 0, "rank": 1, "feature": "c", "description": "c", "value": 3.0, "contribution": 2.0},
        {"row": 0, "rank": 2, "feature": "a", "description": "Alpha", "value": 1.0, "contribution": 0.5},  # tie: earlier feature
        {"row": 0, "rank": 3, "feature": "d", "description": "d", "value": 4.0, "contribution": 0.5},
        {"row": 2, "rank": 1, "feature": "d", "description": "d", "value": 12.0, "contribution": 3.0},
        {"row": 2, "rank": 2, "feature": "a", "description": "Alpha", "value": 9.0, "contribution": 1.0},
        {"row": 2, "rank": 3, "feature": "b", "description": "b", "value": 10.0, "contribution": 1.0},
    ]
    assert top_reasons(contrib, X, {}, top=1)["feature"].tolist() == ["c", "d"]


def test_top_reasons_on_a_fitted_model_are_sorted_and_positive(lgbm, train_cal):
    _, _, X_cal, _ = train_cal
    X = X_cal.iloc[:100]
    contrib = contributions(lgbm, X)
    reasons = top_reasons(contrib, X, {}, top=3)
    assert (reasons["contribution"] > 0).all()
    for row, group in reasons.groupby("row"):
        assert group["rank"].tolist() == list(range(1, len(group) + 1))
        assert group["contribution"].is_monotonic_decreasing
        positive = np.sort(contrib.iloc[row].to_numpy())[::-1]
        positive = positive[positive > 0][:3]
        np.testing.assert_allclose(group["contribution"], positive)
        assert (group["value"].to_numpy() == X.iloc[row][group["feature"]].to_numpy()).all()
    rows_without = set(range(100)) - set(reasons["row"])
    assert all((contrib.iloc[r] <= 0).all() for r in rows_without)
