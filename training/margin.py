"""Does the chosen learnt candidate beat the best baseline by a margin that means something?

The rule (``docs/training.md``, "The baseline rule"): the candidate beats the baseline on the
primary metric if it is better in every test split (when there are at least two), or if the
paired bootstrap interval of the mean difference over the splits lies above 0.

The bootstrap is paired and clustered by family: each resample draws families with replacement
(from every family in any test snapshot; a family drawn twice counts twice in every snapshot it
is in) and recomputes the metric for both models on the *same* resample, so what the two share
(the same hard families, the same lucky ones) cancels out, and a family's rows in successive
test snapshots, which are not independent, stay together.
A resample is a vector of counts per row; the metrics are computed from cumulative sums over
the once-ranked rows, never by sorting a resample, so hundreds of resamples of 20,000-row
snapshots take about a second (see ``docs/training.md``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from placerisk.models.allocation import AllocationPolicy
from placerisk.training.metrics import ranking

DECIMALS = 12                   # differences are rounded here, so that float noise (1e-17) is never "above 0"
CHUNK = 50                      # resamples computed together (memory: CHUNK x rows floats per array)
MIN_SPLITS_FOR_EVERY_SPLIT = 2  # with one split, "better in every split" is the bare comparison this rule replaces
RULES = ("every_split", "bootstrap", "both", "neither", "no_baseline")


def supported(metric: str) -> bool:
    """Whether ``metric`` (a key of ``training.evaluate``) can be bootstrapped here."""
    if metric in ("roc_auc", "average_precision"):
        return True
    for head in ("precision_at_", "recall_at_"):
        if metric.startswith(head):
            tail = metric[len(head):]
            if tail in ("k", "list", "k_global", "list_global"):
                return True
            try:
                return tail.endswith("pct") and 0 < float(tail[:-3]) < 100
            except ValueError:
                return False
    return False


def check_settings(metric: str, confidence: float, n_resamples: int) -> None:
    """Raise unless ``margin`` can run with these settings (checked before a long training run starts)."""
    if not supported(metric):
        raise ValueError(f"metric: got {metric!r}; expected roc_auc, average_precision or precision_/recall_at_ k, list or a share such as 5pct")
    if not 0.5 < confidence < 1:
        raise ValueError(f"confidence: got {confidence}; expected a number between 0.5 and 1, e.g. 0.95")
    if n_resamples < 20:
        raise ValueError(f"n_resamples: got {n_resamples}; expected at least 20")


@dataclass(frozen=True)
class SplitScores:
    """One test snapshot: labels, family ids (tie-break and resampling unit) and both models' ranking scores."""

    name: str
    y: np.ndarray
    family_id: np.ndarray
    candidate: np.ndarray
    baseline: np.ndarray
    team: np.ndarray | None = None   # with ``margin(allocation=...)``: the lists at k and at the list are per team


@dataclass(frozen=True)
class Margin:
    """The evidence behind ``TrainingResult.beats_baselines``.

    ``differences`` are candidate minus baseline on each test split (``splits`` names them),
    exactly as in the metrics table; ``interval`` is the ``confidence`` percentile interval of
    their mean over ``n_resamples`` paired family resamples; ``rule`` says which rule was met
    (one of ``RULES``) and ``beats`` whether either was.
    """

    metric: str
    candidate: str
    baseline: str | None
    splits: tuple[str, ...]
    differences: tuple[float, ...]
    mean_difference: float
    interval: tuple[float, float]
    confidence: float
    n_resamples: int
    better_in_every_split: bool
    interval_above_zero: bool
    rule: str
    beats: bool
    sentence: str

    def to_dict(self) -> dict:
        """JSON-ready (missing numbers as None), for the run log and the model card."""
        def num(x: float) -> float | None:
            return None if math.isnan(x) else float(x)
        return {
            "metric": self.metric, "candidate": self.candidate, "baseline": self.baseline, "splits": list(self.splits),
            "differences": [num(d) for d in self.differences], "mean_difference": num(self.mean_difference),
            "interval": [num(x) for x in self.interval], "confidence": self.confidence, "n_resamples": self.n_resamples,
            "better_in_every_split": self.better_in_every_split, "interval_above_zero": self.interval_above_zero,
            "rule": self.rule, "beats": self.beats, "sentence": self.sentence,
        }


