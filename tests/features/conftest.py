"""Small input tables for the feature engine, registered on DuckDB."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from placerisk.features import CohortSpec, EventType, FeatureSet, OutcomeSpec, compute_features

EVENT_TYPES = (
    EventType("police", "asb", "Anti-social behaviour incident"),
    EventType("police", "violence_victim", "Victim of violence with injury"),
    EventType("health", "assault_injury", "A&E attendance for an assault injury"),
)
FEATURE_SET = FeatureSet(EVENT_TYPES, groups=(("violence", ("police.violence_victim", "health.assault_injury"), "Violence"),))
COHORT = CohortSpec(min_age=8, max_age=24)
OUTCOME = OutcomeSpec(events=("police.violence_victim",), horizon_months=12, recording_allowance_days=30)
DATA_END = dt.date(2026, 3, 31)


def D(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def person(pid, fid, by, bm, sex="M", eth="White", start="2000-01-01", end=None):
    return {"person_id": pid, "family_id": fid, "sex": sex, "ethnicity": eth, "birth_year": by, "birth_month": bm,
            "member_from": D(start), "member_to": D(end) if end else None}


def event(pid, name, date, recorded=None):
    return {"person_id": pid, "event": name, "event_date": D(date), "recorded_date": D(recorded or date)}


def make_tables(persons, events, objections=(), families=None):
    persons = pd.DataFrame(persons)
    fams = families or [{"family_id": f, "area_code": "A1"} for f in sorted(set(persons.family_id))]
    return {
        "persons": persons,
        "families": pd.DataFrame(fams),
        "areas": pd.DataFrame([{"area_code": "A1", "deprivation_decile": 2, "team": "Central"}]),
        "events": pd.DataFrame(events, columns=["person_id", "event", "event_date", "recorded_date"]),
        "objections": pd.DataFrame(list(objections), columns=["family_id", "person_id"]),
    }


def connect(tables):
    con = duckdb.connect()
    for name, frame in tables.items():
        con.register(f"{name}_df", frame)
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM {name}_df")
    return con


def run_features(tables, as_of_dates, fs=FEATURE_SET, cohort=COHORT, outcome=OUTCOME, data_end=DATA_END, cohort_only=True):
    """The DuckDB engine (NumPy event statistics): features and meta columns in one frame."""
    con = connect(tables)
    X, meta = compute_features(con, fs, as_of_dates, cohort=cohort, outcome=outcome, data_end=data_end, cohort_only=cohort_only)
    return X.merge(meta, on=["family_id", "as_of_date"])


def run_portable(tables, as_of_dates, fs=FEATURE_SET, cohort=COHORT, outcome=OUTCOME, data_end=DATA_END, cohort_only=True):
    """The whole portable SQL plan (what other engines run): the same columns as ``run_features``."""
    from placerisk.features import prepare
    from placerisk.features.sql import base_sql

    con = connect(tables)
    prepare(con, fs, as_of_dates, cohort=cohort, outcome=outcome, data_end=data_end, cohort_only=cohort_only, portable=True)
    return con.sql(base_sql(fs, cohort_only=cohort_only, with_wide=True)).df()


@pytest.fixture
def run():
    return run_features
