"""What is compared: rule baselines, a regularised logistic regression and LightGBM, each with a small grid."""

from __future__ import annotations

import json
from dataclasses import dataclass

from placerisk.models import (
    BestSingleFeature,
    RuleScore,
    lightgbm_classifier,
    logistic_regression,
)

KINDS = ("rule", "best_single_feature", "logistic", "lightgbm")


@dataclass(frozen=True)
class CandidateSpec:
    """One candidate and its hyperparameter grid (searched on a validation part of the training rows, never on a later snapshot)."""

    name: str
    kind: str
    description: str = ""
    grid: tuple[dict, ...] = ({},)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"candidate {self.name!r}: kind got {self.kind!r}; expected one of {list(KINDS)}")
        if not self.grid:
            raise ValueError(f"candidate {self.name!r}: grid is empty; expected at least one parameter set")

    @property
    def is_baseline(self) -> bool:
        return self.kind in ("rule", "best_single_feature")

    def build(self, params: dict, *, random_state: int, n_jobs: int | None = None):
        """A fresh, unfitted estimator for ``params`` (one point of the grid)."""
        if self.kind == "rule":
            return RuleScore(columns=tuple(params["columns"]), tiebreak=tuple(params.get("tiebreak", ())))
        if self.kind == "best_single_feature":
            return BestSingleFeature(random_state=random_state)
        if self.kind == "logistic":
            return logistic_regression(**params)
        return lightgbm_classifier(random_state=random_state, n_jobs=n_jobs, **params)


def params_key(params: dict) -> str:
    """A stable text key for one parameter set."""
    return json.dumps(params, sort_keys=True)
