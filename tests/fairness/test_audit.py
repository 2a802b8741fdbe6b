import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import (
    MetricFrame,
    count,
    false_negative_rate,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn.metrics import precision_score, roc_auc_score

from placerisk.fairness import FairnessPolicy, audit, selection_mask
from placerisk.fairness._inputs import BAD_INTERSECTION, BAD_Y_TRUE

from .conftest import make_population

# A small scores table whose confusion matrices per group were worked out by hand.
# Top 5 by score; rows 4, 5 and 6 tie at 0.6 and row 4 (earliest) takes the last place.
HAND = pd.DataFrame({
    "score": [0.9, 0.8, 0.8, 0.7, 0.6, 0.6, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1],
    "label": [1, 0, 1, 1, 0, 1, 0, 1, 0, 1, 0, 0],
    "group": ["A", "B", "A", "B", "A", "B", None, "A", "B", None, "A", "B"],
})
HAND_CELLS = {  # group: (tp, fp, fn, tn)
    "A": (2, 1, 1, 1),
    "B": (1, 1, 1, 2),
    "Missing": (0, 0, 1, 1),
}
FAST = FairnessPolicy(n_boot=50, min_cell_count=1, round_to=1)


def test_reproduces_hand_computed_confusion_matrices():
    result = audit(HAND["label"], HAND["score"], HAND[["group"]], k=5, policy=FAST)
    table = result.table("by_group", published=False).set_index("group")
    for group, cells in HAND_CELLS.items():
        assert tuple(table.loc[group, ["tp", "fp", "fn", "tn"]]) == cells, group
    op = result.operating_point
    assert (op["n_selected"], op["cutoff_score"], op["rows_tied_at_cutoff"], op["tied_rows_selected"]) == (5, 0.6, 3, 1)
    assert table.loc["A", "false_negative_rate"] == pytest.approx(1 / 3)
    assert table.loc["B", "precision"] == pytest.approx(1 / 2)


def test_threshold_operating_point_matches_hand_count():
    result = audit(HAND["label"], HAND["score"], HAND[["group"]], threshold=0.6, policy=FAST)
    table = result.table("by_group", published=False).set_index("group")
    assert table["selected"].to_dict() == {"A": 3, "B": 3, "Missing": 1}


@pytest.mark.filterwarnings("ignore:Only one class:sklearn.exceptions.UndefinedMetricWarning")
def test_point_estimates_equal_fairlearn_metricframe():
    y, score, sf = make_population(n=3000, seed=3)
    sf.loc[sf.index[:40], "sex"] = None
    k = 400
    result = audit(y, score, sf, k=k, intersections=[("ethnicity", "sex")], policy=FairnessPolicy(n_boot=20))
    ours = result.table("by_group", published=False)
    y_pred = selection_mask(score, k=k).astype(int)
    frame = sf.fillna("Missing")
    frame["ethnicity x sex"] = frame["ethnicity"] + ", " + frame["sex"]
    metrics = {"selection_rate": selection_rate, "recall": true_positive_rate,
               "false_negative_rate": false_negative_rate, "false_positive_rate": false_positive_rate,
               "precision": lambda t, p: precision_score(t, p, zero_division=np.nan), "n": count}
    for feature in frame.columns:
        mf = MetricFrame(metrics=metrics, y_true=y, y_pred=y_pred, sensitive_features=frame[feature])
        auc = MetricFrame(metrics=roc_auc_score, y_true=y, y_pred=score, sensitive_features=frame[feature])
        mine = ours[ours["feature"] == feature].set_index("group")
        expected = mf.by_group.loc[mine.index]
        for column in metrics:
            got, want = mine[column].to_numpy(float), expected[column].to_numpy(float)
            defined = ~np.isnan(got)  # undefined (0/0): we report NaN where fairlearn reports 0
            np.testing.assert_allclose(got[defined], want[defined], rtol=1e-12, atol=0, err_msg=f"{feature} {column}")
            assert np.all((want[~defined] == 0) | np.isnan(want[~defined])), (feature, column)
        np.testing.assert_allclose(mine["roc_auc"], auc.by_group.loc[mine.index].to_numpy(float), rtol=1e-12)


def test_missing_values_become_an_explicit_group_and_inputs_are_untouched(population):
    y, score, sf = population
    sf = sf.copy()
    sf.loc[sf.index[:25], "sex"] = np.nan
    before = sf.copy()
    score_before = score.copy()
    result = audit(y, score, sf, k=300, policy=FairnessPolicy(n_boot=20))
    groups = result.table("by_group", published=False)
    assert "Missing" in set(groups.loc[groups["feature"] == "sex", "group"])
    pd.testing.assert_frame_equal(sf, before)
    np.testing.assert_array_equal(score, score_before)


def test_intersections_are_audited_as_an_extra_feature(population):
    y, score, sf = population
    result = audit(y, score, sf, k=300, intersections=[("ethnicity", "sex")], policy=FairnessPolicy(n_boot=20))
    groups = result.table("by_group", published=False)
    cross = groups[groups["feature"] == "ethnicity x sex"]
    assert set(cross["group"]) == {f"{e}, {s}" for e in "ABC" for s in "FM"}
    assert cross["n"].sum() == len(y)


def test_bad_intersection_is_refused(population):
    y, score, sf = population
    with pytest.raises(ValueError) as err:
        audit(y, score, sf, k=10, intersections=[("ethnicity", "age")])
    assert str(err.value) == BAD_INTERSECTION.format(columns="ethnicity, sex", got=("ethnicity", "age"))


def test_non_binary_labels_are_refused(population):
    _, score, sf = population
    with pytest.raises(ValueError) as err:
        audit(np.full(len(score), 2), score, sf, k=10)
    assert str(err.value) == BAD_Y_TRUE.format(got=[2])


def test_same_seed_same_intervals_other_seed_other_intervals(population):
    y, score, sf = population
    policy = FairnessPolicy(n_boot=40)
    a = audit(y, score, sf, k=300, policy=policy, random_state=1).table("disparities", published=False)
    b = audit(y, score, sf, k=300, policy=policy, random_state=1).table("disparities", published=False)
    c = audit(y, score, sf, k=300, policy=policy, random_state=2).table("disparities", published=False)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["ratio_low"], c["ratio_low"], equal_nan=True)
    np.testing.assert_array_equal(a["ratio"], c["ratio"])