def _cut(metric: str, n: np.ndarray, k: int, list_k: int | None) -> np.ndarray:
    """The (global) list size per resample of ``n`` rows, as ``training.evaluate`` sets it."""
    tail = metric.split("_at_", 1)[1].removesuffix("_global")
    if tail == "k":
        return np.minimum(k, n)
    if tail == "list":
        return np.minimum(list_k or k, n)
    return np.maximum(1, np.round(float(tail[:-3]) / 100 * n))


def _found(W: np.ndarray, order: np.ndarray, ys: np.ndarray, cut: np.ndarray) -> np.ndarray:
    """Rows with the outcome among the first ``cut`` counted rows of ``order`` (``ys`` = outcome in that order)."""
    if len(order) == 0:
        return np.zeros(W.shape[0], dtype=np.int64)
    head = min(len(order), 2 * int(cut.max()) + 64)     # the list ends well within this many ranked rows...
    taken = np.cumsum(W[:, order[:head]], axis=1, dtype=np.int64)
    if (taken[:, -1] < cut).any():                      # ...unless a resample is very uneven: then all rows
        head = len(order)
        taken = np.cumsum(W[:, order], axis=1, dtype=np.int64)
    hits = np.cumsum(W[:, order[:head]] * ys[:head], axis=1, dtype=np.int64)
    p = np.minimum((taken < cut[:, None]).sum(axis=1), head - 1)  # the first ranked row that completes the list
    prev = np.maximum(p - 1, 0)[:, None]
    before = np.where(p > 0, np.take_along_axis(hits, prev, 1)[:, 0], 0)
    taken_before = np.where(p > 0, np.take_along_axis(taken, prev, 1)[:, 0], 0)
    return before + (cut - taken_before) * ys[p]        # the boundary family: only the copies that fit


def _top(metric, y, score, tiebreak, k, list_k, team=None, allocation: AllocationPolicy | None = None):
    """Precision or recall at a list size, as a function of counts ``W`` (resamples x rows).

    With ``allocation`` and ``team``, ``*_at_k`` and ``*_at_list`` are the teams' own lists (each team's
    first ``places`` counted rows, as :func:`placerisk.models.allocation.allocate` forms them)."""
    order = ranking(score, tiebreak)
    y01 = y.astype(np.int32)
    tail = metric.split("_at_", 1)[1]
    if allocation is not None and team is not None and tail in ("k", "list"):
        policy = allocation.with_weeks(1) if tail == "k" else allocation
        team = np.asarray(team).astype(str)
        parts = [(order[team[order] == t], policy.places(t)) for t in policy.teams]
    else:
        parts = [(order, None)]

    def at(W: np.ndarray) -> np.ndarray:
        found = np.zeros(W.shape[0], dtype=np.int64)
        listed = np.zeros(W.shape[0], dtype=np.int64)
        for rows, places in parts:
            n = W[:, rows].sum(axis=1)
            cut = (_cut(metric, n, k, list_k) if places is None else np.minimum(places, n)).astype(np.int64)
            found += _found(W, rows, y01[rows], cut)
            listed += cut
        if metric.startswith("precision"):
            with np.errstate(invalid="ignore", divide="ignore"):
                return np.where(listed > 0, found / np.maximum(listed, 1), np.nan)
        positives = W @ y01
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(positives > 0, found / positives, np.nan)

    return at


