import numpy as np
import pandas as pd
import pytest

from placerisk.fairness import proxy_check
from placerisk.fairness._proxy import BAD_X


def _data(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    sf = pd.DataFrame({"ethnicity": rng.choice(["A", "B", "C"], n), "sex": rng.choice(["F", "M"], n)})
    X = pd.DataFrame(rng.normal(size=(n, 8)), columns=[f"x{i}" for i in range(8)])
    X["postcode_signal"] = (sf["ethnicity"] == "B") * 2.0 + rng.normal(size=n) * 0.5
    X["x1"] = X["x1"].where(rng.random(n) > 0.1)  # missing values are allowed
    X["school"] = np.where(sf["sex"] == "F", "girls", rng.choice(["mixed", "girls"], n))
    return X, sf


def test_planted_proxies_rank_first_and_the_combined_model_beats_chance():
    X, sf = _data()
    result = proxy_check(X, sf, top=3, model_rows=2000)
    assoc = result.associations
    first = assoc[assoc["rank"] == 1].set_index("feature")["input"].to_dict()
    assert first == {"ethnicity": "postcode_signal", "sex": "school"}
    assert assoc.loc[assoc["input"] == "school", "measure"].iloc[0] == "Cramér's V"
    assert (assoc.groupby("feature").size() == 3).all()
    combined = result.combined.set_index("feature")
    assert combined.loc["ethnicity", "balanced_accuracy"] > combined.loc["ethnicity", "chance"] + 0.15
    assert combined.loc["sex", "chance"] == 0.5


def test_no_signal_gives_weak_associations():
    rng = np.random.default_rng(1)
    n = 4000
    X = pd.DataFrame(rng.normal(size=(n, 5)), columns=list("abcde"))
    sf = pd.DataFrame({"sex": rng.choice(["F", "M"], n)})
    result = proxy_check(X, sf, model_rows=1000)
    assert result.associations["strength"].max() < 0.08
    assert result.combined["balanced_accuracy"].iloc[0] < 0.6


def test_subsampling_is_reproducible_and_inputs_untouched():
    X, sf = _data(n=2000)
    before = X.copy()
    a = proxy_check(X, sf, max_rows=1000, model_rows=500, random_state=4)
    b = proxy_check(X, sf, max_rows=1000, model_rows=500, random_state=4)
    pd.testing.assert_frame_equal(a.associations, b.associations)
    pd.testing.assert_frame_equal(X, before)
    assert a.method["rows"] == 1000


def test_x_must_be_a_frame():
    with pytest.raises(TypeError) as err:
        proxy_check(np.zeros((3, 2)), pd.DataFrame({"s": ["a", "b", "a"]}))
    assert str(err.value) == BAD_X.format(got="ndarray")
