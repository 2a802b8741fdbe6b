import numpy as np
import pytest

from placerisk.fairness import ranking, selection_mask
from placerisk.fairness._selection import BAD_K, BAD_OPERATING_POINT


def test_ties_are_broken_by_row_position():
    scores = np.array([0.5, 0.9, 0.5, 0.5, 0.1])
    assert ranking(scores).tolist() == [1, 0, 2, 3, 4]
    assert selection_mask(scores, k=3).tolist() == [True, True, True, False, False]


def test_threshold_selects_scores_at_or_above():
    assert selection_mask([0.2, 0.5, 0.7], threshold=0.5).tolist() == [False, True, True]


@pytest.mark.parametrize("k", [0, 6, 2.5, True])
def test_bad_k_message(k):
    with pytest.raises(ValueError) as err:
        selection_mask([1, 2, 3, 4, 5], k=k)
    assert str(err.value) == BAD_K.format(n=5, k=k)


def test_exactly_one_operating_point():
    with pytest.raises(ValueError) as err:
        selection_mask([1, 2], k=1, threshold=0.5)
    assert str(err.value) == BAD_OPERATING_POINT.format(k=1, threshold=0.5)


def test_input_is_not_modified():
    scores = np.array([3.0, 1.0, 2.0])
    selection_mask(scores, k=2)
    assert scores.tolist() == [3.0, 1.0, 2.0]
