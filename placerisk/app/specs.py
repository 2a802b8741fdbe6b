"""The domain's own objects, made from the one configuration: where config meets the domain packages."""

from __future__ import annotations

from placerisk.config import Config
from placerisk.fairness import FairnessPolicy
from placerisk.features import CohortSpec, EventType, FeatureSet, OutcomeSpec


def feature_set(config: Config) -> FeatureSet:
    f = config.features
    return FeatureSet(
        event_types=tuple(EventType(src, code, desc) for src, s in config.sources.items() for code, desc in s.event_types.items()),
        windows_months=tuple(f.windows_months),
        aggregations=tuple(a for a in ("count", "days_since_last", "distinct_members", "trend") if a in f.aggregations),
        trend_months=f.trend_months,
        members_months=f.members_months,
        groups=tuple((name, tuple(g.events), g.description) for name, g in f.groups.items()),
    )


def cohort(config: Config) -> CohortSpec:
    return CohortSpec(min_age=config.cohort.min_age, max_age=config.cohort.max_age)


def outcome(config: Config) -> OutcomeSpec:
    o = config.outcome
    return OutcomeSpec(events=tuple(o.events), horizon_months=o.horizon_months, recording_allowance_days=o.recording_allowance_days)


def fairness_policy(config: Config) -> FairnessPolicy:
    f = config.fairness
    return FairnessPolicy(primary_metrics=tuple(f.primary_metrics), ratio_low=f.tolerance.ratio_low, ratio_high=f.tolerance.ratio_high,
                          reference_group=f.reference_group, min_cell_count=f.min_cell_count, round_to=f.round_to,
                          n_boot=f.bootstrap_resamples, ci_level=f.confidence)
