"""training.margin: the paired, family-clustered bootstrap behind "beats the best baseline"."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from placerisk.training.margin import SplitScores, margin, metric_of_counts, no_baseline, supported
from placerisk.training.metrics import evaluate, k_for_share, precision_at_k, recall_at_k

METRICS = ("precision_at_k", "recall_at_k", "precision_at_list", "recall_at_list", "precision_at_1pct", "precision_at_5pct",
           "recall_at_10pct", "roc_auc", "average_precision")
K, LIST_K = 20, 120


def snapshot(n=1000, seed=0, strength=1.0):
    """Labels, shuffled family ids, a count-valued baseline score (many ties) and a candidate ``strength`` times better informed."""
    rng = np.random.default_rng(seed)
    v = rng.poisson(0.6, n)
    z = rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(-2.5 + 0.9 * v + 0.8 * z)))).astype(np.int8)
    family = np.array([f"F{i:05d}" for i in rng.permutation(n)])
    return y, family, v + strength * 0.8 * z + rng.normal(0, 0.3, n), v.astype(np.float64)


def split_scores(name, y, family, candidate, baseline):
    return SplitScores(name, y, family, np.asarray(candidate, dtype=np.float64), np.asarray(baseline, dtype=np.float64))


def run(splits, metric="precision_at_list", **kwargs):
    kwargs = {"n_resamples": 300, "random_state": 0, **kwargs}
    return margin(splits, metric=metric, candidate="model", baseline="rule", k=K, list_k=LIST_K, **kwargs)


@pytest.mark.parametrize("metric", METRICS)
def test_every_count_one_gives_the_metrics_table_figure(metric):
    y, family, cand, base = snapshot()
    for score in (cand, base):  # base: integer scores, so the family-id tie-break and tied thresholds matter
        table = evaluate(y, score, np.full(len(y), 0.5), k=K, list_k=LIST_K, tiebreak=family)
        got = metric_of_counts(metric, y, score, family, k=K, list_k=LIST_K)(np.ones((1, len(y))))
        assert got[0] == pytest.approx(table[metric], abs=1e-12)


@pytest.mark.parametrize("metric", METRICS)
def test_counts_equal_physically_repeated_rows(metric):
    y, family, _, score = snapshot(n=400, seed=3)
    W = np.random.default_rng(4).integers(0, 3, size=(4, len(y)))
    got = metric_of_counts(metric, y, score, family, k=K, list_k=LIST_K)(W)
    for w, value in zip(W, got, strict=True):
        rows = np.repeat(np.arange(len(y)), w)
        yy, ss, ff = y[rows], score[rows], family[rows]
        if metric == "roc_auc":
            expected = roc_auc_score(yy, ss)
        elif metric == "average_precision":
            expected = average_precision_score(yy, ss)
        else:
            tail = metric.split("_at_")[-1]
            kk = {"k": K, "list": LIST_K}.get(tail) or k_for_share(float(tail[:-3]) / 100, len(rows))
            expected = (precision_at_k if metric.startswith("precision") else recall_at_k)(yy, ss, kk, ff)
        assert value == pytest.approx(expected, abs=1e-12)


def test_a_clearly_better_model_meets_both_rules():
    splits = [split_scores(f"split {i}", *snapshot(seed=i, strength=1.0)) for i in (1, 2, 3)]
    m = run(splits)
    assert m.rule == "both" and m.beats and m.better_in_every_split and m.interval_above_zero
    assert all(d > 0 for d in m.differences) and 0 < m.interval[0] < m.mean_difference < m.interval[1]
    assert m.splits == ("split 1", "split 2", "split 3") and m.n_resamples == 300 and m.confidence == 0.95
    assert m.sentence.startswith("model beats the best baseline (rule) on precision_at_list: better in 3 of 3 test split(s)")
    assert "lies above 0" in m.sentence


def nudged(seed, swaps):
    """A split where the candidate is the baseline with ``swaps`` negatives just inside the list swapped for positives just outside."""
    y, family, _, base = snapshot(seed=seed)
    base = base + np.random.default_rng(seed).random(len(y)) * 0.5     # no ties: a clear list boundary
    order = np.argsort(-base)
    inside = [r for r in order[:LIST_K][::-1] if y[r] == 0][:swaps]
    outside = [r for r in order[LIST_K:] if y[r] == 1][:swaps]
    cand = base.copy()
    cand[inside], cand[outside] = base[outside], base[inside]
    return split_scores(f"seed {seed}", y, family, cand, base)


def test_the_benchmark_case_a_higher_mean_with_one_tied_split_no_longer_counts():
    # one split tied exactly, the other a hair better: the mean is higher (the old rule said "beats"), the evidence is not there
    splits = [nudged(1, 0), nudged(2, 2)]
    m = run(splits)
    assert m.differences[0] == 0 and m.differences[1] > 0 and m.mean_difference > 0
    assert not m.better_in_every_split and m.interval[0] <= 0 < m.interval[1]
    assert m.rule == "neither" and m.beats is False
    assert m.sentence.startswith("model does not beat the best baseline (rule) on precision_at_list: better in 1 of 2")
    assert "includes 0" in m.sentence


def test_better_in_every_split_is_enough_even_when_the_interval_includes_0():
    m = run([nudged(1, 1), nudged(2, 1), nudged(3, 1)])
    assert all(d > 0 for d in m.differences) and m.interval[0] <= 0
    assert m.rule == "every_split" and m.beats is True


def test_with_one_split_only_the_interval_counts():
    small = run([nudged(2, 1)])
    assert small.differences[0] > 0 and small.interval[0] <= 0
    assert small.better_in_every_split is False and small.rule == "neither" and small.beats is False
    big = run([split_scores("only", *snapshot(n=5000, seed=5))])
    assert big.rule == "bootstrap" and big.beats is True


def test_the_interval_alone_can_carry_a_worse_split():
    worse = nudged(4, 1)
    worse = split_scores("worse", worse.y, worse.family_id, worse.baseline, worse.candidate)  # the baseline is the nudged one
    strong = [split_scores(f"strong {i}", *snapshot(n=5000, seed=i)) for i in (6, 7)]
    m = run([*strong, worse])
    assert m.differences[2] < 0 and not m.better_in_every_split
    assert m.interval_above_zero and m.rule == "bootstrap" and m.beats


def test_deterministic_given_random_state_and_paired():
    splits = [split_scores(f"s{i}", *snapshot(seed=i, strength=0.2)) for i in (1, 2)]
    # roc_auc: a continuous figure, so two seeds' intervals differ (list precisions are multiples of 1/list_k)
    a, b, c = (run(splits, metric="roc_auc", random_state=r) for r in (1, 1, 2))
    assert a == b
    assert a.interval != c.interval and a.differences == c.differences
    # paired: the same model against itself differs by exactly 0 on every resample
    same = run([split_scores(s.name, s.y, s.family_id, s.candidate, s.candidate) for s in splits])
    assert same.interval == (0.0, 0.0) and same.rule == "neither"


def test_families_are_resampled_not_rows():
    # Every family twice (same score, same label): a family resample of the doubled snapshot is the single one with
    # every count doubled, so the interval at a share of the cohort is identical. A row resample would differ.
    y, family, cand, base = snapshot(n=1000, seed=8, strength=0.3)
    twice = np.r_[np.arange(1000), np.arange(1000)]
    single = run([split_scores("s", y, family, cand, base)], metric="precision_at_5pct")
    doubled = run([split_scores("s", y[twice], family[twice], cand[twice], base[twice])], metric="precision_at_5pct")
    assert doubled.differences == pytest.approx(single.differences, abs=1e-12)
    assert doubled.interval == pytest.approx(single.interval, abs=1e-12)


def test_a_family_is_resampled_jointly_across_the_test_snapshots():
    # Split 2 holds the same families with the two models' scores swapped, so on any resample that keeps a family's
    # rows together across snapshots the two differences cancel exactly; resampling each snapshot on its own would not.
    y, family, cand, base = snapshot(seed=9)
    m = run([split_scores("s1", y, family, cand, base), split_scores("s2", y, family, base, cand)])
    assert m.differences[0] == -m.differences[1] != 0
    assert m.interval == (0.0, 0.0)


def test_no_baseline_and_json():
    m = no_baseline("model", "precision_at_list", ["split 1"], confidence=0.9, n_resamples=200)
    assert m.beats is False and m.rule == "no_baseline" and m.baseline is None
    d = m.to_dict()
    assert d["interval"] == [None, None] and d["mean_difference"] is None and d["splits"] == ["split 1"]
    assert json.loads(json.dumps(d, allow_nan=False)) == d
    full = run([split_scores("s", *snapshot(seed=1))]).to_dict()
    assert json.loads(json.dumps(full, allow_nan=False)) == full
    assert set(full) == {"metric", "candidate", "baseline", "splits", "differences", "mean_difference", "interval", "confidence",
                         "n_resamples", "better_in_every_split", "interval_above_zero", "rule", "beats", "sentence"}


def test_bad_arguments_are_refused():
    s = split_scores("s", *snapshot(n=200))
    assert supported("precision_at_list") and supported("recall_at_5pct") and not supported("brier") and not supported("precision_at_xpct")
    with pytest.raises(ValueError, match=r"metric: got 'brier'; expected roc_auc, average_precision or precision_/recall_at_"):
        run([s], metric="brier")
    with pytest.raises(ValueError, match=r"confidence: got 1.5; expected a number between 0.5 and 1"):
        run([s], confidence=1.5)
    with pytest.raises(ValueError, match=r"n_resamples: got 5; expected at least 20"):
        run([s], n_resamples=5)
    with pytest.raises(ValueError, match=r"splits: got none; expected at least one test split"):
        run([])
    with pytest.raises(ValueError, match=r"^bad: got 200 labels, 200 family ids and 199 and 200 scores; expected one of each per test row"):
        run([split_scores("bad", s.y, s.family_id, s.candidate[:-1], s.baseline)])
    with pytest.raises(ValueError, match=r"W: got 3 columns; expected 200, one per row"):
        metric_of_counts("roc_auc", s.y, s.candidate, s.family_id, k=K)(np.ones((1, 3)))
