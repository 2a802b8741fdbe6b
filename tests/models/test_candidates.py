"""The learnt candidates: reproducible given random_state, unknown parameters refused."""

from __future__ import annotations

import numpy as np
import pytest

from placerisk.models import (
    LIGHTGBM_DEFAULTS,
    lightgbm_classifier,
    logistic_regression,
    signed_log1p,
)

from .conftest import TINY_LGBM


def test_signed_log1p_by_hand():
    out = signed_log1p([[0.0, 1.0, -1.0, np.e - 1, -(np.e**2 - 1)]])
    np.testing.assert_allclose(out, [[0.0, np.log(2), -np.log(2), 1.0, -2.0]])


def test_logistic_regression_is_deterministic(train_cal):
    X, y, X_cal, _ = train_cal
    a = logistic_regression(C=0.5).fit(X, y).predict_proba(X_cal)
    b = logistic_regression(C=0.5).fit(X, y).predict_proba(X_cal)
    np.testing.assert_array_equal(a, b)
    model = logistic_regression(C=0.5, max_iter=50)
    assert [name for name, _ in model.steps] == ["signed_log", "scale", "model"]
    assert model[-1].C == 0.5 and model[-1].max_iter == 50


def test_lightgbm_is_deterministic_given_random_state(train_cal):
    X, y, X_cal, _ = train_cal
    a = lightgbm_classifier(random_state=7, n_jobs=1, **TINY_LGBM).fit(X, y).predict_proba(X_cal)
    b = lightgbm_classifier(random_state=7, n_jobs=1, **TINY_LGBM).fit(X, y).predict_proba(X_cal)
    np.testing.assert_array_equal(a, b)
    # row and column subsampling do depend on the seed
    c = lightgbm_classifier(random_state=8, n_jobs=1, **TINY_LGBM).fit(X, y).predict_proba(X_cal)
    assert not np.array_equal(a, c)


def test_lightgbm_parameters_overlay_the_defaults():
    params = lightgbm_classifier(random_state=3, n_jobs=1, num_leaves=7, reg_alpha=0.1, max_depth=4).get_params()
    assert params["num_leaves"] == 7 and params["reg_alpha"] == 0.1 and params["max_depth"] == 4
    for key in set(LIGHTGBM_DEFAULTS) - {"num_leaves"}:
        assert params[key] == LIGHTGBM_DEFAULTS[key], key
    assert params["random_state"] == 3 and params["n_jobs"] == 1 and params["deterministic"] is True
    assert lightgbm_classifier(random_state=0).get_params()["n_jobs"] == 2


def test_unknown_lightgbm_parameters_are_refused():
    with pytest.raises(ValueError, match=r"lightgbm parameters: got \['colsample', 'num_leafs'\]; expected some of"):
        lightgbm_classifier(random_state=0, num_leafs=7, colsample=0.5)
