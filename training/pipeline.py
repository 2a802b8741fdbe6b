"""The training run in one readable function: every candidate on every split, then the deployed fit."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from placerisk.models import RiskModel, ventile_edges
from placerisk.models.allocation import AllocationPolicy
from placerisk.models.drift import SCORE, DriftReference
from placerisk.training.candidates import CandidateSpec
from placerisk.training.data import TrainingData
from placerisk.training.fit import VALIDATION_SHARE, FittedCandidate, best_params, fit_candidate, validation_families
from placerisk.training.margin import Margin, SplitScores, check_settings, margin, no_baseline, supported
from placerisk.training.metrics import evaluate
from placerisk.training.splits import Split


@dataclass
class TestPredictions:
    """One candidate's scores on one test snapshot (kept in memory for plots and the audit; never logged)."""

    rows: np.ndarray
    rank_score: np.ndarray
    probability: np.ndarray


@dataclass
class CandidateResult:
    spec: CandidateSpec
    metrics: list[dict] = field(default_factory=list)            # one dict per split
    params: list[dict] = field(default_factory=list)             # chosen per split
    searches: list[list[dict]] = field(default_factory=list)     # grid scores per split
    predictions: list[TestPredictions] = field(default_factory=list)
    seconds: float = 0.0

    def mean(self) -> dict[str, float]:
        frame = pd.DataFrame(self.metrics)
        return {k: float(v) for k, v in frame.mean(numeric_only=True).items()}


@dataclass
class TrainingResult:
    splits: list[Split]
    final_split: Split
    candidates: list[CandidateResult]
    primary_metric: str
    chosen: str
    best_baseline: str | None
    beats_baselines: bool            # = margin.beats: what the promotion gate reads
    model: RiskModel
    margin: Margin                   # the evidence: per-split differences, bootstrap interval, rule met, a sentence

    def table(self) -> pd.DataFrame:
        """Metrics per candidate and split, plus a 'mean' row per candidate."""
        rows = []
        for c in self.candidates:
            for split, m in zip(self.splits, c.metrics, strict=True):
                rows.append({"candidate": c.spec.name, "baseline": c.spec.is_baseline, "split": split.name, **m})
            rows.append({"candidate": c.spec.name, "baseline": c.spec.is_baseline, "split": "mean", **c.mean()})
        return pd.DataFrame(rows)

    def result(self, name: str) -> CandidateResult:
        return next(c for c in self.candidates if c.spec.name == name)


Progress = Callable[[str], None]


def _quiet(message: str) -> None:
    return None


def _choose(candidates: list[CandidateResult], metric: str) -> tuple[str, str | None]:
    """The learnt candidate and the baseline with the best mean ``metric`` (first of equals); None without baselines."""
    learnt = [c for c in candidates if not c.spec.is_baseline]
    baselines = [c for c in candidates if c.spec.is_baseline]
    if not learnt:
        raise ValueError("candidates: got only baselines; expected at least one learnt model (logistic or lightgbm)")
    score = {c.spec.name: c.mean().get(metric, float("nan")) for c in candidates}
    chosen = max(learnt, key=lambda c: (np.nan_to_num(score[c.spec.name], nan=-np.inf), -learnt.index(c))).spec.name
    if not baselines:
        return chosen, None
    best_baseline = max(baselines, key=lambda c: (np.nan_to_num(score[c.spec.name], nan=-np.inf), -baselines.index(c))).spec.name
    return chosen, best_baseline


def _final_baseline(results: list[CandidateResult], name: str | None, X: pd.DataFrame, y: np.ndarray, *, random_state: int):
    """The best rule baseline fitted on the final training rows (a rule only records its columns), or None without baselines."""
    if name is None:
        return None
    result = next(r for r in results if r.spec.name == name)
    return result.spec.build(best_params(result.spec, result.searches), random_state=random_state).fit(X, y)


