"""Mitigation options for the panel to weigh: a trade-off table, never a silent fix."""

from __future__ import annotations

import numpy as np
import pandas as pd

from placerisk.fairness._inputs import as_frame, check_labels_and_scores, encode_column
from placerisk.fairness._metrics import count_dependencies, rates
from placerisk.fairness._policy import FairnessPolicy
from placerisk.fairness._selection import ranking, selection_mask

ONE_FEATURE = "sensitive_feature must hold exactly one column; got {got}."
BAD_REFERENCE_GROUP = "reference_group for {feature!r} is {wanted!r}, which is not a group; expected one of {expected}."
OPTIMIZER_UNAVAILABLE = "not available: group {group} has {what}, so fairlearn cannot fit per-group thresholds."


def _score_as_prediction():
    """A prefit estimator whose prediction is its only input column: the score."""
    from sklearn.base import BaseEstimator

    class ScoreAsPrediction(BaseEstimator):
        def fit(self, X, y=None):
            return self

        def predict(self, X):
            return np.asarray(X, dtype=float)[:, 0]

        def __sklearn_is_fitted__(self):
            return True

    return ScoreAsPrediction()


def _quota_selection(order: np.ndarray, codes: np.ndarray, quotas: np.ndarray) -> np.ndarray:
    """Select the top ``quotas[g]`` rows of each group ``g`` (rows taken in ``order``)."""
    grouped = codes[order]
    rank_in_group = np.empty(order.size, dtype=np.int64)
    for g in range(quotas.size):
        idx = np.flatnonzero(grouped == g)
        rank_in_group[idx] = np.arange(idx.size)
    mask = np.zeros(order.size, dtype=bool)
    mask[order[rank_in_group < quotas[grouped]]] = True
    return mask


def _equal_selection_rate(order, codes, n_groups, k) -> np.ndarray:
    sizes = np.bincount(codes, minlength=n_groups)
    exact = k * sizes / sizes.sum()
    quotas = np.floor(exact).astype(np.int64)
    remainder = np.argsort(-(exact - quotas), kind="stable")[: k - quotas.sum()]
    quotas[remainder] += 1
    return _quota_selection(order, codes, quotas)


def _equal_recall(order, codes, n_groups, y, k) -> np.ndarray:
    """Per-group cutoffs giving each group (nearly) the same recall, k rows in total."""
    grouped, labels = codes[order], y[order]
    cum_tp = [np.cumsum(labels[grouped == g]) for g in range(n_groups)]

    def needed(r: float) -> np.ndarray:
        return np.array([0 if c.size == 0 or c[-1] == 0 else
                         int(np.searchsorted(c, np.ceil(r * c[-1] - 1e-9))) + (r > 0) for c in cum_tp])

    lo, hi = 0.0, 1.0
    for _ in range(40):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if needed(mid).sum() <= k else (lo, mid)
    mask = _quota_selection(order, codes, needed(lo))
    spare = k - int(mask.sum())
    if spare > 0:  # fill the remaining places by score, so the list keeps exactly k families
        rest = order[~mask[order]]
        mask[rest[:spare]] = True
    return mask


def _threshold_optimizer(score, codes, y, constraint, max_rows, seed) -> np.ndarray:
    from fairlearn.postprocessing import ThresholdOptimizer

    rng = np.random.default_rng(seed)
    fit_rows = np.sort(rng.choice(score.size, size=min(max_rows, score.size), replace=False))
    optimizer = ThresholdOptimizer(estimator=_score_as_prediction(), constraints=constraint,
                                   objective="balanced_accuracy_score", prefit=True, predict_method="predict")
    optimizer.fit(score[fit_rows, None], y[fit_rows], sensitive_features=codes[fit_rows])
    return optimizer.predict(score[:, None], sensitive_features=codes, random_state=seed).astype(bool)


def _row(option, note, mask, y, codes, labels, reference, metric, min_count):
    sel = mask.astype(np.int64)
    cells = np.bincount(codes * 4 + sel * 2 + y, minlength=len(labels) * 4).reshape(-1, 4)
    conf = {"tn": cells[:, 0], "fn": cells[:, 1], "fp": cells[:, 2], "tp": cells[:, 3]}
    values = rates(**conf)[metric]
    # Group-level rule, as in the audit's published tables: a group is compared only when
    # all four of its confusion cells reach the limit.
    ok = np.ones(len(labels), dtype=bool)
    for cell in conf.values():
        ok &= cell >= min_count
    for expr in count_dependencies(metric):
        ok &= sum(conf[c] for c in expr.split("+")) >= min_count
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = values / values[reference]
    usable = ok & ok[reference] & np.isfinite(ratio) & (np.arange(len(labels)) != reference)
    worst = np.flatnonzero(usable)[np.argmax(np.abs(np.log(np.where(ratio[usable] > 0, ratio[usable], 1e-12))))] \
        if usable.any() else None
    tp, selected, positives = int((sel & y).sum()), int(sel.sum()), int(y.sum())
    return {"option": option, "selected": selected, "true_positives": tp, "false_positives": selected - tp,
            "false_negatives": positives - tp,
            "precision": tp / selected if selected else float("nan"),
            "recall": tp / positives if positives else float("nan"),
            f"min_ratio_{metric}": float(ratio[usable].min()) if usable.any() else float("nan"),
            f"max_ratio_{metric}": float(ratio[usable].max()) if usable.any() else float("nan"),
            "worst_group": labels[worst] if worst is not None else None,
            "groups_compared": int(usable.sum()), "note": note}


