"""The domain's own objects, made from the one configuration: where config meets the domain packages."""

from __future__ import annotations

from placerisk.config import Config
from placerisk.fairness import FairnessPolicy
from placerisk.features import CohortSpec, EventType, FeatureSet, OutcomeSpec
from placerisk.models.allocation import AllocationPolicy


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


def allocation(config: Config) -> AllocationPolicy:
    """The lists' policy: each configured team's weekly capacity, over ``training.list_weeks`` weeks (no mitigation)."""
    return AllocationPolicy(tuple((t.name, t.weekly_capacity) for t in config.teams), weeks=config.training.list_weeks)


def group_names(config: Config) -> dict[str, dict[str, str]]:
    """How the reports name the groups of the audit attributes, in words a lay panel member reads without a key.

    A family's index person is its eldest member within the cohort's ages; its ethnicity, sex and age band are the
    index person's (``features.sql.family_sql``)."""
    quintiles = {"1": "families in deprivation quintile 1 (most deprived)", "5": "families in deprivation quintile 5 (least deprived)",
                 **{str(q): f"families in deprivation quintile {q}" for q in (2, 3, 4)}}
    ages = {label: f"families whose index person is aged {label}" for label, _ in cohort(config).age_bands()}
    sexes = {"F": "families whose index person is female", "M": "families whose index person is male",
             "X": "families whose index person's sex is recorded as other", "U": "families whose index person's sex is unknown"}
    ethnicities = {e: f"families whose index person is recorded as {e}" if e != "Not stated" else
                   "families whose index person's ethnicity is not stated" for e in config.population.ethnicity_codes}
    return {"deprivation_quintile": quintiles, "age_band": ages, "sex": sexes, "ethnicity": ethnicities,
            "team": {t.name: f"families in the {t.name} team's area" for t in config.teams}}