def _drift_reference(fitted: FittedCandidate, X_cal: pd.DataFrame, data: TrainingData, cal: np.ndarray, date: str | None) -> DriftReference:
    """The calibration snapshot's score (calibrated probability), inputs and groups (audit attributes and team), pinned."""
    numeric = pd.concat([pd.DataFrame({SCORE: fitted.calibrator.predict_proba(X_cal)[:, 1]}), X_cal], axis=1)
    groups = pd.DataFrame(index=range(len(cal)))
    if data.sensitive is not None:
        groups = data.sensitive.iloc[cal].reset_index(drop=True)
    if data.team is not None:
        groups = groups.assign(team=data.team[cal])
    return DriftReference.fit(numeric, groups if len(groups.columns) else None, date=date)


def _margin(results: list[CandidateResult], chosen: str, best_baseline: str | None, data: TrainingData, splits: Sequence[Split], *,
            metric: str, k: int, list_k: int | None, confidence: float, n_resamples: int, random_state: int,
            allocation: AllocationPolicy | None) -> Margin:
    """Does ``chosen`` beat ``best_baseline`` by a margin that means something (``training.margin``)?"""
    if best_baseline is None:  # nothing to beat is not beating anything: such a model cannot be promoted
        return no_baseline(chosen, metric, [s.name for s in splits], confidence=confidence, n_resamples=n_resamples)
    a, b = (next(r for r in results if r.spec.name == name) for name in (chosen, best_baseline))
    team = None if allocation is None else data.team
    scores = [SplitScores(s.name, data.y[p.rows], data.family_id[p.rows], p.rank_score, q.rank_score, None if team is None else team[p.rows])
              for s, p, q in zip(splits, a.predictions, b.predictions, strict=True)]
    return margin(scores, metric=metric, candidate=chosen, baseline=best_baseline, k=k, list_k=list_k, confidence=confidence,
                  n_resamples=n_resamples, random_state=random_state, allocation=allocation)


