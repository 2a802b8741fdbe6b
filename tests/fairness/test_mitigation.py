import numpy as np
import pandas as pd
import pytest

from placerisk.fairness import FairnessPolicy, mitigation_tradeoffs, publish_mitigation
from placerisk.fairness._mitigation import ONE_FEATURE

from .conftest import make_population


@pytest.fixture(scope="module")
def table():
    y, score, sf = make_population(n=6000, seed=2, gap=1.2)
    return mitigation_tradeoffs(y, score, sf["ethnicity"], k=600, max_rows=3000)


def test_rows_and_list_sizes(table):
    assert table["option"].tolist()[:3] == ["Unmitigated top k", "Group-aware cutoffs: equal selection rate",
                                            "Group-aware cutoffs: equal recall"]
    assert table["option"].str.startswith("ThresholdOptimizer").sum() == 2
    assert (table["selected"].iloc[:3] == 600).all()
    np.testing.assert_allclose(table["precision"], table["true_positives"] / table["selected"])


def test_equal_recall_narrows_the_missed_family_gap(table):
    spread = np.log(table["max_ratio_false_negative_rate"]) - np.log(table["min_ratio_false_negative_rate"])
    assert spread.iloc[2] < spread.iloc[0]
    assert table["worst_group"].iloc[0] == "B"


def test_one_feature_only():
    y, score, sf = make_population(n=200)
    with pytest.raises(ValueError) as err:
        mitigation_tradeoffs(y, score, sf, k=20)
    assert str(err.value) == ONE_FEATURE.format(got=["ethnicity", "sex"])


def test_published_table_hides_small_counts(table):
    small = pd.concat([table, table.iloc[[0]].assign(option="tiny", selected=7, true_positives=3,
                                                       false_positives=4)], ignore_index=True)
    pub = publish_mitigation(small, FairnessPolicy())
    assert np.isnan(pub["selected"].iloc[-1]) and np.isnan(pub["precision"].iloc[-1])
    shown = pub["selected"].dropna()
    assert (shown % 5 == 0).all()
