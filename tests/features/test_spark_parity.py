"""The Spark engine runs the same plan as DuckDB and builds the same table, value for value.

The inputs reach Spark as Parquet (never through pandas). Fixtures include missing values
(open memberships, objections without a person), events on window edges and dates either side
of the UK clock changes.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from placerisk.app.specs import feature_set as feature_set_from_config
from placerisk.features import CohortSpec, OutcomeSpec, feature_tables
from placerisk.features import spark_engine

from .conftest import COHORT, DATA_END, FEATURE_SET, OUTCOME, connect, event, make_tables, person
from .test_reference import ODD_DATES, generated  # noqa: F401 - the module fixture

pytestmark = pytest.mark.spark

# Clock changes: 2024-03-31 01:00 UTC (to summer time) and 2024-10-27 01:00 UTC (back).
CLOCK_DATES = [dt.date(2024, 3, 30), dt.date(2024, 3, 31), dt.date(2024, 4, 1), dt.date(2024, 10, 27), dt.date(2024, 10, 28)]


def on_spark(spark, tables: dict, folder) -> None:
    """Register each input table on Spark through Parquet (written here by pyarrow; the engine's edge writes it with DuckDB)."""
    for name, frame in tables.items():
        path = folder / f"{name}.parquet"
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
        spark.read.parquet(str(path)).createOrReplaceTempView(name)


def both(spark, tables, dates, folder, fs=FEATURE_SET, cohort=COHORT, outcome=OUTCOME, data_end=DATA_END, cohort_only=True):
    duck = pa.concat_tables([t for _, t in feature_tables(connect(tables), fs, dates, cohort=cohort, outcome=outcome, data_end=data_end,
                                                          cohort_only=cohort_only)])
    on_spark(spark, tables, folder)
    sparked = pa.concat_tables([t for _, t in spark_engine.feature_tables(spark, fs, dates, cohort=cohort, outcome=outcome,
                                                                         data_end=data_end, cohort_only=cohort_only)])
    return duck, sparked


def assert_same(duck: pa.Table, sparked: pa.Table) -> None:
    assert sparked.schema == duck.schema
    assert sparked.num_rows == duck.num_rows
    for name in duck.column_names:
        assert sparked.column(name).to_pylist() == duck.column(name).to_pylist(), name


def edge_tables():
    """One family per kind of edge: events on each window's first day, recorded on the as-of date, around the clock changes."""
    persons = [person("P1", "F1", 2010, 3), person("P2", "F1", 1980, 1, sex="F", eth=None, end="2024-10-27"),  # eldest, no ethnicity
               person("P3", "F2", 2012, 10, eth=None), person("P4", "F3", 2009, 2, start="2024-03-31"),
               person("P5", "F4", 2011, 6)]
    events = [
        event("P1", "police.asb", "2024-01-01"),                      # exactly 3 months before 2024-04-01: inside the 3-month window
        event("P1", "police.asb", "2023-12-31"),                      # a day earlier: outside it, inside 6 months
        event("P1", "police.violence_victim", "2024-03-30", "2024-03-31"),  # recorded on the as-of date 2024-03-31: not yet known
        event("P2", "health.assault_injury", "2024-03-31"),           # the day the clocks go forward
        event("P2", "police.asb", "2024-10-26", "2024-10-27"),        # recorded the day the clocks go back
        event("P3", "police.violence_victim", "2022-04-01"),          # exactly 24 months before 2024-04-01
        event("P3", "police.violence_victim", "2024-10-27"),          # an outcome for the 2024-10-27 date on the day itself
        event("P4", "police.asb", "2024-03-30"),                      # before P4 joined F3
        event("P4", "health.assault_injury", "2024-04-01", "2024-04-02"),
    ]
    return make_tables(persons, events, objections=[{"family_id": "F4", "person_id": None}])


def test_spark_builds_the_duckdb_table_on_window_edges_and_clock_changes(spark, tmp_path):
    duck, sparked = both(spark, edge_tables(), CLOCK_DATES + [dt.date(2024, 1, 1), dt.date(2022, 4, 1)], tmp_path)
    assert_same(duck, sparked)
    assert duck.num_rows > 10 and "F4" not in duck.column("family_id").to_pylist()  # the objecting family is never built
    f1 = [e for f, e in zip(duck.column("family_id").to_pylist(), duck.column("ethnicity").to_pylist(), strict=True) if f == "F1"]
    assert f1 and set(f1) == {"White"}  # the eldest's missing ethnicity is passed over, on both engines


@pytest.mark.slow
@pytest.mark.parametrize("cohort_only", [True, False])
def test_spark_builds_the_duckdb_table_on_a_generated_population(spark, generated, tmp_path, cohort_only):  # noqa: F811
    config, tables = generated
    fs = feature_set_from_config(config)
    cohort = CohortSpec(config.cohort.min_age, config.cohort.max_age)
    outcome = OutcomeSpec(tuple(config.outcome.events), config.outcome.horizon_months, config.outcome.recording_allowance_days)
    duck, sparked = both(spark, tables, ODD_DATES + CLOCK_DATES[:2], tmp_path, fs=fs, cohort=cohort, outcome=outcome,
                         data_end=dt.date(2026, 3, 31), cohort_only=cohort_only)
    assert duck.num_rows > 4000
    assert_same(duck, sparked)