def _curve(metric, y, score):
    """ROC AUC or average precision as a function of counts ``W``; equal scores are one threshold, as in scikit-learn."""
    _, group = np.unique(score, return_inverse=True)        # ascending
    order = np.argsort(group, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(group[order]) > 0])
    ys = y[order].astype(np.int32)

    def at(W: np.ndarray) -> np.ndarray:
        Ws = W[:, order]
        pos = np.add.reduceat(Ws * ys, starts, axis=1).astype(np.float64)
        neg = np.add.reduceat(Ws, starts, axis=1) - pos
        P, N = pos.sum(axis=1), neg.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            if metric == "roc_auc":
                below = np.cumsum(neg, axis=1) - neg
                out = (pos * (below + 0.5 * neg)).sum(axis=1) / (P * N)
            else:
                tp, fp = np.cumsum(pos[:, ::-1], axis=1), np.cumsum(neg[:, ::-1], axis=1)
                precision = np.divide(tp, tp + fp, out=np.zeros_like(tp), where=(tp + fp) > 0)
                out = (pos[:, ::-1] * precision).sum(axis=1) / P
        return np.where((P > 0) & (N > 0), out, np.nan)

    return at


def metric_of_counts(metric: str, y, score, tiebreak, *, k: int, list_k: int | None = None, team=None,
                     allocation: AllocationPolicy | None = None):
    """``metric`` as a function of resample counts ``W`` (resamples x rows, whole numbers) -> one value per resample.

    A row counted c times is that row repeated c times; with every count 1 this is
    ``training.evaluate``'s figure (same tie-break by ``tiebreak``). The rows are ranked once.
    """
    if not supported(metric):
        raise ValueError(f"metric: got {metric!r}; expected roc_auc, average_precision or precision_/recall_at_ k, list or a share such as 5pct")
    y = np.asarray(y)
    if not np.isin(y, (0, 1)).all():
        raise ValueError(f"y: got values {np.unique(y[~np.isin(y, (0, 1))])[:3].tolist()}; expected 0 or 1")
    if metric in ("roc_auc", "average_precision"):
        at = _curve(metric, y, np.asarray(score, dtype=np.float64))
    else:
        at = _top(metric, y, score, tiebreak, k, list_k, team, allocation)

    def checked(W) -> np.ndarray:
        W = np.atleast_2d(np.asarray(W, dtype=np.int32))
        if W.shape[1] != len(y):
            raise ValueError(f"W: got {W.shape[1]} columns; expected {len(y)}, one per row")
        return at(W)

    return checked


def _scorers(split: SplitScores, metric, k, list_k, allocation):
    return tuple(metric_of_counts(metric, split.y, score, split.family_id, k=k, list_k=list_k, team=split.team, allocation=allocation)
                 for score in (split.candidate, split.baseline))


def _observed(split: SplitScores, metric, k, list_k, allocation=None) -> float:
    """Candidate minus baseline on the test snapshot itself (every count 1): the metrics table's figures."""
    ones = np.ones((1, len(split.y)), dtype=np.int32)
    a, b = _scorers(split, metric, k, list_k, allocation)
    return float(a(ones)[0] - b(ones)[0])


def _resampled_mean_differences(splits: Sequence[SplitScores], metric, k, list_k, n_resamples, rng, allocation=None) -> np.ndarray:
    """Mean over the splits of candidate minus baseline, on each of ``n_resamples`` family resamples (the same for both)."""
    families, inverse = np.unique(np.concatenate([s.family_id for s in splits]), return_inverse=True)
    row_family = np.split(inverse, np.cumsum([len(s.y) for s in splits])[:-1])
    scorers = [_scorers(s, metric, k, list_k, allocation) for s in splits]
    out = []
    for start in range(0, n_resamples, CHUNK):
        b = min(CHUNK, n_resamples - start)
        draws = rng.integers(0, len(families), size=(b, len(families)))
        counts = np.bincount((draws + len(families) * np.arange(b)[:, None]).ravel(), minlength=b * len(families))
        counts = counts.reshape(b, len(families)).astype(np.int32)
        per_split = [a(counts[:, rows]) - c(counts[:, rows]) for (a, c), rows in zip(scorers, row_family, strict=True)]
        out.append(np.mean(per_split, axis=0))
    return np.concatenate(out)


