"""The SQL engine equals an independent pandas implementation on a generated population."""

from __future__ import annotations

import dataclasses
import datetime as dt

import duckdb
import pandas as pd
import pytest

from placerisk.features import CohortSpec, OutcomeSpec
from placerisk.config import parse_config
from placerisk.app.specs import feature_set as feature_set_from_config

from .conftest import connect, run_features, run_portable
from .reference import reference_features


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    from placerisk.datatools.synth import SynthSettings, generate

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


def _portable(tables, fs, cohort, outcome, dates, data_end, cohort_only):
    """The whole portable plan in SQL (what other engines run): one connection, relations left on it."""
    from placerisk.features import prepare

    con = connect(tables)
    prepare(con, fs, dates, cohort=cohort, outcome=outcome, data_end=data_end, cohort_only=cohort_only, portable=True)
    return con


# Month ends and a leap day: windows are clamped to the month's end on every path.
ODD_DATES = [dt.date(2022, 1, 1), dt.date(2023, 3, 31), dt.date(2024, 2, 29), dt.date(2024, 10, 17)]


@pytest.mark.parametrize("cohort_only", [True, False])
def test_numpy_statistics_and_pivot_equal_the_portable_sql(generated, cohort_only):
    """The DuckDB engine aggregates events and pivots with NumPy; the portable SQL (for Spark) must give the same table."""
    config, tables = generated
    fs = feature_set_from_config(config)
    cohort = CohortSpec(config.cohort.min_age, config.cohort.max_age)
    outcome = OutcomeSpec(tuple(config.outcome.events), config.outcome.horizon_months, config.outcome.recording_allowance_days)
    end = dt.date(2026, 3, 31)
    fast = run_features(tables, ODD_DATES, fs=fs, cohort=cohort, outcome=outcome, data_end=end, cohort_only=cohort_only)
    portable = run_portable(tables, ODD_DATES, fs=fs, cohort=cohort, outcome=outcome, data_end=end, cohort_only=cohort_only)
    assert list(fast.family_id) == list(portable.family_id) and len(fast) > 4000
    for name in fs.names:
        assert (fast[name].astype(int).to_numpy() == portable[name].astype(int).to_numpy()).all(), name
    assert fast["group__violence__members_12m"].sum() > 50 and (fast["police__asb__trend_6m"] < 0).any()


@pytest.mark.parametrize("block_rows", [1 << 20, 37])
def test_numpy_target_statistics_equal_the_sql_rows(generated, block_rows, monkeypatch):
    """Entry by entry (family, target): bucket counts, members with one recently, days since the latest,
    whether the events are taken in one block or in many small ones (never splitting a family)."""
    import numpy as np

    from placerisk.features import stats
    from placerisk.features.sql import (
        keyed_event_days_sql,
        members_on_sql,
        target_stats_for,
    )
    from placerisk.features.stats import KeyedEvents, target_stats

    monkeypatch.setattr(stats, "BLOCK_ROWS", block_rows)

    config, tables = generated
    fs = feature_set_from_config(config)
    cohort = CohortSpec(config.cohort.min_age, config.cohort.max_age)
    outcome = OutcomeSpec(tuple(config.outcome.events), config.outcome.horizon_months, config.outcome.recording_allowance_days)
    con = _portable(tables, fs, cohort, outcome, ODD_DATES, dt.date(2026, 3, 31), True)
    events = KeyedEvents.from_arrays(con.sql(keyed_event_days_sql()).fetchnumpy())
    blocks = events.blocks(stats.BLOCK_ROWS)
    assert len(blocks) == 1 if block_rows > len(events) else len(blocks) > 100
    assert all(events.fkey[a - 1] != events.fkey[a] for a, _ in blocks[1:])
    n_people = con.sql("SELECT max(pkey) FROM people").fetchall()[0][0]
    for d in ODD_DATES:
        members = np.zeros(n_people + 1, dtype=bool)
        members[con.sql(members_on_sql(d, cohort_only=True)).fetchnumpy()["pkey"]] = True
        got = pd.DataFrame(target_stats(fs, events, d, members)).sort_values(["fkey", "target"]).reset_index(drop=True)
        want = con.sql(target_stats_for(fs, d)).df().sort_values(["fkey", "target"]).reset_index(drop=True)
        assert len(got) == len(want) > 1000, d
        for col in want.columns:
            assert (got[col].to_numpy() == want[col].astype(int).to_numpy()).all(), (d, col)
