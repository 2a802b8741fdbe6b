"""Ranking and probability metrics, with a documented tie-break.

Families are ranked by score, highest first; equal scores are ordered by
``tiebreak`` ascending (``family_id`` in practice), so the top k is the same on
every run. Ranking metrics use the ranking score; Brier score and calibration
error use the calibrated probability.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from placerisk.models.allocation import AllocationPolicy, allocate


def ranking(y_score, tiebreak=None) -> np.ndarray:
    """Row positions from highest to lowest score; ties by ``tiebreak`` ascending, then by position."""
    y_score = np.asarray(y_score, dtype=np.float64)
    if np.isnan(y_score).any():
        raise ValueError(f"y_score: got {int(np.isnan(y_score).sum())} missing value(s); expected a score for every row")
    keys = [np.arange(len(y_score))]          # np.lexsort: the LAST key is the primary one
    if tiebreak is not None:
        keys.append(np.asarray(tiebreak))
    return np.lexsort((*keys, -y_score))


def _check_k(k: int, n: int) -> int:
    if not 1 <= k <= n:
        raise ValueError(f"k: got {k}; expected between 1 and {n} (the number of rows)")
    return int(k)


def precision_at_k(y_true, y_score, k: int, tiebreak=None) -> float:
    y_true = np.asarray(y_true)
    k = _check_k(k, len(y_true))
    return float(y_true[ranking(y_score, tiebreak)[:k]].mean())


def recall_at_k(y_true, y_score, k: int, tiebreak=None) -> float:
    y_true = np.asarray(y_true)
    k = _check_k(k, len(y_true))
    positives = y_true.sum()
    return float(y_true[ranking(y_score, tiebreak)[:k]].sum() / positives) if positives else float("nan")


def k_for_share(share: float, n: int) -> int:
    """The list size for the top ``share`` of ``n`` rows (at least 1)."""
    return max(1, round(share * n))


def _bins(y_prob: np.ndarray, n_bins: int) -> list[np.ndarray]:
    """Row positions per bin of (about) equal count; equal probabilities always share a bin, so row order never matters."""
    edges = np.quantile(y_prob, np.arange(1, n_bins) / n_bins)
    idx = np.searchsorted(edges, y_prob, side="right")
    return [b for b in (np.flatnonzero(idx == i) for i in range(n_bins)) if len(b)]


def calibration_error(y_true, y_prob, n_bins: int = 10) -> float:
    """Expected calibration error: size-weighted mean |mean probability - observed rate| over equal-count bins."""
    y_true = np.asarray(y_true, dtype=np.float64)
    y_prob = np.asarray(y_prob, dtype=np.float64)
    return float(sum(len(b) * abs(y_prob[b].mean() - y_true[b].mean()) for b in _bins(y_prob, n_bins)) / len(y_true))


def calibration_curve(y_true, y_prob, n_bins: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """(mean probability, observed rate) per bin of ``calibration_error``, lowest first."""
    y_true = np.asarray(y_true, dtype=np.float64)
    y_prob = np.asarray(y_prob, dtype=np.float64)
    bins = _bins(y_prob, n_bins)
    return np.array([y_prob[b].mean() for b in bins]), np.array([y_true[b].mean() for b in bins])


def top_decile_lift(y_true, y_score, tiebreak=None) -> float:
    y_true = np.asarray(y_true)
    base = y_true.mean()
    return precision_at_k(y_true, y_score, k_for_share(0.1, len(y_true)), tiebreak) / base if base else float("nan")


def _at_lists(y, probability, rank_score, ids, team, allocation: AllocationPolicy) -> dict[str, float]:
    """Precision and recall of each team's own lists (:func:`placerisk.models.allocation.allocate`), one week and the list's weeks."""
    out = {}
    positives = y.sum()
    for tag, policy in (("k", allocation.with_weeks(1)), ("list", allocation)):
        listed = allocate(probability, rank_score=rank_score, team=team, family_id=ids, policy=policy).listed
        out[f"precision_at_{tag}"] = float(y[listed].mean()) if listed.any() else float("nan")
        out[f"recall_at_{tag}"] = float(y[listed].sum() / positives) if positives else float("nan")
        out[f"listed_at_{tag}"] = float(listed.sum())
    return out


def evaluate(y_true, rank_score, probability, *, k: int, list_k: int | None = None, shares=(0.01, 0.05, 0.1), tiebreak=None,
             oracle=None, allocation: AllocationPolicy | None = None, team=None) -> dict[str, float]:
    """Every reported metric for one test set.

    ``k`` is one week's lists (total weekly capacity); ``list_k`` (default ``k``) the lists over
    several weeks, reported as ``precision_at_list`` and ``recall_at_list``. With ``allocation``
    (the lists' policy, its weeks those of the list) and ``team``, these are the lists the teams
    receive: each team's own top families (``listed_at_k`` and ``listed_at_list`` count them), and
    the global top ``k`` and ``list_k`` are kept as secondary figures, ``*_at_k_global`` and
    ``*_at_list_global``. ``oracle`` (true probabilities, synthetic data only) adds the oracle's
    precision at both lists, formed the same way, and the share reached.
    """
    y_true = np.asarray(y_true).astype(np.int64)
    n = len(y_true)
    k = min(k, n)
    list_k = min(list_k or k, n)
    two_classes = 0 < y_true.sum() < n
    out = {
        "rows": float(n),
        "base_rate": float(y_true.mean()),
        "k": float(k),
        "precision_at_k": precision_at_k(y_true, rank_score, k, tiebreak),
        "recall_at_k": recall_at_k(y_true, rank_score, k, tiebreak),
        "list_k": float(list_k),
        "precision_at_list": precision_at_k(y_true, rank_score, list_k, tiebreak),
        "recall_at_list": recall_at_k(y_true, rank_score, list_k, tiebreak),
    }
    ids = np.asarray(tiebreak).astype(str) if tiebreak is not None else np.char.zfill(np.arange(n).astype(str), 12)
    if allocation is not None:
        for tag in ("k", "list"):
            out[f"precision_at_{tag}_global"] = out[f"precision_at_{tag}"]
            out[f"recall_at_{tag}_global"] = out[f"recall_at_{tag}"]
        out.update(_at_lists(y_true, probability, rank_score, ids, team, allocation))
    for share in shares:
        kk = k_for_share(share, n)
        tag = f"{share * 100:g}pct"
        out[f"precision_at_{tag}"] = precision_at_k(y_true, rank_score, kk, tiebreak)
        out[f"recall_at_{tag}"] = recall_at_k(y_true, rank_score, kk, tiebreak)
    out["roc_auc"] = float(roc_auc_score(y_true, rank_score)) if two_classes else float("nan")
    out["average_precision"] = float(average_precision_score(y_true, rank_score)) if two_classes else float("nan")
    out["brier"] = float(brier_score_loss(y_true, probability))
    out["calibration_error"] = calibration_error(y_true, probability)
    out["top_decile_lift"] = top_decile_lift(y_true, rank_score, tiebreak)
    if oracle is not None:
        if allocation is not None:
            truth = _at_lists(y_true, oracle, None, ids, team, allocation)
            oracle_p, oracle_list = truth["precision_at_k"], truth["precision_at_list"]
        else:
            oracle_p, oracle_list = precision_at_k(y_true, oracle, k, tiebreak), precision_at_k(y_true, oracle, list_k, tiebreak)
        out["oracle_precision_at_k"] = oracle_p
        out["share_of_oracle_precision_at_k"] = out["precision_at_k"] / oracle_p if oracle_p else float("nan")
        out["oracle_precision_at_list"] = oracle_list
        out["share_of_oracle_precision_at_list"] = out["precision_at_list"] / oracle_list if oracle_list else float("nan")
    return out