def _sentence(m: dict, opponent: str = "the best baseline") -> str:
    n = len(m["differences"])
    better = sum(d > 0 for d in m["differences"])
    shown = ", ".join(f"{d:+.3f}" for d in m["differences"])
    low, high = m["interval"]
    where = "lies above 0" if m["interval_above_zero"] else "includes 0" if low <= 0 <= high else "lies below 0"
    verdict = "beats" if m["beats"] else "does not beat"
    return (f"{m['candidate']} {verdict} {opponent} ({m['baseline']}) on {m['metric']}: better in {better} of {n} "
            f"test split(s) (differences {shown}); the {m['confidence']:.0%} paired bootstrap interval of the mean difference, "
            f"{low:+.3f} to {high:+.3f} ({m['n_resamples']} resamples of families), {where}.")


def margin(splits: Sequence[SplitScores], *, metric: str, candidate: str, baseline: str, k: int, list_k: int | None = None,
           confidence: float = 0.95, n_resamples: int = 500, random_state: int = 0, allocation: AllocationPolicy | None = None,
           opponent: str = "the best baseline") -> Margin:
    """Compare ``candidate`` with ``baseline`` on every test split; see the module docstring for the rule.

    ``opponent`` is what the sentence calls the baseline (``the champion`` when a challenger meets the model in use).

    With ``allocation`` (and each split's ``team``), a metric at ``k`` or at the list is measured on
    the teams' own lists, as ``training.evaluate`` does. Deterministic given ``random_state``.
    """
    if not splits:
        raise ValueError("splits: got none; expected at least one test split")
    check_settings(metric, confidence, n_resamples)
    for s in splits:
        if not len(s.y) == len(s.family_id) == len(s.candidate) == len(s.baseline):
            raise ValueError(f"{s.name}: got {len(s.y)} labels, {len(s.family_id)} family ids and {len(s.candidate)} and "
                             f"{len(s.baseline)} scores; expected one of each per test row")
    diffs = tuple(round(_observed(s, metric, k, list_k, allocation), DECIMALS) for s in splits)
    boot = _resampled_mean_differences(splits, metric, k, list_k, n_resamples, np.random.default_rng(random_state), allocation)
    boot = np.round(boot[~np.isnan(boot)], DECIMALS)
    alpha = (1 - confidence) / 2
    interval = (float(np.quantile(boot, alpha)), float(np.quantile(boot, 1 - alpha))) if len(boot) else (math.nan, math.nan)
    every = len(diffs) >= MIN_SPLITS_FOR_EVERY_SPLIT and all(d > 0 for d in diffs)
    above = bool(interval[0] > 0)
    rule = "both" if every and above else "every_split" if every else "bootstrap" if above else "neither"
    fields = {"metric": metric, "candidate": candidate, "baseline": baseline, "splits": tuple(s.name for s in splits),
              "differences": diffs, "mean_difference": float(np.mean(diffs)), "interval": interval, "confidence": float(confidence),
              "n_resamples": int(n_resamples), "better_in_every_split": every, "interval_above_zero": above, "rule": rule,
              "beats": every or above}
    return Margin(**fields, sentence=_sentence(fields, opponent))


def no_baseline(candidate: str, metric: str, split_names: Sequence[str], *, confidence: float, n_resamples: int) -> Margin:
    """The margin when no baseline ran: nothing was beaten, so the model cannot be promoted."""
    return Margin(metric, candidate, None, tuple(split_names), (), math.nan, (math.nan, math.nan), float(confidence), int(n_resamples),
                  False, False, "no_baseline", False,
                  f"{candidate} was not compared with any baseline on {metric} (none ran), so it does not count as beating one.")