def train_and_evaluate(
    data: TrainingData,
    splits: Sequence[Split],
    final: Split,
    candidates: Sequence[CandidateSpec],
    *,
    k: int,
    list_k: int | None = None,
    shares: Sequence[float] = (0.01, 0.05, 0.1),
    calibration: str = "isotonic",
    select_by: str = "average_precision",
    primary_metric: str = "precision_at_k",
    validation_share: float = VALIDATION_SHARE,
    margin_confidence: float = 0.95,
    margin_resamples: int = 500,
    random_state: int = 0,
    n_jobs: int | None = None,
    descriptions: dict[str, str] | None = None,
    feature_definitions: dict | None = None,
    allocation: AllocationPolicy | None = None,
    progress: Progress = _quiet,
) -> TrainingResult:
    """Evaluate every candidate on every split (same rows, same k), choose the best learnt one by
    ``primary_metric``, compare it with the best baseline, and fit it on the final split.

    Grid points and LightGBM's early stopping are judged on a validation part of each training
    window (``validation_share`` of its families, ``fit.validation_families``); the calibration
    snapshot fits only the calibrator. ``beats_baselines`` follows ``training.margin``: better
    in every split, or a ``margin_confidence`` paired bootstrap interval (``margin_resamples``
    family resamples) of the mean difference above 0.

    ``allocation`` (with ``data.team``) makes the lists at ``k`` (one week) and at the list (its
    weeks) the teams' own lists, formed by the one allocation policy; without it they are the
    global top ``k`` and ``list_k``.
    """
    if allocation is not None and data.team is None:
        raise ValueError("allocation: got a per-team allocation policy but no team per row; expected TrainingData.team")
    if not supported(primary_metric):
        raise ValueError(f"primary_metric: got {primary_metric!r}; expected a ranking metric: roc_auc, average_precision, "
                         "precision_at_k, recall_at_k, precision_at_list, recall_at_list or precision_at_<share>pct")
    check_settings(primary_metric, margin_confidence, margin_resamples)
    validation_families([], validation_share)  # refuses a bad share now, not after the first split
    results = [CandidateResult(spec) for spec in candidates]
    for i, split in enumerate(splits, start=1):
        train, cal, test = data.rows(split.train_dates), data.rows([split.calibration_date]), data.rows([split.test_date])
        held = validation_families(data.family_id[train], validation_share, random_state)
        for part, rows in (("training", train[~held]), ("validation", train[held]), ("calibration", cal), ("test", test)):
            if len(np.unique(data.y[rows])) != 2:
                raise ValueError(f"{split.name}: the {part} rows hold only one class; expected both outcomes (add snapshots or families)")
        progress(f"split {i}/{len(splits)}: train {len(train):,} rows, calibrate {len(cal):,}, test {len(test):,} ({split.part('test')}); "
                 f"grid and early stopping on {int(held.sum()):,} training rows of held-out families")
        X_train, y_train = data.X.iloc[train], data.y[train]
        X_cal, y_cal = data.X.iloc[cal], data.y[cal]
        X_test = data.X.iloc[test]
        oracle = None if data.oracle is None else data.oracle[test]
        for j, result in enumerate(results, start=1):
            started = time.perf_counter()
            fitted = fit_candidate(result.spec, X_train, y_train, X_cal, y_cal, validation=held, calibration=calibration,
                                   select_by=select_by, random_state=random_state, n_jobs=n_jobs)
            rank = fitted.estimator.predict_proba(X_test)[:, 1]
            prob = fitted.calibrator.predict_proba(X_test)[:, 1]
            metrics = evaluate(data.y[test], rank, prob, k=k, list_k=list_k, shares=shares, tiebreak=data.family_id[test], oracle=oracle,
                               allocation=allocation, team=None if allocation is None else data.team[test])
            result.metrics.append(metrics)
            result.params.append(fitted.params)
            result.searches.append(fitted.search)
            result.predictions.append(TestPredictions(test, rank, prob))
            took = time.perf_counter() - started
            result.seconds += took
            progress(f"  [{j}/{len(results)}] {result.spec.name}: {primary_metric} {metrics[primary_metric]:.3f} ({took:.1f} s)")
    chosen, best_baseline = _choose(results, primary_metric)
    verdict = _margin(results, chosen, best_baseline, data, splits, metric=primary_metric, k=k, list_k=list_k, confidence=margin_confidence,
                      n_resamples=margin_resamples, random_state=random_state, allocation=allocation)
    progress(verdict.sentence)
    beats = verdict.beats
    chosen_result = next(r for r in results if r.spec.name == chosen)
    spec = chosen_result.spec
    params = best_params(spec, chosen_result.searches)
    progress(f"final fit: {chosen} on {final.part('train')}, calibrated on {final.part('calibration')}")
    train, cal = data.rows(final.train_dates), data.rows([final.calibration_date])
    held = validation_families(data.family_id[train], validation_share, random_state)
    fitted: FittedCandidate = fit_candidate(spec, data.X.iloc[train], data.y[train], data.X.iloc[cal], data.y[cal], validation=held,
                                            calibration=calibration, select_by=select_by, random_state=random_state, n_jobs=n_jobs, params=params)
    X_cal = data.X.iloc[cal].reset_index(drop=True)
    rank_cal = fitted.estimator.predict_proba(X_cal)[:, 1]
    model = RiskModel(
        name=chosen,
        estimator=fitted.estimator,
        calibrator=fitted.calibrator,
        feature_names=tuple(str(c) for c in data.X.columns),
        ventile_edges=ventile_edges(rank_cal),
        baseline=_final_baseline(results, best_baseline, data.X.iloc[train], data.y[train], random_state=random_state),
        drift_reference=_drift_reference(fitted, X_cal, data, cal, None if final.labels else final.calibration_date.isoformat()),
        descriptions=dict(descriptions or {}),
        feature_definitions=feature_definitions,
        metadata={
            "candidate": chosen,
            "kind": spec.kind,
            "params": params,
            "trees": fitted.trees,
            "validation_share": validation_share,
            "calibration": calibration,
            "train_dates": [] if final.labels else [d.isoformat() for d in final.train_dates],
            "calibration_date": final.part("calibration") if final.labels else final.calibration_date.isoformat(),
            "training_data": final.part("train"),
            "primary_metric": primary_metric,
            "mean_metrics": chosen_result.mean(),
            "best_baseline": best_baseline,
            "beats_baselines": beats,
            "margin": verdict.to_dict(),
            "k": k,
            "list_k": list_k or k,
            "allocation": None if allocation is None else allocation.to_dict(),
        },
    )
    return TrainingResult(list(splits), final, results, primary_metric, chosen, best_baseline, beats, model, verdict)
