"""Run the feature plan on DuckDB (the embedded default engine).

The caller registers the input relations (see ``features.sql``) on a DuckDB
connection; nothing here reads or writes files. ``feature_query`` prepares the
intermediate relations and returns the final SELECT, which the caller can
stream to Parquet (``COPY``) or fetch; ``compute_features`` fetches pandas frames.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from features.cohort import CohortSpec, OutcomeSpec
from features.definitions import FeatureSet
from features.sql import DUCKDB, META_COLUMNS, final_sql, plan

REQUIRED_RELATIONS = ("persons", "families", "areas", "events", "objections")


def _check_dates(as_of_dates: Sequence[dt.date]) -> list[dt.date]:
    dates = sorted(set(as_of_dates))
    if not dates:
        raise ValueError("as_of_dates: got none; expected at least one date")
    for d in dates:
        if not isinstance(d, dt.date) or isinstance(d, dt.datetime):
            raise TypeError(f"as_of_dates: got {d!r}; expected datetime.date values")
    return dates


def feature_query(
    con,
    feature_set: FeatureSet,
    as_of_dates: Sequence[dt.date],
    *,
    cohort: CohortSpec,
    outcome: OutcomeSpec,
    data_end: dt.date,
    cohort_only: bool = True,
) -> str:
    """Create the intermediate relations on ``con``; return the final query (one row per family and date)."""
    dates = _check_dates(as_of_dates)
    present = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    missing = [r for r in REQUIRED_RELATIONS if r not in present]
    if missing:
        raise ValueError(f"relations {missing} are not registered on the connection; expected {list(REQUIRED_RELATIONS)}")
    con.execute("CREATE OR REPLACE TEMP TABLE as_of_dates (as_of_date DATE, label_complete BOOLEAN)")
    con.executemany("INSERT INTO as_of_dates VALUES (?, ?)", [(d, outcome.label_complete(d, data_end)) for d in dates])
    for name, sql, materialise in plan(feature_set, cohort, outcome, data_end, DUCKDB):
        kind = "TABLE" if materialise else "VIEW"
        con.execute(f"CREATE OR REPLACE TEMP {kind} {name} AS {sql}")
    return final_sql(feature_set, cohort_only=cohort_only) + "\nORDER BY f.family_id, f.as_of_date"


def compute_features(
    con,
    feature_set: FeatureSet,
    as_of_dates: Sequence[dt.date],
    *,
    cohort: CohortSpec,
    outcome: OutcomeSpec,
    data_end: dt.date,
    cohort_only: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Features and their companion frame, both with ``family_id`` and ``as_of_date``.

    Returns ``(X, meta)``: ``X`` holds the features in ``feature_set.names`` order;
    ``meta`` holds ``in_cohort``, ``label`` (missing when the outcome window is
    not complete), ``label_complete``, ``team``, deprivation and the audit
    attributes (``ethnicity``, ``index_sex``, ``index_age_band``), which are never model inputs.
    """
    sql = feature_query(con, feature_set, as_of_dates, cohort=cohort, outcome=outcome, data_end=data_end, cohort_only=cohort_only)
    frame = con.sql(sql).to_arrow_table().to_pandas(date_as_object=True)
    keys = ["family_id", "as_of_date"]
    meta = frame[list(META_COLUMNS)].copy()
    meta["label"] = meta["label"].astype("Int8")
    return frame[keys + list(feature_set.names)].copy(), meta
