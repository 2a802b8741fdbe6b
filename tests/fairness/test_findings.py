import numpy as np
import pandas as pd
import pytest

from placerisk.fairness import FairnessPolicy, audit
from placerisk.fairness._findings import (
    INCONCLUSIVE,
    NOT_ASSESSABLE,
    OUTSIDE,
    WITHIN,
    multiple_comparisons,
    status,
)

from .conftest import make_population

POLICY = FairnessPolicy()


@pytest.mark.parametrize("low, high, expected", [
    (1.3, 1.9, OUTSIDE), (0.5, 0.79, OUTSIDE), (0.85, 1.2, WITHIN), (1.1, 1.6, INCONCLUSIVE),
    (0.7, 1.1, INCONCLUSIVE), (np.nan, 1.1, NOT_ASSESSABLE),
])
def test_flag_only_when_whole_interval_is_outside(low, high, expected):
    assert status(low, high, True, POLICY) == expected


def test_small_cells_are_never_assessed():
    assert status(1.5, 2.0, False, POLICY) == NOT_ASSESSABLE


def test_planted_gap_in_missed_families_turns_the_light_red():
    y, score, sf = make_population(n=20000, seed=1, gap=1.5)
    result = audit(y, score, sf, k=2000, policy=FairnessPolicy(n_boot=100))
    assert result.traffic_light == "red"
    first = result.findings[0]
    # recall and the false-negative rate are complements: one finding, with one id, stands for both
    assert (first.feature, first.group, first.metric, first.status) == ("ethnicity", "B", "recall", OUTSIDE)
    assert first.id == "F-ethnicity-B-recall" and set(first.covers) == {"recall", "false_negative_rate"}
    assert [f.id for f in result.findings].count("F-ethnicity-B-recall") == 1
    assert first.ratio_high < 0.8
    assert first.sentence.startswith("Families in group B (ethnicity) who are in need are found (recall)")
    assert "outside the panel's tolerance of 0.8–1.25" in first.sentence
    table = result.table("disparities", published=False).set_index(["feature", "group", "metric"])
    assert table.loc[("ethnicity", "B", "false_negative_rate"), "status"] == OUTSIDE  # the table keeps both rows
    assert table.loc[("ethnicity", "B", "false_negative_rate"), "id"] == "F-ethnicity-B-recall"


def test_group_names_word_the_sentences():
    y, score, sf = make_population(n=20000, seed=1, gap=1.5)
    result = audit(y, score, sf, k=2000, policy=FairnessPolicy(n_boot=20),
                   group_names={"ethnicity": {"B": "families recorded as B", "A": "families recorded as A"}})
    assert result.findings[0].sentence.startswith("Families recorded as B who are in need are found (recall) 0.")
    assert "times as often as families recorded as A (95% interval" in result.findings[0].sentence
    assert result.findings[0].id == "F-ethnicity-B-recall"


def test_no_gap_and_large_groups_give_green():
    rng = np.random.default_rng(0)
    n = 60000
    sf = pd.DataFrame({"sex": rng.choice(["F", "M"], n)})
    y = (rng.random(n) < 0.3).astype(int)
    score = rng.normal(size=n) + 2 * y
    policy = FairnessPolicy(n_boot=100, secondary_metrics=("selection_rate",), ratio_low=0.9, ratio_high=1.1)
    result = audit(y, score, sf, k=15000, policy=policy)
    assert result.traffic_light == "green"
    assert result.findings == ()


def test_secondary_only_breach_is_amber():
    rng = np.random.default_rng(3)
    n = 40000
    sex = rng.choice(["F", "M"], n)
    y = (rng.random(n) < np.where(sex == "F", 0.4, 0.2)).astype(int)
    score = rng.normal(size=n) + 3 * y
    policy = FairnessPolicy(n_boot=100, primary_metrics=("roc_auc",), secondary_metrics=("selection_rate",))
    result = audit(y, score, pd.DataFrame({"sex": sex}), k=12000, policy=policy)
    assert result.traffic_light == "amber"
    assert [f.metric for f in result.findings if f.status == OUTSIDE] == ["selection_rate"]


def test_multiple_comparisons_expected_false_flags_and_bonferroni():
    plain = multiple_comparisons(40, FairnessPolicy())
    assert plain["expected_false_flags_at_most"] == pytest.approx(40 * 0.025)
    adjusted = multiple_comparisons(40, FairnessPolicy(adjust="bonferroni"))
    assert adjusted["interval_level"] == pytest.approx(1 - 0.05 / 40)
    assert adjusted["expected_false_flags_at_most"] == pytest.approx(0.025)


def test_bonferroni_widens_the_flag_intervals(population):
    y, score, sf = population
    a = audit(y, score, sf, k=400, policy=FairnessPolicy(n_boot=100)).table("disparities", published=False)
    b = audit(y, score, sf, k=400, policy=FairnessPolicy(n_boot=100, adjust="bonferroni")).table(
        "disparities", published=False)
    ok = a["ratio_low"].notna() & b["ratio_low"].notna()
    assert (b.loc[ok, "ratio_high"] - b.loc[ok, "ratio_low"] >= a.loc[ok, "ratio_high"] - a.loc[ok, "ratio_low"]).all()


def test_labels_that_would_share_an_id_get_distinct_ids_and_both_findings_stand():
    from placerisk.fairness._findings import unique_ids

    table = pd.DataFrame({"feature": ["eth", "eth", "eth"], "group": ["Black British", "Black/British", "White"],
                          "metric": ["recall", "recall", "recall"]})
    ids = unique_ids(table)
    assert len(set(ids)) == 3 and ids[2] == "F-eth-White-recall"
    assert ids[0].startswith("F-eth-Black_British.") and ids[0] != ids[1]
