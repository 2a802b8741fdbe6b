"""fit_candidate: grid and early stopping on a validation part of the training rows, calibration on the calibration snapshot only."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from placerisk.models import lightgbm_classifier, logistic_regression
from placerisk.training import CandidateSpec, fit_candidate
from placerisk.training.candidates import params_key
from placerisk.training.fit import EARLY_STOPPING_ROUNDS, best_params, validation_families

from .conftest import make_frames

# fast and eager, so that early stopping ends well before the last round
EARLY = {"n_estimators": 300, "num_leaves": 7, "min_child_samples": 20, "learning_rate": 0.3}


def train_cal(seed=0):
    """Training rows (2023-01-01), calibration rows (2023-04-01) and the validation part of the training rows."""
    X, meta, _ = make_frames(n_families=800, dates=[pd.Timestamp("2023-01-01"), pd.Timestamp("2023-04-01")], seed=seed)
    train = (meta["as_of_date"] == "2023-01-01").to_numpy()
    y = meta["label"].to_numpy().astype(int)
    return X[train], y[train], X[~train], y[~train], validation_families(meta["family_id"][train])


def test_rule_grid_picks_the_best_average_precision_on_the_validation_part():
    X, y, X_cal, y_cal, held = train_cal()
    grid = ({"columns": ["noise"]}, {"columns": ["violence_12m"]}, {"columns": ["contacts"]})
    fitted = fit_candidate(CandidateSpec("rule", "rule", grid=grid), X, y, X_cal, y_cal, validation=held)
    expected = [average_precision_score(y[held], X[held][p["columns"][0]]) for p in grid]
    # the squashed rule score ranks exactly as the column does
    assert [e["score"] for e in fitted.search] == pytest.approx(expected, abs=1e-12)
    assert [e["params"] for e in fitted.search] == [params_key(p) for p in grid]
    assert fitted.params == grid[int(np.argmax(expected))] == {"columns": ["violence_12m"]}
    assert fitted.estimator.columns == ("violence_12m",)


def test_selection_by_roc_auc():
    X, y, X_cal, y_cal, held = train_cal()
    grid = ({"columns": ["noise"]}, {"columns": ["days_since_contact"]}, {"columns": ["contacts"]})
    fitted = fit_candidate(CandidateSpec("rule", "rule", grid=grid), X, y, X_cal, y_cal, validation=held, select_by="roc_auc")
    expected = [roc_auc_score(y[held], X[held][p["columns"][0]]) for p in grid]
    assert [e["score"] for e in fitted.search] == pytest.approx(expected, abs=1e-12)
    assert fitted.params == grid[int(np.argmax(expected))]
    with pytest.raises(ValueError, match=r"select_by: got 'accuracy'; expected one of \['average_precision', 'roc_auc'\]"):
        fit_candidate(CandidateSpec("rule", "rule", grid=grid), X, y, X_cal, y_cal, validation=held, select_by="accuracy")


def test_the_choice_follows_the_validation_part_not_the_fitting_rows_nor_the_calibration_snapshot():
    X, y, X_cal, y_cal, held = train_cal()
    # column "a" predicts the fitting rows' and the calibration rows' labels perfectly but is noise on the
    # validation part; "b" predicts only the validation part.
    rng = np.random.default_rng(1)
    X = X.assign(a=np.where(held, rng.random(len(y)), y), b=np.where(held, y, rng.random(len(y))))
    X_cal = X_cal.assign(a=y_cal + 0.0, b=rng.random(len(y_cal)))
    grid = ({"columns": ["a"]}, {"columns": ["b"]})
    assert fit_candidate(CandidateSpec("rule", "rule", grid=grid), X, y, X_cal, y_cal, validation=held).params == {"columns": ["b"]}


def test_logistic_grid_matches_an_independent_search():
    X, y, X_cal, y_cal, held = train_cal()
    grid = ({"C": 1e-4}, {"C": 0.05}, {"C": 10.0})
    fitted = fit_candidate(CandidateSpec("logistic", "logistic", grid=grid), X, y, X_cal, y_cal, validation=held)
    # each point fitted on the other families, scored on the validation part; the best refitted on every training row
    scores = [average_precision_score(y[held], logistic_regression(**p).fit(X[~held], y[~held]).predict_proba(X[held])[:, 1]) for p in grid]
    assert [e["score"] for e in fitted.search] == pytest.approx(scores, abs=1e-12)
    best = grid[int(np.argmax(scores))]
    assert fitted.params == best
    np.testing.assert_allclose(fitted.estimator[-1].coef_, logistic_regression(**best).fit(X, y)[-1].coef_, rtol=1e-9)


def test_single_point_grid_and_explicit_params_skip_the_search_score():
    X, y, X_cal, y_cal, held = train_cal()
    spec = CandidateSpec("logistic", "logistic", grid=({"C": 1e-4}, {"C": 10.0}))
    fitted = fit_candidate(spec, X, y, X_cal, y_cal, validation=held, params={"C": 0.5})
    assert fitted.params == {"C": 0.5} and fitted.estimator[-1].C == 0.5
    assert len(fitted.search) == 1 and np.isnan(fitted.search[0]["score"])


def test_isotonic_calibration_on_the_calibration_rows_matches_their_base_rate():
    X, y, X_cal, y_cal, held = train_cal()
    fitted = fit_candidate(CandidateSpec("logistic", "logistic"), X, y, X_cal, y_cal, validation=held)
    assert fitted.calibrator.predict_proba(X_cal)[:, 1].mean() == pytest.approx(y_cal.mean(), abs=1e-9)
    # the calibrator wraps the very estimator that was fitted: it is not refitted
    assert fitted.calibrator.estimator.estimator is fitted.estimator


def test_lightgbm_stops_early_on_the_validation_part_refits_those_rounds_and_is_reproducible():
    X, y, X_cal, y_cal, held = train_cal()
    spec = CandidateSpec("lgbm", "lightgbm", grid=(EARLY, {**EARLY, "num_leaves": 3}))
    a = fit_candidate(spec, X, y, X_cal, y_cal, validation=held, random_state=3, n_jobs=1)
    b = fit_candidate(spec, X, y, X_cal, y_cal, validation=held, random_state=3, n_jobs=1)
    assert a.search == b.search and a.params == b.params and a.trees == b.trees
    np.testing.assert_array_equal(a.estimator.predict_proba(X_cal), b.estimator.predict_proba(X_cal))
    # an independent fit on the other families, stopped on the validation part, gives the recorded rounds and score
    for point, entry in zip(spec.grid, a.search, strict=True):
        alone = lightgbm_classifier(random_state=3, n_jobs=1, **point)
        alone.fit(X[~held], y[~held], eval_X=(X[held],), eval_y=(y[held],), callbacks=[lgb.early_stopping(EARLY_STOPPING_ROUNDS, verbose=False)])
        assert entry["trees"] == alone.best_iteration_ < EARLY["n_estimators"]  # it did stop early
        assert entry["score"] == pytest.approx(average_precision_score(y[held], alone.predict_proba(X[held])[:, 1]), abs=1e-12)
    chosen = max(a.search, key=lambda e: e["score"])
    assert a.trees == chosen["trees"] and a.estimator.n_estimators == a.estimator.booster_.num_trees() == a.trees
    refit = lightgbm_classifier(random_state=3, n_jobs=1, **{**a.params, "n_estimators": a.trees}).fit(X, y)
    np.testing.assert_array_equal(a.estimator.predict_proba(X_cal), refit.predict_proba(X_cal))


def test_the_calibration_rows_move_the_calibrator_only():
    # Permute the calibration labels: the grid point, the scores, the rounds and the fitted trees stay; the calibrator moves.
    X, y, X_cal, y_cal, held = train_cal()
    scrambled = np.random.default_rng(7).permutation(y_cal)
    for spec in (CandidateSpec("lgbm", "lightgbm", grid=(EARLY, {**EARLY, "num_leaves": 3})),
                 CandidateSpec("logistic", "logistic", grid=({"C": 1e-4}, {"C": 10.0}))):
        a = fit_candidate(spec, X, y, X_cal, y_cal, validation=held, random_state=3, n_jobs=1)
        b = fit_candidate(spec, X, y, X_cal, scrambled, validation=held, random_state=3, n_jobs=1)
        assert a.params == b.params and a.search == b.search and a.trees == b.trees
        np.testing.assert_array_equal(a.estimator.predict_proba(X_cal), b.estimator.predict_proba(X_cal))
        if spec.kind == "lightgbm":
            assert a.estimator.booster_.model_to_string() == b.estimator.booster_.model_to_string()
        assert not np.allclose(a.calibrator.predict_proba(X_cal), b.calibrator.predict_proba(X_cal))


def test_validation_families_hold_out_whole_families_by_a_salted_hash():
    ids = np.array([f"F{i:05d}" for i in range(5000)])
    held = validation_families(ids)
    assert held.dtype == bool and 0.18 < held.mean() < 0.22
    # a family is in or out on every snapshot, whichever other rows are present
    twice = np.r_[ids, ids[::-1]]
    np.testing.assert_array_equal(validation_families(twice), np.r_[held, held[::-1]])
    np.testing.assert_array_equal(validation_families(ids[:100]), held[:100])
    np.testing.assert_array_equal(validation_families(ids, 0.2, 0), held)  # reproducible
    other = validation_families(ids, random_state=1)
    assert 0.18 < other.mean() < 0.22 and (other != held).mean() > 0.2  # the seed salts the hash
    assert validation_families(ids, 0.5).mean() > 0.45 and (held <= validation_families(ids, 0.5)).all()  # nested shares
    with pytest.raises(ValueError, match=r"validation share: got 1.2; expected a number between 0 and 1"):
        validation_families(ids, 1.2)


def test_a_bad_or_one_class_validation_part_is_refused():
    X, y, X_cal, y_cal, held = train_cal()
    spec = CandidateSpec("logistic", "logistic")
    with pytest.raises(ValueError, match=r"validation: got int64 of shape \(800,\); expected a boolean mask of shape \(800,\)"):
        fit_candidate(spec, X, y, X_cal, y_cal, validation=held.astype(np.int64))
    with pytest.raises(ValueError, match=r"validation: got bool of shape \(10,\); expected a boolean mask of shape \(800,\)"):
        fit_candidate(spec, X, y, X_cal, y_cal, validation=held[:10])
    only_negatives = held & (y == 0)
    with pytest.raises(ValueError, match=r"validation part of the training rows: got classes \[0\] in \d+ rows; expected both 0 and 1"):
        fit_candidate(spec, X, y, X_cal, y_cal, validation=only_negatives)


def test_one_class_calibration_data_is_refused():
    X, y, X_cal, y_cal, held = train_cal()
    with pytest.raises(ValueError, match=r"calibration data: got classes \[0\]; expected both 0 and 1"):
        fit_candidate(CandidateSpec("logistic", "logistic"), X, y, X_cal, np.zeros_like(y_cal), validation=held)


def test_best_params_by_hand():
    spec = CandidateSpec("l", "logistic", grid=({"C": 1}, {"C": 2}, {"C": 3}))
    def search(*scores):
        return [{"params": "", "score": s} for s in scores]
    # means 0.2, 0.45, 0.55
    assert best_params(spec, [search(0.1, 0.5, 0.5), search(0.3, 0.4, 0.6)]) == {"C": 3}
    # equal means: the first wins; a NaN split is ignored
    assert best_params(spec, [search(0.5, 0.5, 0.1), search(np.nan, 0.5, 0.1)]) == {"C": 1}
    assert best_params(CandidateSpec("l", "logistic", grid=({"C": 7},)), [search(np.nan)]) == {"C": 7}
