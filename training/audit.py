"""Run the fairness audit on every candidate's test snapshots, at the lists' operating point."""

from __future__ import annotations

import numpy as np

from fairness import AuditResult, FairnessPolicy, audit
from training.data import TrainingData
from training.pipeline import TrainingResult

LIGHT_ORDER = {"green": 0, "amber": 1, "red": 2}


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
            order = np.argsort(data.family_id[preds.rows], kind="stable")
            rows = preds.rows[order]
            audits[candidate.spec.name].append(
                audit(data.y[rows], preds.rank_score[order], data.sensitive.iloc[rows].reset_index(drop=True),
                      k=min(k, len(rows)), intersections=intersections, policy=policy, random_state=random_state)
            )
    return audits


def worst_light(audits: list[AuditResult]) -> str:
    """The most serious traffic light over a candidate's splits."""
    return max((a.traffic_light for a in audits), key=LIGHT_ORDER.__getitem__, default="green")
