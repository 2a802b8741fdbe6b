import numpy as np
import pandas as pd

from placerisk.fairness import FairnessPolicy, audit
from placerisk.fairness._metrics import count_dependencies
from placerisk.fairness._suppression import round_count
from placerisk.fairness._tables import RATE_COLUMNS

from .conftest import make_population

LIMIT = 10


def _published_and_full():
    y, score, sf = make_population(n=1500, seed=11)
    sf.loc[sf.index[:12], "sex"] = None  # a small "Missing" group
    result = audit(y, score, sf, k=60, intersections=[("ethnicity", "sex")], policy=FairnessPolicy(n_boot=30))
    return result


def test_no_published_table_shows_a_small_count_or_a_rate_from_one():
    result = _published_and_full()
    full, pub = result.table("by_group", published=False), result.table("by_group")
    counts = ["n", "positives", "negatives", "selected", "tp", "fp", "fn", "tn"]
    shown = pub[counts].to_numpy(float)
    assert np.all(np.isnan(shown) | (shown >= LIMIT))
    assert np.all(np.isnan(shown) | (shown % 5 == 0))
    for metric in ("selection_rate", "recall", "false_negative_rate", "false_positive_rate", "precision",
                   "false_omission_rate"):
        small = np.zeros(len(full), dtype=bool)
        for expr in count_dependencies(metric):
            small |= sum(full[c] for c in expr.split("+")).to_numpy() < LIMIT
        assert small.any(), metric  # the test data must exercise the rule
        for column in (metric, f"{metric}_low", f"{metric}_high"):
            assert pub.loc[small, column].isna().all(), column
            assert all(column in s for s in pub.loc[small, "suppressed"])
    small_class = (full["positives"] < LIMIT) | (full["negatives"] < LIMIT)
    for column in ("roc_auc", "base_rate", "observed_to_expected"):
        assert pub.loc[small_class, column].isna().all()


def test_calibration_and_disparity_cells_are_suppressed():
    result = _published_and_full()
    cal_full, cal = result.table("calibration", published=False), result.table("calibration")
    small = ((cal_full["positives"] < LIMIT) | (cal_full["negatives"] < LIMIT)).to_numpy()
    assert small.any()
    assert cal.loc[small, ["observed_rate", "observed_rate_low", "observed_rate_high"]].isna().all().all()
    for column in ("n", "positives", "negatives"):
        shown = cal[column].to_numpy(float)
        assert np.all(np.isnan(shown) | (shown >= LIMIT))
    disp_full, disp = result.table("disparities", published=False), result.table("disparities")
    hidden = disp_full["min_count"].to_numpy() < LIMIT
    assert hidden.any() and "min_count" not in disp.columns
    assert disp.loc[hidden, ["ratio", "ratio_low", "ratio_high", "difference"]].isna().all().all()
    # Full tables keep every figure.
    assert disp_full.loc[hidden & disp_full["value"].notna(), "value"].notna().any()


def test_published_rates_are_unchanged_where_shown():
    result = _published_and_full()
    full, pub = result.table("by_group", published=False), result.table("by_group")
    for column in RATE_COLUMNS:
        shown = pub[column].notna()
        np.testing.assert_array_equal(pub.loc[shown, column], full.loc[shown, column].round(3))


def test_rounding_is_half_up_to_multiples():
    assert round_count([10, 12, 12.5, 13, 17], 5).tolist() == [10, 10, 15, 15, 15]
    assert round_count([11], 1).tolist() == [11]


def test_published_table_does_not_change_the_full_one():
    result = _published_and_full()
    before = result.table("by_group", published=False)
    copy = result.table("by_group", published=False)
    copy["n"] = 0
    pd.testing.assert_frame_equal(before, result.table("by_group", published=False))
