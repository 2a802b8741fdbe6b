"""Run the fairness audit on every candidate's test snapshots, on the lists the teams would receive.

With an allocation policy, the audited list of a test snapshot is exactly what
:func:`placerisk.models.allocation.allocate` lists on it (each team's top families up to its
capacity for the list's weeks); without one (a table with no teams), the global top ``k``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from placerisk.fairness import AuditResult, FairnessPolicy, audit
from placerisk.models.allocation import Allocation, AllocationPolicy, Mitigation, allocate
from placerisk.training.data import TrainingData
from placerisk.training.pipeline import TestPredictions, TrainingResult

LIGHT_ORDER = {"green": 0, "amber": 1, "red": 2}


@dataclass(frozen=True)
class AuditSettings:
    """How every audit of a run is made: the fairness policy, the lists, the wording of groups."""

    policy: FairnessPolicy
    k: int                                  # the global list size, used only without an allocation
    allocation: AllocationPolicy | None = None
    intersections: tuple = ()
    group_names: dict | None = None
    random_state: int = 0


def by_family_id(preds: TestPredictions, data: TrainingData) -> tuple[np.ndarray, np.ndarray]:
    """A test snapshot's rows and ranking scores ordered by family id, so that "earlier row first"
    (the fairness tie-break) is the ranking's tie-break (family id ascending)."""
    order = np.argsort(data.family_id[preds.rows], kind="stable")
    return preds.rows[order], preds.rank_score[order]


def snapshot_lists(preds: TestPredictions, data: TrainingData, allocation: AllocationPolicy, *, oracle: bool = False) -> Allocation:
    """The lists the allocation forms on one test snapshot (rows as ``preds.rows``); ``oracle=True`` ranks by the
    true probabilities instead (synthetic data only)."""
    rows = preds.rows
    groups = None if data.sensitive is None else data.sensitive.iloc[rows].reset_index(drop=True)
    score, rank = (data.oracle[rows], None) if oracle else (preds.probability, preds.rank_score)
    return allocate(score, rank_score=rank, team=data.team[rows], family_id=data.family_id[rows], policy=allocation, groups=groups)


def audit_snapshot(preds: TestPredictions, data: TrainingData, settings: AuditSettings, mitigation: Mitigation | None = None) -> AuditResult:
    """The audit of one candidate on one test snapshot, at its lists (with ``mitigation`` applied when given)."""
    common = {"intersections": settings.intersections, "policy": settings.policy, "random_state": settings.random_state,
              "group_names": settings.group_names}
    if settings.allocation is None or data.team is None:
        rows, scores = by_family_id(preds, data)
        return audit(data.y[rows], scores, data.sensitive.iloc[rows].reset_index(drop=True), k=min(settings.k, len(rows)), **common)
    lists = snapshot_lists(preds, data, settings.allocation.with_mitigation(mitigation))
    rows = preds.rows
    return audit(data.y[rows], preds.probability, data.sensitive.iloc[rows].reset_index(drop=True), selected=lists.listed,
                 list_description={"description": lists.describe(), "tie_break": lists.policy.tie_break}, **common)


def audit_candidates(result: TrainingResult, data: TrainingData, settings: AuditSettings) -> dict[str, list[AuditResult]]:
    """{candidate name: one audit per split}, each at the lists the allocation forms on that test snapshot."""
    if data.sensitive is None or data.sensitive.empty:
        return {}
    return {c.spec.name: [audit_snapshot(preds, data, settings) for preds in c.predictions] for c in result.candidates}


def worst_light(audits: list[AuditResult]) -> str:
    """The most serious traffic light over a candidate's splits."""
    return max((a.traffic_light for a in audits), key=LIGHT_ORDER.__getitem__, default="green")
