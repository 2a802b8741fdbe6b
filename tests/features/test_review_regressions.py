"""Inputs that once broke the feature builder."""

from __future__ import annotations

import pytest

from placerisk.features import CohortSpec, EventType, FeatureSet

from .conftest import (
    EVENT_TYPES,
    FEATURE_SET,
    D,
    event,
    make_tables,
    person,
    run_features,
    run_portable,
)


def _both(tables, dates, fs=FEATURE_SET):
    """The engine's frame, after checking the portable SQL plan gives the same features for the same families."""
    fast, portable = run_features(tables, dates, fs=fs), run_portable(tables, dates, fs=fs)
    assert list(fast.family_id) == list(portable.family_id)
    for name in fs.names:
        assert fast[name].astype(int).tolist() == portable[name].astype(int).tolist(), name
    return fast


def test_a_date_with_no_cohort_family_but_events_elsewhere_gives_no_rows(run):
    tables = make_tables([person("p1", "F1", 1960, 1)], [event("p1", "police.asb", "2023-06-01")])
    assert len(run(tables, [D("2024-01-01")])) == 0


def test_a_group_may_not_list_an_event_twice():
    with pytest.raises(ValueError, match="each event type once"):
        FeatureSet((EventType("police", "asb", "ASB"),), groups=(("g", ("police.asb", "police.asb"), "G"),))


def test_twins_resolve_to_the_same_index_person_whatever_the_row_order(run):
    people = [person("b", "F1", 2010, 5, sex="M"), person("a", "F1", 2010, 5, sex="F"), person("m", "F1", 1980, 1, sex="F")]
    one = run(make_tables(people, []), [D("2024-01-01")])
    two = run(make_tables(list(reversed(people)), []), [D("2024-01-01")])
    assert one.index_sex.tolist() == two.index_sex.tolist() == ["F"]  # the smaller person_id, 'a'


def test_age_bands_follow_the_configured_cohort(run):
    tables = make_tables([person("y", "F1", 1995, 1)], [])
    out = run(tables, [D("2024-01-01")], cohort=CohortSpec(min_age=8, max_age=30))
    assert out.index_age_band.tolist() == ["18-30"]


def test_an_event_dated_on_or_after_d_is_not_counted_even_when_recorded_before_it():
    tables = make_tables([person("c", "F1", 2010, 1)], [
        event("c", "police.asb", "2023-11-01"),
        event("c", "police.asb", "2024-01-01", "2023-12-20"),
        event("c", "police.asb", "2024-02-01", "2023-12-01"),
    ])
    out = _both(tables, [D("2024-01-01")])
    assert out.police__asb__count_3m.tolist() == [1] and out.police__asb__days_since_last.tolist() == [61]


@pytest.mark.parametrize("missing", ["F1", "F3"])
def test_a_family_missing_from_the_families_file_gives_no_row_and_moves_no_counts(missing):
    people = [person("a", "F1", 2010, 1), person("b", "F2", 2010, 1), person("c", "F3", 2010, 1)]
    events = [event("a", "police.asb", "2023-11-01"), event("b", "police.asb", "2023-10-01"), event("b", "police.asb", "2023-10-02"),
              event("c", "police.asb", "2023-12-01")]
    families = [{"family_id": f, "area_code": "A1"} for f in ("F1", "F2", "F3") if f != missing]
    out = _both(make_tables(people, events, families=families), [D("2024-01-01")])
    want = {"F1": 1, "F2": 2, "F3": 1}
    assert out.family_id.tolist() == sorted(set(want) - {missing})
    assert out.police__asb__count_3m.tolist() == [want[f] for f in out.family_id]


@pytest.mark.parametrize("windows", [(12,), tuple(range(1, 131))])
def test_one_window_or_very_many_give_the_same_features_on_both_paths(windows):
    """A single bucket (the SQL once had an empty CASE) and more buckets than a small integer holds."""
    fs = FeatureSet(EVENT_TYPES, windows_months=windows, aggregations=("count", "days_since_last"))
    people = [person("a", "F1", 2010, 1), person("b", "F2", 2010, 1)]
    events = [event("a", "police.asb", "2022-06-01"), event("a", "police.asb", "2023-12-01"), event("b", "police.asb", "2013-04-15")]
    out = _both(make_tables(people, events), [D("2024-01-01")], fs=fs)
    assert out.police__asb__count_12m.tolist() == [1, 0]
