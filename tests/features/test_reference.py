"""The SQL engine equals an independent pandas implementation on a generated population."""

from __future__ import annotations

import dataclasses
import datetime as dt

import duckdb
import pandas as pd
import pytest

from features import CohortSpec, OutcomeSpec
from placerisk.config import parse_config
from placerisk.inputs import feature_set_from_config

from .conftest import run_features
from .reference import reference_features


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    from placerisk.synth import SynthSettings, generate

    c = parse_config(None)
    s = SynthSettings(families=1500, seed=5, start=c.synth.start_date, extract=c.synth.extract_date,
                      teams=tuple(t.name for t in c.teams), bias_events=frozenset(c.synth.recording_bias.event_types), chunk_size=500)
    out = tmp_path_factory.mktemp("gen")
    generate(dataclasses.replace(s, oracle_as_of=()), out, workers=1)
    read = lambda n: duckdb.sql(f"SELECT * FROM '{out}/{n}.parquet'").df()
    events = pd.concat(
        [read(src).assign(event=lambda f, src=src: src + "." + f.event_type).drop(columns="event_type") for src in c.sources], ignore_index=True
    )
    for col in ("event_date", "recorded_date"):
        events[col] = pd.to_datetime(events[col]).dt.date
    persons = read("persons")
    for col in ("member_from", "member_to"):
        persons[col] = [None if pd.isna(v) else pd.Timestamp(v).date() for v in persons[col]]
    objections = duckdb.sql(f"SELECT family_id, person_id FROM read_csv('{out}/objections.csv', all_varchar=true)").df()
    return c, {"persons": persons, "families": read("families"), "areas": read("areas"), "events": events, "objections": objections}


def test_sql_features_equal_the_pandas_reference(generated):
    config, tables = generated
    fs = feature_set_from_config(config)
    cohort = CohortSpec(config.cohort.min_age, config.cohort.max_age)
    outcome = OutcomeSpec(tuple(config.outcome.events), config.outcome.horizon_months, config.outcome.recording_allowance_days)
    dates = [dt.date(2022, 1, 1), dt.date(2023, 7, 1), dt.date(2025, 3, 1)]
    data_end = dt.date(2026, 3, 31)
    got = run_features(tables, dates, fs=fs, cohort=cohort, outcome=outcome, data_end=data_end)
    want = reference_features(tables, fs, dates, cohort, outcome, data_end)
    keys = ["family_id", "as_of_date"]
    got = got.sort_values(keys).reset_index(drop=True)
    want = want.sort_values(keys).reset_index(drop=True)
    assert len(got) == len(want) > 2000
    assert list(got.family_id) == list(want.family_id)
    for name in list(fs.names):
        assert (got[name].astype(int).to_numpy() == want[name].to_numpy()).all(), name
    assert got.label.astype("float").fillna(-1).tolist() == want.label.fillna(-1).tolist()
    # Enough signal that the comparison means something.
    assert got["police__asb__count_24m"].sum() > 100 and got.label.sum() > 20


def test_numpy_pivot_equals_the_portable_sql_pivot(generated):
    """The DuckDB engine pivots with NumPy; the portable SQL (for Spark) must give the same table."""
    from features import prepare
    from features.sql import base_sql

    config, tables = generated
    fs = feature_set_from_config(config)
    cohort = CohortSpec(config.cohort.min_age, config.cohort.max_age)
    outcome = OutcomeSpec(tuple(config.outcome.events), config.outcome.horizon_months, config.outcome.recording_allowance_days)
    dates = [dt.date(2022, 1, 1), dt.date(2024, 10, 1)]
    fast = run_features(tables, dates, fs=fs, cohort=cohort, outcome=outcome, data_end=dt.date(2026, 3, 31))
    con = duckdb.connect()
    for name, frame in tables.items():
        con.register(f"{name}_df", frame)
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM {name}_df")
    prepare(con, fs, dates, cohort=cohort, outcome=outcome, data_end=dt.date(2026, 3, 31))
    portable = con.sql(base_sql(fs, with_wide=True)).df()
    for name in fs.names:
        assert (fast[name].astype(int).to_numpy() == portable[name].astype(int).to_numpy()).all(), name
    assert list(fast.family_id) == list(portable.family_id)
