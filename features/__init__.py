"""Point-in-time family features, cohort and labels.

Pure definitions and portable SQL; the caller registers the input relations
on an engine (DuckDB by default) and decides where results go.
"""

from placerisk.features.cohort import CohortSpec, OutcomeSpec
from placerisk.features.definitions import EventType, FeatureSet, FeatureSpec, days_since_cap
from placerisk.features.engine import compute_features, feature_tables, prepare
from placerisk.features.sql import META_COLUMNS

__all__ = [
    "META_COLUMNS",
    "CohortSpec",
    "EventType",
    "FeatureSet",
    "FeatureSpec",
    "OutcomeSpec",
    "compute_features",
    "days_since_cap",
    "feature_tables",
    "prepare",
]
