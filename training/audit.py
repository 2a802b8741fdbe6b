"""Run the fairness audit on every candidate's test snapshots, at the lists' operating point."""

from __future__ import annotations

import numpy as np

from placerisk.fairness import AuditResult, FairnessPolicy, audit
from placerisk.training.data import TrainingData
from placerisk.training.pipeline import TestPredictions, TrainingResult

LIGHT_ORDER = {"green": 0, "amber": 1, "red": 2}


def by_family_id(preds: TestPredictions, data: TrainingData) -> tuple[np.ndarray, np.ndarray]:
    """A test snapshot's rows and ranking scores ordered by family id, so that "earlier row first"
    (the fairness tie-break) is the ranking's tie-break (family id ascending)."""
    order = np.argsort(data.family_id[preds.rows], kind="stable")
    return preds.rows[order], preds.rank_score[order]


def audit_candidates(result: TrainingResult, data: TrainingData, *, k: int, policy: FairnessPolicy,
                     intersections=(), random_state: int = 0) -> dict[str, list[AuditResult]]:
    """{candidate name: one audit per split}. Rows are ordered by family id first, so the audit's
    tie-break (earlier row first) is the ranking's (family id ascending)."""
    if data.sensitive is None or data.sensitive.empty:
        return {}
    audits: dict[str, list[AuditResult]] = {}
    for candidate in result.candidates:
        audits[candidate.spec.name] = []
        for preds in candidate.predictions:
            rows, scores = by_family_id(preds, data)
            audits[candidate.spec.name].append(
                audit(data.y[rows], scores, data.sensitive.iloc[rows].reset_index(drop=True),
                      k=min(k, len(rows)), intersections=intersections, policy=policy, random_state=random_state)
            )
    return audits


def worst_light(audits: list[AuditResult]) -> str:
    """The most serious traffic light over a candidate's splits."""
    return max((a.traffic_light for a in audits), key=LIGHT_ORDER.__getitem__, default="green")
