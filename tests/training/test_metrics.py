"""Ranking and probability metrics against hand calculations and scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from placerisk.training import (
    calibration_curve,
    calibration_error,
    evaluate,
    precision_at_k,
    ranking,
    recall_at_k,
    top_decile_lift,
)
from placerisk.training.metrics import k_for_share

Y = np.array([1, 0, 1, 0, 0, 1])
S = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])

# Ties: row 1 is first (0.9); rows 0, 2, 3 share 0.5 and are ordered by id F1 (row 2), F2 (row 3), F3 (row 0).
TIE_Y = np.array([1, 0, 0, 1, 0])
TIE_S = np.array([0.5, 0.9, 0.5, 0.5, 0.1])
TIE_ID = np.array(["F3", "F9", "F1", "F2", "F0"])


@pytest.mark.parametrize(("k", "precision", "recall"), [(1, 1.0, 1 / 3), (2, 1 / 2, 1 / 3), (3, 2 / 3, 2 / 3), (6, 1 / 2, 1.0)])
def test_precision_and_recall_at_k_by_hand(k, precision, recall):
    assert precision_at_k(Y, S, k) == pytest.approx(precision)
    assert recall_at_k(Y, S, k) == pytest.approx(recall)


def test_ties_without_a_tiebreak_keep_row_order():
    assert ranking(TIE_S).tolist() == [1, 0, 2, 3, 4]
    assert precision_at_k(TIE_Y, TIE_S, 2) == pytest.approx(1 / 2)


def test_ties_are_broken_by_tiebreak_ascending():
    assert ranking(TIE_S, TIE_ID).tolist() == [1, 2, 3, 0, 4]
    assert precision_at_k(TIE_Y, TIE_S, 2, tiebreak=TIE_ID) == 0.0
    assert precision_at_k(TIE_Y, TIE_S, 3, tiebreak=TIE_ID) == pytest.approx(1 / 3)
    assert recall_at_k(TIE_Y, TIE_S, 3, tiebreak=TIE_ID) == pytest.approx(1 / 2)


def _tied_table(seed=3, n=400):
    rng = np.random.default_rng(seed)
    y_score = rng.integers(0, 4, n).astype(float)  # four distinct scores: many ties
    y_true = (rng.random(n) < 0.1 + 0.1 * y_score).astype(int)
    ids = np.array([f"F{i:04d}" for i in range(n)])
    return y_true, y_score, ids


def test_shuffling_rows_does_not_change_results_when_a_tiebreak_is_given():
    y_true, y_score, ids = _tied_table()
    perm = np.random.default_rng(4).permutation(len(y_true))
    for k in (7, 50, 123):
        assert precision_at_k(y_true, y_score, k, ids) == precision_at_k(y_true[perm], y_score[perm], k, ids[perm])
        assert recall_at_k(y_true, y_score, k, ids) == recall_at_k(y_true[perm], y_score[perm], k, ids[perm])


def test_ranking_is_by_score_descending_whatever_the_tiebreak():
    _, y_score, ids = _tied_table()
    order = ranking(y_score, ids)
    assert sorted(order.tolist()) == list(range(len(y_score)))
    assert np.all(np.diff(y_score[order]) <= 0)


def test_k_out_of_range():
    for k in (0, len(Y) + 1):
        with pytest.raises(ValueError, match=rf"k: got {k}; expected between 1 and 6 \(the number of rows\)"):
            precision_at_k(Y, S, k)
        with pytest.raises(ValueError, match=rf"k: got {k}; expected between 1 and 6"):
            recall_at_k(Y, S, k)


def test_missing_scores_are_refused():
    with pytest.raises(ValueError, match=r"y_score: got 2 missing value\(s\); expected a score for every row"):
        precision_at_k(Y, [0.9, np.nan, 0.7, 0.6, np.nan, 0.4], 2)


def test_recall_without_positives_is_nan():
    assert np.isnan(recall_at_k([0, 0, 0], [0.3, 0.2, 0.1], 2))


def test_top_decile_lift_by_hand():
    # 20 rows, 4 positives (base rate 0.2); the top 2 (10%) hold one positive: precision 0.5, lift 2.5.
    y_true = np.zeros(20, dtype=int)
    y_true[[0, 5, 6, 7]] = 1
    y_score = np.linspace(1.0, 0.0, 20)
    assert top_decile_lift(y_true, y_score) == pytest.approx(2.5)
    assert np.isnan(top_decile_lift(np.zeros(20, dtype=int), y_score))


def test_calibration_error_by_hand():
    # two bins of two: {0.1, 0.2} vs rate 0 -> |0.15 - 0| ; {0.3, 0.4} vs rate 1 -> |0.35 - 1|; (2*0.15 + 2*0.65) / 4 = 0.4
    assert calibration_error([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4], n_bins=2) == pytest.approx(0.4)
    assert calibration_error([1, 0, 1, 0], [0.4, 0.1, 0.3, 0.2], n_bins=2) == pytest.approx(0.4)
    # one bin: |mean p - rate| = |0.25 - 0.5|
    assert calibration_error([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4], n_bins=1) == pytest.approx(0.25)
    mean_p, rate = calibration_curve([1, 0, 1, 0], [0.4, 0.1, 0.3, 0.2], n_bins=2)
    np.testing.assert_allclose(mean_p, [0.15, 0.35])
    np.testing.assert_allclose(rate, [0.0, 1.0])


def test_calibration_error_small_when_calibrated_large_when_not():
    rng = np.random.default_rng(0)
    p = rng.random(200_000)
    calibrated = (rng.random(p.size) < p).astype(int)
    assert calibration_error(calibrated, p) < 0.01
    # outcomes drawn with probability p**2 while p is reported: E|p - p^2| = 1/2 - 1/3 = 1/6
    overstated = (rng.random(p.size) < p**2).astype(int)
    assert calibration_error(overstated, p) == pytest.approx(1 / 6, abs=0.01)


def test_calibration_error_does_not_depend_on_row_order_with_tied_probabilities():
    # a constant 0.5 for a group whose rate is 0.5 is perfectly calibrated whatever the order
    assert calibration_error([1, 0, 1, 0], [0.5] * 4, n_bins=2) == pytest.approx(0.0)
    assert calibration_error([1, 1, 0, 0], [0.5] * 4, n_bins=2) == pytest.approx(0.0)


def _sample(seed=1, n=1000):
    rng = np.random.default_rng(seed)
    rank_score = rng.normal(size=n)
    y_true = (rng.random(n) < 1 / (1 + np.exp(-(rank_score * 1.5 - 1.5)))).astype(int)
    probability = 1 / (1 + np.exp(-(rank_score - 1.0)))
    oracle = 1 / (1 + np.exp(-(rank_score * 1.5 - 1.5)))
    return y_true, rank_score, probability, oracle


def test_evaluate_agrees_with_scikit_learn_and_the_functions_above():
    y_true, rank_score, probability, _ = _sample()
    m = evaluate(y_true, rank_score, probability, k=100)
    assert m["rows"] == 1000.0 and m["k"] == 100.0
    assert m["base_rate"] == pytest.approx(y_true.mean())
    assert m["roc_auc"] == pytest.approx(roc_auc_score(y_true, rank_score), abs=1e-12)
    assert m["average_precision"] == pytest.approx(average_precision_score(y_true, rank_score), abs=1e-12)
    assert m["brier"] == pytest.approx(brier_score_loss(y_true, probability), abs=1e-12)
    assert m["calibration_error"] == pytest.approx(calibration_error(y_true, probability))
    assert m["precision_at_k"] == precision_at_k(y_true, rank_score, 100)
    assert m["recall_at_k"] == recall_at_k(y_true, rank_score, 100)
    # shares: 1% -> k=10, 5% -> k=50, 10% -> k=100
    assert m["precision_at_1pct"] == precision_at_k(y_true, rank_score, 10)
    assert m["recall_at_5pct"] == recall_at_k(y_true, rank_score, 50)
    assert m["precision_at_10pct"] == m["precision_at_k"]
    assert m["top_decile_lift"] == pytest.approx(m["precision_at_10pct"] / m["base_rate"])
    assert "oracle_precision_at_k" not in m


def test_evaluate_with_an_oracle_reports_the_share_of_its_precision():
    y_true, rank_score, probability, oracle = _sample()
    m = evaluate(y_true, rank_score, probability, k=100, oracle=oracle)
    assert m["oracle_precision_at_k"] == precision_at_k(y_true, oracle, 100)
    assert m["share_of_oracle_precision_at_k"] == pytest.approx(m["precision_at_k"] / m["oracle_precision_at_k"])


def test_evaluate_clips_k_to_the_rows_and_reports_nan_auc_for_one_class():
    m = evaluate([0, 0, 0], [0.3, 0.2, 0.1], [0.1, 0.1, 0.1], k=10, shares=(0.5,))
    assert m["k"] == 3.0
    assert np.isnan(m["roc_auc"]) and np.isnan(m["average_precision"]) and np.isnan(m["recall_at_k"])
    assert m["precision_at_k"] == 0.0
    assert m["brier"] == pytest.approx(0.01)
    assert "precision_at_50pct" in m


@pytest.mark.parametrize(("share", "n", "k"), [(0.1, 20, 2), (0.01, 50, 1), (0.05, 1000, 50), (0.001, 10, 1)])
def test_k_for_share(share, n, k):
    assert k_for_share(share, n) == k
