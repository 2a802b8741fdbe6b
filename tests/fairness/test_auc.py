import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from placerisk.fairness._auc import auc_from_cells, bootstrap_auc, group_cells


def test_auc_from_cells_equals_sklearn_with_ties():
    rng = np.random.default_rng(0)
    n = 3000
    codes = rng.integers(0, 3, n)
    y = (rng.random(n) < 0.2).astype(np.int64)
    score = np.round(rng.random(n) + 0.4 * y, 1)  # heavy ties
    cells = group_cells(codes, 3, y, score)
    for g in range(3):
        member = codes == g
        assert auc_from_cells(cells[g]) == pytest.approx(roc_auc_score(y[member], score[member]), rel=1e-12)
        assert cells[g].sum() == member.sum()


def test_one_class_group_gives_nan():
    cells = group_cells(np.zeros(4, dtype=np.int64), 1, np.zeros(4, dtype=np.int64), np.arange(4.0))
    assert np.isnan(auc_from_cells(cells[0]))
    assert np.isnan(bootstrap_auc(cells[0], 5, np.random.default_rng(0))).all()


def test_bootstrap_auc_matches_row_resampling_spread():
    rng = np.random.default_rng(1)
    n = 400
    y = (rng.random(n) < 0.3).astype(np.int64)
    score = rng.normal(size=n) + y
    cells = group_cells(np.zeros(n, dtype=np.int64), 1, y, score)[0]
    ours = bootstrap_auc(cells, 2000, np.random.default_rng(2))
    rows = []
    for _ in range(2000):
        i = rng.integers(0, n, n)
        rows.append(roc_auc_score(y[i], score[i]))
    assert ours.mean() == pytest.approx(np.mean(rows), abs=0.005)
    assert ours.std() == pytest.approx(np.std(rows), rel=0.1)