def mitigation_tradeoffs(y_true, y_score, sensitive_feature, *, k, policy=None,
                         constraints=("true_positive_rate_parity", "demographic_parity"),
                         max_rows=50_000, random_state=0) -> pd.DataFrame:
    """Compare ways of forming the list on accuracy and on the policy's first primary metric.

    Rows: the unmitigated top ``k``; group-aware cutoffs with equal selection rate and
    with equal recall (both keep exactly ``k``; the latter is fitted on these labels,
    so it is optimistic); and fairlearn's ``ThresholdOptimizer`` for each constraint
    (prefit on the score alone, objective balanced accuracy, fitted on at most
    ``max_rows`` sampled rows; randomised and not held to ``k``).

    Returns
    -------
    DataFrame
        ``option``, ``selected``, ``true_positives``, ``false_positives``, ``false_negatives``, ``precision``, ``recall``, the
        smallest and largest ratio of the metric to the reference group (groups whose
        counts reach ``policy.min_cell_count``), ``worst_group``, ``groups_compared``, ``note``.
    """
    policy = FairnessPolicy() if policy is None else policy
    y, s = check_labels_and_scores(y_true, y_score)
    frame = as_frame(sensitive_feature, y.size)
    if frame.shape[1] != 1:
        raise ValueError(ONE_FEATURE.format(got=list(frame.columns)))
    feature = encode_column(frame.iloc[:, 0], str(frame.columns[0]))
    codes, labels, n_groups = feature.codes, feature.labels, len(feature.labels)
    wanted = policy.reference_for(feature.name)
    if wanted is not None and wanted not in labels:
        raise ValueError(BAD_REFERENCE_GROUP.format(feature=feature.name, wanted=wanted, expected=", ".join(labels)))
    reference = labels.index(wanted) if wanted is not None else int(np.argmax(feature.counts))
    metric = policy.primary_metrics[0]
    y64 = y.astype(np.int64)
    order = ranking(s)
    options = [
        ("Unmitigated top k", "The model's list as audited.", selection_mask(s, k=k)),
        ("Group-aware cutoffs: equal selection rate", "Each group gets places in proportion to its size.",
         _equal_selection_rate(order, codes, n_groups, k)),
        ("Group-aware cutoffs: equal recall", "Cutoffs set from these outcomes (in-sample, optimistic).",
         _equal_recall(order, codes, n_groups, y64, k)),
    ]
    unavailable = _degenerate_group(codes, labels, y64)
    for constraint in constraints:
        name = f"ThresholdOptimizer ({constraint})"
        if unavailable is None:
            try:
                mask = _threshold_optimizer(s, codes, y, constraint, max_rows, random_state)
            except ValueError as err:  # e.g. fairlearn's "Degenerate labels" on the sampled rows
                unavailable = f"not available: fairlearn could not fit it ({err})."
            else:
                options.append((name, "fairlearn, score as the only input; randomised; list size not fixed.", mask))
                continue
        options.append((name, unavailable, None))
    rows = [_row(name, note, mask, y64, codes, labels, reference, metric, policy.min_cell_count)
            if mask is not None else _note_row(name, note, metric)
            for name, note, mask in options]
    return pd.DataFrame(rows)


def _degenerate_group(codes, labels, y) -> str | None:
    """Why ThresholdOptimizer cannot be fitted (a group with one outcome class), or None."""
    positives = np.bincount(codes, weights=y, minlength=len(labels))
    sizes = np.bincount(codes, minlength=len(labels))
    for g, label in enumerate(labels):
        if positives[g] == 0:
            return OPTIMIZER_UNAVAILABLE.format(group=label, what="no families with the outcome")
        if positives[g] == sizes[g]:
            return OPTIMIZER_UNAVAILABLE.format(group=label, what="only families with the outcome")
    return None


def _note_row(option, note, metric) -> dict:
    """A row for an option that could not be computed: no figures, only the reason."""
    nan = float("nan")
    return {"option": option, "selected": nan, "true_positives": nan, "false_positives": nan,
            "false_negatives": nan, "precision": nan, "recall": nan, f"min_ratio_{metric}": nan,
            f"max_ratio_{metric}": nan, "worst_group": None, "groups_compared": 0, "note": note}


def publish_mitigation(table: pd.DataFrame, policy: FairnessPolicy) -> pd.DataFrame:
    """Suppressed and rounded copy of a :func:`mitigation_tradeoffs` table."""
    from placerisk.fairness._suppression import RATE_DECIMALS, publish_table

    ratios = [c for c in table.columns if c.startswith(("min_ratio_", "max_ratio_"))]
    out = publish_table(table, counts=("selected", "true_positives", "false_positives", "false_negatives"),
                        derived={"precision": ("true_positives", "false_positives"),
                                 "recall": ("true_positives", "false_negatives")},
                        min_cell_count=policy.min_cell_count, round_to=policy.round_to, decimals=RATE_DECIMALS)
    for column in ratios:
        out[column] = out[column].astype(float).round(RATE_DECIMALS)
    return out
