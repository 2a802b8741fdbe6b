"""Run the feature plan on Apache Spark: the same ``features.sql`` text as DuckDB, compiled by ``features.transpile``.

The caller registers the input relations (see ``features.sql``) as temporary views on a
SparkSession whose time zone is UTC. The whole plan runs in Spark SQL (the event statistics
and the pivot too: DuckDB's NumPy fast path is for one machine), the relations shared by all
dates are persisted once, and each date is then read as a Spark DataFrame (``date_frame``) or
fetched as an Arrow table in the DuckDB engine's schema (``feature_tables``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

import pyarrow as pa

from placerisk.features.cohort import CohortSpec, OutcomeSpec
from placerisk.features.definitions import FeatureSet
from placerisk.features.engine import REQUIRED_RELATIONS, check_dates
from placerisk.features.sql import META_COLUMNS, base_sql, plan
from placerisk.features.transpile import for_engine

#: Arrow types of the meta columns, as the DuckDB engine writes them; every feature is int32.
META_TYPES = {
    "family_id": pa.string(), "as_of_date": pa.date32(), "in_cohort": pa.bool_(), "label": pa.int32(), "label_complete": pa.bool_(),
    "team": pa.string(), "deprivation_decile": pa.int32(), "deprivation_quintile": pa.int32(), "ethnicity": pa.string(),
    "index_sex": pa.string(), "index_age_band": pa.string(),
}


def sql(spark, query: str):
    """A Spark DataFrame of ``query`` (DuckDB dialect), compiled for Spark."""
    return spark.sql(for_engine(query, "spark"))


def prepare(
    spark, feature_set: FeatureSet, as_of_dates: Sequence[dt.date], *, cohort: CohortSpec, outcome: OutcomeSpec, data_end: dt.date,
    cohort_only: bool = False,
) -> tuple[list[dt.date], list]:
    """Register the plan's relations on ``spark`` (the shared ones persisted); returns the sorted dates and what was made
    (for ``release``)."""
    from pyspark import StorageLevel
    from pyspark.sql.types import BooleanType, DateType, StructField, StructType

    dates = check_dates(as_of_dates)
    present = {t.name for t in spark.catalog.listTables() if t.isTemporary}
    missing = [r for r in REQUIRED_RELATIONS if r not in present]
    if missing:
        raise ValueError(f"relations {missing} are not registered on the Spark session; expected {list(REQUIRED_RELATIONS)}")
    schema = StructType([StructField("as_of_date", DateType(), False), StructField("label_complete", BooleanType(), False)])
    spark.createDataFrame([(d, outcome.label_complete(d, data_end)) for d in dates], schema).createOrReplaceTempView("as_of_dates")
    made = [("as_of_dates", None)]
    for name, query, materialise in plan(feature_set, cohort, outcome, data_end, dates, cohort_only=cohort_only, aggregate=True):
        frame = sql(spark, query)
        if materialise:
            frame = frame.persist(StorageLevel.MEMORY_AND_DISK)
        frame.createOrReplaceTempView(name)
        made.append((name, frame if materialise else None))
    return dates, made


def date_frame(spark, feature_set: FeatureSet, as_of_date: dt.date, *, cohort_only: bool = True):
    """One date's meta columns and features as a Spark DataFrame, ordered by family (after ``prepare``)."""
    return sql(spark, base_sql(feature_set, cohort_only=cohort_only, as_of_date=as_of_date, with_wide=True))


def arrow_schema(feature_set: FeatureSet) -> pa.Schema:
    """The DuckDB engine's table schema: meta columns, then every feature as int32."""
    return pa.schema([(name, META_TYPES[name]) for name in META_COLUMNS] + [(name, pa.int32()) for name in feature_set.names])


def to_arrow(frame, feature_set: FeatureSet) -> pa.Table:
    """A date frame fetched as Arrow (no pandas in between), in the DuckDB engine's column order and types."""
    table = frame.select(*META_COLUMNS, *feature_set.names).toArrow()
    return table.cast(arrow_schema(feature_set))


def date_frames(
    spark, feature_set: FeatureSet, as_of_dates: Sequence[dt.date], *, cohort: CohortSpec, outcome: OutcomeSpec, data_end: dt.date,
    cohort_only: bool = True,
) -> Iterator[tuple[dt.date, object]]:
    """Each date's meta columns and features as a persisted Spark DataFrame, one date at a time (the caller may read it more
    than once: scores, then the listed families' inputs); everything is released after."""
    from pyspark import StorageLevel

    dates, made = prepare(spark, feature_set, as_of_dates, cohort=cohort, outcome=outcome, data_end=data_end, cohort_only=cohort_only)
    try:
        for d in dates:
            frame = date_frame(spark, feature_set, d, cohort_only=cohort_only).persist(StorageLevel.MEMORY_AND_DISK)
            try:
                yield d, frame
            finally:
                frame.unpersist()
    finally:
        release(spark, made)


def feature_tables(
    spark, feature_set: FeatureSet, as_of_dates: Sequence[dt.date], *, cohort: CohortSpec, outcome: OutcomeSpec, data_end: dt.date,
    cohort_only: bool = True,
) -> Iterator[tuple[dt.date, pa.Table]]:
    """One Arrow table per as-of date, as ``features.engine.feature_tables`` yields them on DuckDB."""
    for d, frame in date_frames(spark, feature_set, as_of_dates, cohort=cohort, outcome=outcome, data_end=data_end, cohort_only=cohort_only):
        yield d, to_arrow(frame, feature_set)


def release(spark, made) -> None:
    """Drop the views ``prepare`` registered and unpersist what it persisted, nothing else: the session may be shared."""
    for name, frame in made:
        if frame is not None:
            frame.unpersist()
        spark.catalog.dropTempView(name)
