"""Rule baselines: what they score, how ties are ordered, what they refuse."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.metrics import roc_auc_score

from placerisk.models import BestSingleFeature, RuleScore

from .conftest import make_xy

SMALL = pd.DataFrame({"a": [0, 1, 2, 3, 0], "b": [0, 2, 0, -1, 0], "c": [5, 0, 9, 1, 1]})


def test_rule_score_sums_the_columns():
    rule = RuleScore(columns=("a", "b")).fit(SMALL)
    np.testing.assert_array_equal(rule.decision_function(SMALL), [0, 3, 2, 2, 0])
    p = rule.predict_proba(SMALL)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    # 0.5 + 0.5 s / (1 + |s|): 0 -> 0.5, 3 -> 0.875, 2 -> 5/6
    np.testing.assert_allclose(p[:, 1], [0.5, 0.875, 5 / 6, 5 / 6, 0.5])
    np.testing.assert_array_equal(rule.predict(SMALL), [0, 1, 1, 1, 0])
    assert list(rule.feature_names_in_) == ["a", "b", "c"] and rule.classes_.tolist() == [0, 1]
    assert rule.n_features_in_ == 3


def test_rule_tiebreak_orders_equal_scores_without_overturning_the_rule():
    X = pd.DataFrame({"a": [2, 2, 2, 3, 1], "t": [0, 7, 1_000_000, 0, 1_000_000]})
    rule = RuleScore(columns=("a",), tiebreak=("t",)).fit(X)
    score = rule.decision_function(X)
    assert np.argsort(-score).tolist() == [3, 2, 1, 0, 4]  # 3 leads on the rule; among the 2s, larger t first
    p = rule.predict_proba(X)[:, 1]
    assert np.argsort(-p).tolist() == [3, 2, 1, 0, 4]  # the squash keeps those small gaps
    assert len(np.unique(p)) == 5
    np.testing.assert_allclose(score, [2, 2, 2, 3, 1], atol=1e-6)


def test_rule_negative_scores_squash_below_one_half():
    rule = RuleScore(columns=("b",)).fit(SMALL)
    assert rule.predict_proba(SMALL)[3, 1] == pytest.approx(0.25)  # 0.5 + 0.5 * -1 / 2


@pytest.mark.parametrize(("columns", "tiebreak", "missing"), [(("a", "zzz"), (), "zzz"), (("a",), ("t",), "t"), ((), (), "")])
def test_rule_refuses_missing_columns(columns, tiebreak, missing):
    with pytest.raises(ValueError, match=rf"The 'columns' parameter of RuleScore must name feature columns; got .*missing: \[{repr(missing) if missing else ''}\]"):
        RuleScore(columns=columns, tiebreak=tiebreak).fit(SMALL)


def test_rule_needs_a_data_frame_and_a_fit():
    with pytest.raises(TypeError, match="X: got ndarray; expected a pandas DataFrame"):
        RuleScore(columns=("a",)).fit(SMALL.to_numpy())
    with pytest.raises(NotFittedError):
        RuleScore(columns=("a",)).decision_function(SMALL)


def test_rule_is_a_scikit_learn_estimator():
    rule = RuleScore(columns=("a",), tiebreak=("c",))
    assert clone(rule).get_params() == {"columns": ("a",), "tiebreak": ("c",)}


def test_best_single_feature_picks_the_informative_column_and_its_direction():
    X, y = make_xy(3000, seed=1)
    aucs = {c: roc_auc_score(y, X[c]) for c in X.columns}
    strongest = max(aucs, key=lambda c: abs(aucs[c] - 0.5))
    model = BestSingleFeature().fit(X, y)
    assert model.column_ == strongest == "violence_12m"
    assert model.sign_ == 1.0
    assert model.training_auc_ == pytest.approx(aucs["violence_12m"])
    np.testing.assert_array_equal(model.decision_function(X), X["violence_12m"].to_numpy(dtype=float))
    assert model.classes_.tolist() == [0, 1] and model.n_features_in_ == 5


def test_best_single_feature_learns_a_negative_direction():
    rng = np.random.default_rng(2)
    n = 2000
    protective = rng.uniform(0, 10, n)
    y = (rng.random(n) < 1 / (1 + np.exp(protective - 5))).astype(int)
    X = pd.DataFrame({"noise": rng.normal(size=n), "protective": protective, "constant": np.ones(n)})
    model = BestSingleFeature().fit(X, y)
    assert model.column_ == "protective" and model.column_index_ == 1 and model.sign_ == -1.0
    assert model.training_auc_ == pytest.approx(1 - roc_auc_score(y, protective))
    np.testing.assert_array_equal(model.decision_function(X), -protective)
    # the ranking it gives is as good as the column's, the right way round
    assert roc_auc_score(y, model.predict_proba(X)[:, 1]) == pytest.approx(model.training_auc_)


def test_best_single_feature_subsamples_deterministically():
    X, y = make_xy(3000, seed=3)
    a = BestSingleFeature(max_rows=500, random_state=4).fit(X, y)
    b = BestSingleFeature(max_rows=500, random_state=4).fit(X, y)
    assert a.training_auc_ == b.training_auc_ and a.column_ == b.column_
    rows = np.sort(np.random.default_rng(4).choice(np.arange(3000), 500, replace=False))
    assert a.training_auc_ == pytest.approx(max(roc_auc_score(y[rows], X[a.column_].to_numpy()[rows]), 1 - roc_auc_score(y[rows], X[a.column_].to_numpy()[rows])))


def test_best_single_feature_refuses_one_class_and_unfitted_use():
    X, y = make_xy(200)
    with pytest.raises(ValueError, match=r"y: got classes \[0\]; expected both 0 and 1"):
        BestSingleFeature().fit(X, np.zeros_like(y))
    with pytest.raises(NotFittedError):
        BestSingleFeature().decision_function(X)