def test_configured_reference_group_is_used(population):
    y, score, sf = population
    policy = FairnessPolicy(n_boot=20, reference_group={"ethnicity": "C"})
    table = audit(y, score, sf, k=300, policy=policy).table("disparities", published=False)
    assert set(table.loc[table["feature"] == "ethnicity", "reference_group"]) == {"C"}
    assert set(table.loc[table["feature"] == "sex", "reference_group"]) == {"F"} or \
        set(table.loc[table["feature"] == "sex", "reference_group"]) == {"M"}


def test_unknown_reference_group_names_the_choices(population):
    y, score, sf = population
    with pytest.raises(ValueError, match="expected one of A, B, C"):
        audit(y, score, sf, k=300, policy=FairnessPolicy(reference_group={"ethnicity": "Z"}))


def test_intervals_contain_point_estimates_and_tiny_groups_keep_their_size():
    y, score, sf = make_population(n=2000, seed=5)
    sf.loc[sf.index[:3], "ethnicity"] = "Tiny"
    result = audit(y, score, sf, k=200, policy=FairnessPolicy(n_boot=50))
    groups = result.table("by_group", published=False)
    ok = groups["selection_rate_low"].notna()
    assert (groups.loc[ok, "selection_rate_low"] <= groups.loc[ok, "selection_rate"] + 1e-12).all()
    assert (groups.loc[ok, "selection_rate_high"] >= groups.loc[ok, "selection_rate"] - 1e-12).all()
    # The 3-family group is resampled within itself: its base-rate interval stays on multiples of 1/3.
    tiny = groups.set_index("group").loc["Tiny"]
    assert tiny["n"] == 3
    assert np.isclose(3 * tiny["base_rate_low"], round(3 * tiny["base_rate_low"]))


def test_multinomial_bootstrap_matches_row_resampling_in_distribution():
    """Resampling a group's rows and drawing its cell counts give the same replicate spread."""
    y, score, sf = make_population(n=1500, seed=7)
    k = 200
    result = audit(y, score, sf[["ethnicity"]], k=k, policy=FairnessPolicy(n_boot=2000, ci_level=0.9))
    ours = result.table("by_group", published=False).set_index("group").loc["B"]
    rng = np.random.default_rng(0)
    member = (sf["ethnicity"] == "B").to_numpy()
    sel, lab = selection_mask(score, k=k)[member], y[member]
    fnr = []
    for _ in range(2000):
        i = rng.integers(0, member.sum(), member.sum())
        fnr.append(((~sel[i]) & (lab[i] == 1)).sum() / (lab[i] == 1).sum())
    lo, hi = np.quantile(fnr, [0.05, 0.95])
    assert ours["false_negative_rate_low"] == pytest.approx(lo, abs=0.02)
    assert ours["false_negative_rate_high"] == pytest.approx(hi, abs=0.02)
