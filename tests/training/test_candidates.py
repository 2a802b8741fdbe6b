"""CandidateSpec: validated kinds and grids, fresh estimators per grid point."""

from __future__ import annotations

import pytest
from sklearn.pipeline import Pipeline

from placerisk.models import BestSingleFeature, RuleScore
from placerisk.training import KINDS, CandidateSpec
from placerisk.training.candidates import params_key


def test_unknown_kind_and_empty_grid_are_refused():
    with pytest.raises(ValueError, match=r"candidate 'x': kind got 'xgboost'; expected one of \['rule', 'best_single_feature', 'logistic', 'lightgbm'\]"):
        CandidateSpec("x", "xgboost")
    with pytest.raises(ValueError, match="candidate 'x': grid is empty"):
        CandidateSpec("x", "logistic", grid=())


def test_baselines_and_builds():
    assert KINDS == ("rule", "best_single_feature", "logistic", "lightgbm")
    rule = CandidateSpec("r", "rule").build({"columns": ["a", "b"], "tiebreak": ["c"]}, random_state=0)
    assert isinstance(rule, RuleScore) and rule.columns == ("a", "b") and rule.tiebreak == ("c",)
    assert CandidateSpec("r", "rule").build({"columns": ["a"]}, random_state=0).tiebreak == ()
    best = CandidateSpec("b", "best_single_feature").build({}, random_state=5)
    assert isinstance(best, BestSingleFeature) and best.random_state == 5
    logistic = CandidateSpec("l", "logistic").build({"C": 0.3}, random_state=0)
    assert isinstance(logistic, Pipeline) and logistic[-1].C == 0.3
    lgbm = CandidateSpec("g", "lightgbm").build({"n_estimators": 30}, random_state=9, n_jobs=1)
    assert lgbm.get_params()["n_estimators"] == 30 and lgbm.get_params()["random_state"] == 9 and lgbm.get_params()["n_jobs"] == 1
    assert [CandidateSpec("n", k).is_baseline for k in KINDS] == [True, True, False, False]
    # each build is a fresh object
    spec = CandidateSpec("l", "logistic")
    assert spec.build({}, random_state=0) is not spec.build({}, random_state=0)


def test_params_key_is_stable():
    assert params_key({"b": 1, "a": [1, 2]}) == params_key({"a": [1, 2], "b": 1}) == '{"a": [1, 2], "b": 1}'
