"""RiskModel: calibration on later data, 1-20 bands, strict feature frames."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from placerisk.models import BANDS, fit_calibrator, logistic_regression, ventile_edges

from .conftest import make_xy


def test_isotonic_calibration_matches_the_base_rate_on_its_data(train_cal):
    X, y, X_cal, y_cal = train_cal
    estimator = logistic_regression().fit(X, y)
    coef = estimator[-1].coef_.copy()
    calibrator = fit_calibrator(estimator, X_cal, y_cal)
    p = calibrator.predict_proba(X_cal)[:, 1]
    assert p.mean() == pytest.approx(y_cal.mean(), abs=1e-9)
    np.testing.assert_array_equal(estimator[-1].coef_, coef)  # not refitted
    # isotonic: the calibrated probability never goes down as the model score goes up
    order = np.argsort(estimator.predict_proba(X_cal)[:, 1], kind="stable")
    assert np.all(np.diff(p[order]) >= 0)


def test_sigmoid_calibration_keeps_the_order(train_cal):
    X, y, X_cal, y_cal = train_cal
    estimator = logistic_regression().fit(X, y)
    p = fit_calibrator(estimator, X_cal, y_cal, method="sigmoid").predict_proba(X_cal)[:, 1]
    raw = estimator.predict_proba(X_cal)[:, 1]
    assert np.all((p > 0) & (p < 1))
    assert np.all(np.diff(p[np.argsort(raw)]) >= 0)
    assert p.mean() == pytest.approx(y_cal.mean(), abs=0.01)


def test_calibration_refuses_one_class_and_unknown_methods(train_cal):
    X, y, X_cal, y_cal = train_cal
    estimator = logistic_regression().fit(X, y)
    with pytest.raises(ValueError, match=r"calibration data: got classes \[1\]; expected both 0 and 1"):
        fit_calibrator(estimator, X_cal, np.ones_like(y_cal))
    with pytest.raises(ValueError, match=r"calibration method: got 'beta'; expected 'isotonic' or 'sigmoid'"):
        fit_calibrator(estimator, X_cal, y_cal, method="beta")


def test_calibration_on_too_few_of_a_class_is_a_clear_error_not_a_library_one(train_cal):
    X, y, X_cal, y_cal = train_cal
    estimator = logistic_regression().fit(X, y)
    few = np.r_[np.flatnonzero(y_cal == 0)[:50], np.flatnonzero(y_cal == 1)[:4]]
    with pytest.raises(ValueError, match=r"got 50 rows without the outcome and 4 with it; expected at least 5 of each"):
        fit_calibrator(estimator, X_cal.iloc[few], y_cal[few])
    enough = np.r_[np.flatnonzero(y_cal == 0)[:50], np.flatnonzero(y_cal == 1)[:5]]
    assert fit_calibrator(estimator, X_cal.iloc[enough], y_cal[enough]) is not None


def test_ventile_edges_split_distinct_scores_into_twenty_equal_bands(logistic_model):
    scores = np.random.default_rng(0).random(4000)
    edges = ventile_edges(scores)
    assert edges.shape == (BANDS - 1,) and np.all(np.diff(edges) > 0)
    # np.quantile at j/20 falls strictly between sorted values 200j - 1 and 200j (0-based), so each band holds 200
    counts = np.bincount(dataclasses.replace(logistic_model, ventile_edges=edges).band(scores))
    assert counts[1:].tolist() == [200] * 20


def test_bands_on_the_calibration_data_are_near_equal(logistic_model, train_cal):
    _, _, X_cal, _ = train_cal
    rank = logistic_model.rank_score(X_cal)
    bands = logistic_model.band(rank)
    counts = np.bincount(bands, minlength=BANDS + 1)[1:]
    assert bands.min() == 1 and bands.max() == BANDS
    ties = len(rank) - len(np.unique(rank))
    assert counts.sum() == 2000 and np.abs(counts - 100).max() <= 1 + ties
    # higher scores never get a lower band
    order = np.argsort(rank)
    assert np.all(np.diff(bands[order]) >= 0)


def test_band_boundaries(logistic_model):
    edges = logistic_model.ventile_edges
    assert logistic_model.band(np.array([-1.0, edges[0], edges[0] - 1e-12, edges[-1], 2.0])).tolist() == [1, 2, 1, 20, 20]


def test_predict_columns_dtypes_and_order(logistic_model, train_cal):
    _, _, X_cal, _ = train_cal
    X = X_cal.iloc[:50].copy()
    X.index = [f"F{i}" for i in range(50)]
    out = logistic_model.predict(X)
    assert list(out.columns) == ["score", "band", "rank_score"]
    assert out.dtypes.astype(str).tolist() == ["float64", "int64", "float64"]
    assert out.index.tolist() == X.index.tolist()
    np.testing.assert_array_equal(out["rank_score"], logistic_model.estimator.predict_proba(X.astype(float))[:, 1])
    np.testing.assert_array_equal(out["score"], logistic_model.predict_proba(X))
    np.testing.assert_array_equal(out["band"], logistic_model.band(out["rank_score"].to_numpy()))
    # columns in another order, plus extra columns, give the same answer
    shuffled = X[list(reversed(X.columns))].assign(family_id="x", extra=1.0)
    pd.testing.assert_frame_equal(logistic_model.predict(shuffled), out)


def test_frame_refuses_missing_and_non_numeric_columns(logistic_model, train_cal):
    _, _, X_cal, _ = train_cal
    X = X_cal.iloc[:5]
    with pytest.raises(ValueError, match=r"X: missing 2 feature column\(s\), e.g. \['contacts', 'noise'\]; expected the model's 5 features"):
        logistic_model.frame(X.drop(columns=["contacts", "noise"]))
    with pytest.raises(ValueError, match=r"X: column 'contacts' has type (object|str|string); expected numbers"):
        logistic_model.predict(X.assign(contacts=X["contacts"].astype(str)))
    with pytest.raises(ValueError, match=r"X: column 'noise' has type bool; expected numbers"):
        logistic_model.predict(X.assign(noise=X["noise"] > 0))
    frame = logistic_model.frame(X.assign(contacts=X["contacts"].astype("int32")))
    assert (frame.dtypes == np.float64).all() and list(frame.columns) == list(logistic_model.feature_names)


def test_explain_uses_the_descriptions(logistic_model):
    X, _ = make_xy(20, seed=9)
    reasons = logistic_model.explain(X, top=2)
    assert list(reasons.columns) == ["row", "rank", "feature", "description", "value", "contribution"]
    assert reasons.groupby("row").size().max() <= 2 and (reasons["contribution"] > 0).all()
    named = reasons[reasons["feature"] == "violence_12m"]
    assert (named["description"] == "Violence, last 12 months").all()
    others = reasons[reasons["feature"] != "violence_12m"]
    assert (others["description"] == others["feature"]).all()


def test_families_tied_at_the_lowest_score_get_the_band_of_the_middle_of_their_block_not_its_end():
    """40% of the calibration population ties at the lowest score (no events): mid-rank 20%, so band 5, not band 9."""
    scores = np.r_[np.full(4000, 0.01), np.linspace(0.02, 0.9, 6000)]
    edges = ventile_edges(scores)
    bands = 1 + np.searchsorted(edges, scores, side="right")
    assert set(bands[:4000]) == {5}
    counts = np.bincount(bands, minlength=BANDS + 1)[1:]
    assert counts[:4].sum() == 0 and counts[4] == 4000  # bands 1-4 are empty: nobody can be told apart there
    assert (abs(counts[8:] - 500) <= 1).all()  # above the block, twentieths as before
    # a new family tied with the block gets the block's band; one just above, the next calibration score's
    assert (1 + np.searchsorted(edges, [0.01, 0.015, 0.0], side="right")).tolist() == [5, 5, 1]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ties_anywhere_share_one_band_and_bands_never_fall_as_scores_rise(seed):
    rng = np.random.default_rng(seed)
    scores = np.round(rng.beta(0.5, 3, 5000), 2)  # heavy ties at every level
    edges = ventile_edges(scores)
    bands = 1 + np.searchsorted(edges, scores, side="right")
    for value in np.unique(scores):
        assert len(set(bands[scores == value])) == 1
    order = np.argsort(scores, kind="stable")
    assert np.all(np.diff(bands[order]) >= 0)
    # each block's band is that of its mid-rank percentile
    from scipy.stats import percentileofscore
    for value in np.unique(scores)[:10]:
        expected = min(int(np.floor(percentileofscore(scores, value, kind="mean") / 100 * BANDS)) + 1, BANDS)
        assert bands[scores == value][0] == expected


@pytest.mark.parametrize("method", ["isotonic", "sigmoid"])
def test_probabilities_equal_the_calibrators_own_with_the_response_computed_once(method):
    from placerisk.models import RiskModel, lightgbm_classifier

    X, y = make_xy(3000, seed=4)
    for estimator in (logistic_regression(C=1.0), lightgbm_classifier(random_state=0, n_jobs=1, n_estimators=30, num_leaves=7)):
        estimator.fit(X[:2000], y[:2000])
        calibrator = fit_calibrator(estimator, X[2000:], y[2000:], method)
        model = RiskModel("m", estimator, calibrator, tuple(X.columns), ventile_edges(estimator.predict_proba(X)[:, 1]))
        np.testing.assert_allclose(model.predict(X)["score"].to_numpy(), calibrator.predict_proba(X.astype(float))[:, 1], rtol=0, atol=1e-12)
