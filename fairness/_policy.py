"""The ethics panel's fairness policy: what is audited and what counts as a breach."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from placerisk.fairness._metrics import METRICS, canonical

UNKNOWN_METRIC = "Unknown metric {name!r} in {field}; expected one of {expected}."
EMPTY_PRIMARY = "primary_metrics must name at least one metric; got an empty sequence."
BAD_RATIO_BOUNDS = "ratio_low and ratio_high must satisfy 0 < ratio_low <= 1 <= ratio_high; got {low} and {high}."
BAD_REFERENCE = "reference_group must be 'largest' or a mapping {{feature name: group label}}; got {got!r}."
BAD_POSITIVE_INT = "{name} must be an integer of at least {minimum}; got {got!r}."
BAD_CI_LEVEL = "ci_level must be strictly between 0.5 and 1; got {got!r}."
BAD_ADJUST = "adjust must be 'none' or 'bonferroni'; got {got!r}."


@dataclass(frozen=True)
class FairnessPolicy:
    """What the audit measures and when a disparity is reported as a breach.

    Parameters
    ----------
    primary_metrics : tuple of str, default=("false_negative_rate", "recall")
        Metrics whose breach turns the traffic light red. Early help is assistive,
        so missing a family in need matters first.
    secondary_metrics : tuple of str, default=("selection_rate", "false_positive_rate", "precision", "roc_auc")
        Also audited; a breach turns the light amber.
    ratio_low, ratio_high : float, default=0.8, 1.25
        Tolerance on the ratio of a group's metric to the reference group's.
    reference_group : "largest" or mapping, default="largest"
        The comparison group: the largest group of each feature, or
        ``{feature name: group label}`` (features not named use the largest).
    min_cell_count : int, default=10
        Published counts below this are suppressed, with every figure derived from them.
    round_to : int, default=5
        Published counts are rounded to a multiple of this (1 disables rounding).
    n_boot : int, default=200
        Bootstrap resamples.
    ci_level : float, default=0.95
        Coverage of the percentile intervals.
    adjust : {"none", "bonferroni"}, default="none"
        With "bonferroni" the intervals used for flags are widened to
        ``1 - (1 - ci_level) / m`` for ``m`` comparisons.
    n_bands : int, default=10
        Score bands (quantiles of the whole population's scores) for calibration.

    A mapping given as ``reference_group`` is copied into a read-only mapping.
    Metric names may use the aliases ``true_positive_rate`` (for ``recall``) and
    ``demographic_parity`` (for ``selection_rate``); they are stored canonically.
    """

    primary_metrics: tuple[str, ...] = ("false_negative_rate", "recall")
    secondary_metrics: tuple[str, ...] = ("selection_rate", "false_positive_rate", "precision", "roc_auc")
    ratio_low: float = 0.8
    ratio_high: float = 1.25
    reference_group: str | Mapping[str, str] = "largest"
    min_cell_count: int = 10
    round_to: int = 5
    n_boot: int = 200
    ci_level: float = 0.95
    adjust: str = "none"
    n_bands: int = 10

    def __post_init__(self):
        for name in ("primary_metrics", "secondary_metrics"):
            given = getattr(self, name)
            if isinstance(given, str):
                given = (given,)
            resolved = []
            for metric in given:
                if canonical(metric) not in METRICS:
                    raise ValueError(UNKNOWN_METRIC.format(name=metric, field=name, expected=", ".join(METRICS)))
                if canonical(metric) not in resolved:
                    resolved.append(canonical(metric))
            object.__setattr__(self, name, tuple(resolved))
        if not self.primary_metrics:
            raise ValueError(EMPTY_PRIMARY)
        object.__setattr__(self, "secondary_metrics",
                           tuple(m for m in self.secondary_metrics if m not in self.primary_metrics))
        if not (0 < self.ratio_low <= 1 <= self.ratio_high):
            raise ValueError(BAD_RATIO_BOUNDS.format(low=self.ratio_low, high=self.ratio_high))
        if isinstance(self.reference_group, Mapping):
            object.__setattr__(self, "reference_group",
                               MappingProxyType({str(k): str(v) for k, v in self.reference_group.items()}))
        elif self.reference_group != "largest":
            raise ValueError(BAD_REFERENCE.format(got=self.reference_group))
        for name, minimum in (("min_cell_count", 1), ("round_to", 1), ("n_boot", 10), ("n_bands", 2)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                raise ValueError(BAD_POSITIVE_INT.format(name=name, minimum=minimum, got=value))
        if not (0.5 < self.ci_level < 1):
            raise ValueError(BAD_CI_LEVEL.format(got=self.ci_level))
        if self.adjust not in ("none", "bonferroni"):
            raise ValueError(BAD_ADJUST.format(got=self.adjust))

    @property
    def metrics(self) -> tuple[str, ...]:
        """Primary then secondary metrics."""
        return self.primary_metrics + self.secondary_metrics

    def reference_for(self, feature: str) -> str | None:
        """The configured reference group label of ``feature``, or None for the largest group."""
        if isinstance(self.reference_group, Mapping):
            return self.reference_group.get(feature)
        return None

    def to_dict(self) -> dict:
        """A JSON-ready description of the policy."""
        return {
            "primary_metrics": list(self.primary_metrics),
            "secondary_metrics": list(self.secondary_metrics),
            "ratio_low": self.ratio_low,
            "ratio_high": self.ratio_high,
            "reference_group": (dict(self.reference_group) if isinstance(self.reference_group, Mapping)
                                else self.reference_group),
            "min_cell_count": self.min_cell_count,
            "round_to": self.round_to,
            "n_boot": self.n_boot,
            "ci_level": self.ci_level,
            "adjust": self.adjust,
            "n_bands": self.n_bands,
        }
