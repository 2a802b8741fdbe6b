"""Properties that must hold for any data: nothing known on or after D reaches a feature as of D."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import FEATURE_SET, OUTCOME, make_tables, person, run_features

AS_OF = dt.date(2024, 1, 1)
PEOPLE = [
    person("p1", "F1", 1985, 4), person("p2", "F1", 2010, 6), person("p3", "F2", 2004, 1),
    person("p4", "F2", 1975, 2), person("p5", "F3", 2015, 9), person("p6", "F3", 1990, 11),
]
NAMES = [e.name for e in FEATURE_SET.event_types]
FEATURES = list(FEATURE_SET.names)


@st.composite
def events(draw, *, recorded_from=None, recorded_before=None, max_size=25):
    rows = []
    for _ in range(draw(st.integers(0, max_size))):
        pid = draw(st.sampled_from([p["person_id"] for p in PEOPLE]))
        name = draw(st.sampled_from(NAMES))
        day = draw(st.dates(dt.date(2021, 1, 1), dt.date(2025, 12, 31)))
        lag = draw(st.integers(0, 90))
        recorded = day + dt.timedelta(days=lag)
        if recorded_from is not None and recorded < recorded_from:
            recorded = recorded_from + dt.timedelta(days=lag)
        if recorded_before is not None and recorded >= recorded_before:
            continue
        rows.append({"person_id": pid, "event": name, "event_date": day, "recorded_date": recorded})
    return rows


def _features(rows, dates=(AS_OF,)):
    out = run_features(make_tables(PEOPLE, rows), list(dates))
    return out.sort_values(["family_id", "as_of_date"]).reset_index(drop=True)


SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(known=events(recorded_before=AS_OF), late=events(recorded_from=AS_OF))
def test_events_recorded_on_or_after_d_never_change_features_as_of_d(known, late):
    """Includes events dated before D but recorded after it (late records)."""
    before = _features(known)[["family_id"] + FEATURES]
    after = _features(known + late)[["family_id"] + FEATURES]
    pd.testing.assert_frame_equal(before, after)


@SETTINGS
@given(known=events(recorded_before=AS_OF), late=events(recorded_from=AS_OF))
def test_changing_late_records_never_changes_features(known, late):
    shifted = [dict(r, event_date=r["event_date"] - dt.timedelta(days=30)) for r in late]
    a = _features(known + late)[["family_id"] + FEATURES]
    b = _features(known + shifted)[["family_id"] + FEATURES]
    pd.testing.assert_frame_equal(a, b)


@SETTINGS
@given(rows=events(), day=st.dates(dt.date(2021, 1, 1), dt.date(2026, 3, 1)))
def test_labels_count_only_outcome_events_dated_inside_the_window(rows, day):
    out = _features(rows)
    end = pd.Timestamp(AS_OF) + pd.DateOffset(months=OUTCOME.horizon_months)
    extra = {"person_id": "p2", "event": OUTCOME.events[0], "event_date": day, "recorded_date": day}
    with_extra = _features(rows + [extra])
    f1_before = out.loc[out.family_id == "F1", "label"].iloc[0]
    f1_after = with_extra.loc[with_extra.family_id == "F1", "label"].iloc[0]
    if AS_OF <= day < end.date():
        assert f1_after == 1
    else:
        assert f1_after == f1_before
    assert out.label.isin([0, 1]).all()


@SETTINGS
@given(rows=events(), objected=st.sets(st.sampled_from(["F1", "F2", "F3"])), dates=st.lists(st.dates(dt.date(2022, 1, 1), dt.date(2025, 1, 1)), min_size=1, max_size=3))
def test_objecting_families_never_appear(rows, objected, dates):
    tables = make_tables(PEOPLE, rows, [{"family_id": f, "person_id": None} for f in objected])
    out = run_features(tables, dates, cohort_only=False)
    assert not set(out.family_id) & objected
