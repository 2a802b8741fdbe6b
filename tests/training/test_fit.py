"""fit_candidate: grid search on the calibration snapshot, calibration there, nothing else seen."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from placerisk.models import logistic_regression
from placerisk.training import CandidateSpec, fit_candidate
from placerisk.training.candidates import params_key
from placerisk.training.fit import best_params

from .conftest import LIGHTGBM, make_frames


def train_cal(seed=0):
    X, meta, _ = make_frames(n_families=800, dates=[pd.Timestamp("2023-01-01"), pd.Timestamp("2023-04-01")], seed=seed)
    train = (meta["as_of_date"] == "2023-01-01").to_numpy()
    y = meta["label"].to_numpy().astype(int)
    return X[train], y[train], X[~train], y[~train]


def test_rule_grid_picks_the_best_average_precision_on_the_calibration_data():
    X, y, X_cal, y_cal = train_cal()
    grid = ({"columns": ["noise"]}, {"columns": ["violence_12m"]}, {"columns": ["contacts"]})
    fitted = fit_candidate(CandidateSpec("rule", "rule", grid=grid), X, y, X_cal, y_cal)
    expected = [average_precision_score(y_cal, X_cal[p["columns"][0]]) for p in grid]
    # the squashed rule score ranks exactly as the column does
    assert [e["score"] for e in fitted.search] == pytest.approx(expected, abs=1e-12)
    assert [e["params"] for e in fitted.search] == [params_key(p) for p in grid]
    assert fitted.params == grid[int(np.argmax(expected))] == {"columns": ["violence_12m"]}
    assert fitted.estimator.columns == ("violence_12m",)


def test_selection_by_roc_auc():
    X, y, X_cal, y_cal = train_cal()
    grid = ({"columns": ["noise"]}, {"columns": ["days_since_contact"]}, {"columns": ["contacts"]})
    fitted = fit_candidate(CandidateSpec("rule", "rule", grid=grid), X, y, X_cal, y_cal, select_by="roc_auc")
    expected = [roc_auc_score(y_cal, X_cal[p["columns"][0]]) for p in grid]
    assert [e["score"] for e in fitted.search] == pytest.approx(expected, abs=1e-12)
    assert fitted.params == grid[int(np.argmax(expected))]
    with pytest.raises(ValueError, match=r"select_by: got 'accuracy'; expected one of \['average_precision', 'roc_auc'\]"):
        fit_candidate(CandidateSpec("rule", "rule", grid=grid), X, y, X_cal, y_cal, select_by="accuracy")


def test_the_choice_follows_the_calibration_data_not_the_training_data():
    X, y, X_cal, y_cal = train_cal()
    # column "a" predicts the training labels perfectly but is noise on the calibration rows; "b" the reverse.
    rng = np.random.default_rng(1)
    X = X.assign(a=y + 0.0, b=rng.random(len(y)))
    X_cal = X_cal.assign(a=rng.random(len(y_cal)), b=y_cal + 0.0)
    grid = ({"columns": ["a"]}, {"columns": ["b"]})
    assert fit_candidate(CandidateSpec("rule", "rule", grid=grid), X, y, X_cal, y_cal).params == {"columns": ["b"]}


def test_logistic_grid_matches_an_independent_search():
    X, y, X_cal, y_cal = train_cal()
    grid = ({"C": 1e-4}, {"C": 0.05}, {"C": 10.0})
    fitted = fit_candidate(CandidateSpec("logistic", "logistic", grid=grid), X, y, X_cal, y_cal)
    scores = [average_precision_score(y_cal, logistic_regression(**p).fit(X, y).predict_proba(X_cal)[:, 1]) for p in grid]
    assert [e["score"] for e in fitted.search] == pytest.approx(scores, abs=1e-12)
    assert fitted.params == grid[int(np.argmax(scores))]
    assert average_precision_score(y_cal, fitted.estimator.predict_proba(X_cal)[:, 1]) == pytest.approx(max(scores), abs=1e-12)


def test_single_point_grid_and_explicit_params_skip_the_search_score():
    X, y, X_cal, y_cal = train_cal()
    spec = CandidateSpec("logistic", "logistic", grid=({"C": 1e-4}, {"C": 10.0}))
    fitted = fit_candidate(spec, X, y, X_cal, y_cal, params={"C": 0.5})
    assert fitted.params == {"C": 0.5} and fitted.estimator[-1].C == 0.5
    assert len(fitted.search) == 1 and np.isnan(fitted.search[0]["score"])


def test_isotonic_calibration_on_the_calibration_rows_matches_their_base_rate():
    X, y, X_cal, y_cal = train_cal()
    fitted = fit_candidate(CandidateSpec("logistic", "logistic"), X, y, X_cal, y_cal)
    assert fitted.calibrator.predict_proba(X_cal)[:, 1].mean() == pytest.approx(y_cal.mean(), abs=1e-9)
    # the calibrator wraps the very estimator that was fitted: it is not refitted
    assert fitted.calibrator.estimator.estimator is fitted.estimator


def test_lightgbm_records_trees_and_is_reproducible():
    X, y, X_cal, y_cal = train_cal()
    spec = CandidateSpec("lgbm", "lightgbm", grid=(LIGHTGBM.grid[0], {**LIGHTGBM.grid[0], "num_leaves": 3}))
    a = fit_candidate(spec, X, y, X_cal, y_cal, random_state=3, n_jobs=1)
    b = fit_candidate(spec, X, y, X_cal, y_cal, random_state=3, n_jobs=1)
    assert all(1 <= e["trees"] <= 30 for e in a.search)
    assert a.search == b.search and a.params == b.params
    np.testing.assert_array_equal(a.estimator.predict_proba(X_cal), b.estimator.predict_proba(X_cal))
    best = max(e["score"] for e in a.search)
    assert average_precision_score(y_cal, a.estimator.predict_proba(X_cal)[:, 1]) == pytest.approx(best, abs=1e-12)


def test_one_class_calibration_data_is_refused():
    X, y, X_cal, y_cal = train_cal()
    with pytest.raises(ValueError, match=r"calibration data: got classes \[0\]; expected both 0 and 1"):
        fit_candidate(CandidateSpec("logistic", "logistic"), X, y, X_cal, np.zeros_like(y_cal))


def test_best_params_by_hand():
    spec = CandidateSpec("l", "logistic", grid=({"C": 1}, {"C": 2}, {"C": 3}))
    def search(*scores):
        return [{"params": "", "score": s} for s in scores]
    # means 0.2, 0.45, 0.55
    assert best_params(spec, [search(0.1, 0.5, 0.5), search(0.3, 0.4, 0.6)]) == {"C": 3}
    # equal means: the first wins; a NaN split is ignored
    assert best_params(spec, [search(0.5, 0.5, 0.1), search(np.nan, 0.5, 0.1)]) == {"C": 1}
    assert best_params(CandidateSpec("l", "logistic", grid=({"C": 7},)), [search(np.nan)]) == {"C": 7}
