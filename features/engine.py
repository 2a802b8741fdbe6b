"""Run the feature plan on DuckDB (the embedded default engine).

The caller registers the input relations (see ``features.sql``) on a DuckDB
connection; nothing here reads or writes files. ``prepare`` builds the
relations shared by all as-of dates once; ``feature_tables`` then yields one
Arrow table per date (the caller streams it to Parquet); ``compute_features``
returns pandas frames. Event statistics and the pivot run in NumPy
(``features.stats``, ``features.pivot``) over events fetched once; the tests
hold them equal to the portable SQL that other engines run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

from placerisk.features.cohort import CohortSpec, OutcomeSpec
from placerisk.features.definitions import FeatureSet
from placerisk.features.pivot import pivot
from placerisk.features.sql import (
    META_COLUMNS,
    base_sql,
    date,
    keyed_event_days_sql,
    members_on_sql,
    plan,
)
from placerisk.features.stats import KeyedEvents, target_stats

REQUIRED_RELATIONS = ("persons", "families", "areas", "events", "objections")
CLUSTERED = ("members", "family")
"""Tables written one as-of date after another, so a later read of one date skips the other dates' rows."""


def check_dates(as_of_dates: Sequence[dt.date]) -> list[dt.date]:
    dates = sorted(set(as_of_dates))
    if not dates:
        raise ValueError("as_of_dates: got none; expected at least one date")
    for d in dates:
        if not isinstance(d, dt.date) or isinstance(d, dt.datetime):
            raise TypeError(f"as_of_dates: got {d!r}; expected datetime.date values")
    return dates


def prepare(
    con,
    feature_set: FeatureSet,
    as_of_dates: Sequence[dt.date],
    *,
    cohort: CohortSpec,
    outcome: OutcomeSpec,
    data_end: dt.date,
    cohort_only: bool = False,
    portable: bool = False,
) -> list[dt.date]:
    """Build the intermediate relations shared by all dates on ``con``; returns the sorted dates.

    With ``portable`` the whole portable plan runs in SQL, ending in a ``wide``
    relation that ``base_sql(with_wide=True)`` reads (what other engines run);
    otherwise the event statistics are left to ``feature_tables``.
    """
    dates = check_dates(as_of_dates)
    present = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    missing = [r for r in REQUIRED_RELATIONS if r not in present]
    if missing:
        raise ValueError(f"relations {missing} are not registered on the connection; expected {list(REQUIRED_RELATIONS)}")
    con.execute("CREATE OR REPLACE TEMP TABLE as_of_dates (as_of_date DATE, label_complete BOOLEAN)")
    con.executemany("INSERT INTO as_of_dates VALUES (?, ?)", [(d, outcome.label_complete(d, data_end)) for d in dates])
    for name, sql, materialise in plan(feature_set, cohort, outcome, data_end, dates, cohort_only=cohort_only, aggregate=portable):
        if name in CLUSTERED and len(dates) > 1:
            _create_by_date(con, name, sql, dates)
            continue
        kind = "TABLE" if materialise else "VIEW"
        con.execute(f"CREATE OR REPLACE TEMP {kind} {name} AS {sql}")
    return dates


def _create_by_date(con, name: str, sql: str, dates: list[dt.date]) -> None:
    """Materialise ``sql`` (which has an ``as_of_date`` column) one date at a time, in date order."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM ({sql}) WHERE false")
    for d in dates:
        con.execute(f"INSERT INTO {name} SELECT * FROM ({sql}) WHERE as_of_date = {date(d)}")


def feature_tables(
    con,
    feature_set: FeatureSet,
    as_of_dates: Sequence[dt.date],
    *,
    cohort: CohortSpec,
    outcome: OutcomeSpec,
    data_end: dt.date,
    cohort_only: bool = True,
) -> Iterator[tuple[dt.date, pa.Table]]:
    """One Arrow table per as-of date (meta columns, then features; rows by family).

    The shared work is done once; each date is then assembled on its own, so
    only one date's table is in memory at a time.
    """
    dates = prepare(con, feature_set, as_of_dates, cohort=cohort, outcome=outcome, data_end=data_end, cohort_only=cohort_only)
    names = list(feature_set.names)
    events = KeyedEvents.from_arrays(con.sql(keyed_event_days_sql()).fetchnumpy())
    n_people = con.sql("SELECT coalesce(max(pkey), 0) FROM people").fetchall()[0][0]
    for d in dates:
        base = con.sql(base_sql(feature_set, cohort_only=cohort_only, as_of_date=d, with_wide=False)).to_arrow_table()
        members = np.zeros(n_people + 1, dtype=bool)
        members[con.sql(members_on_sql(d, cohort_only=cohort_only)).fetchnumpy()["pkey"]] = True
        stats = target_stats(feature_set, events, d, members)
        wide = pivot(feature_set, base.column("fkey").to_numpy(), stats)
        columns = {name: base.column(name) for name in META_COLUMNS}
        for name in names:
            columns[name] = base.column(name) if name in base.column_names else pa.array(wide[name], pa.int32())
        yield d, pa.table(columns)


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
    Rows are ordered by as-of date, then family.
    """
    tables = [t for _, t in feature_tables(con, feature_set, as_of_dates, cohort=cohort, outcome=outcome, data_end=data_end, cohort_only=cohort_only)]
    frame = pa.concat_tables(tables).to_pandas(date_as_object=True)
    keys = ["family_id", "as_of_date"]
    meta = frame[list(META_COLUMNS)].copy()
    meta["label"] = meta["label"].astype("Int8")
    return frame[keys + list(feature_set.names)].copy(), meta
