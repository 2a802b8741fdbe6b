"""Inputs that once broke the feature builder."""

from __future__ import annotations

import pytest

from features import CohortSpec, EventType, FeatureSet

from .conftest import D, event, make_tables, person


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
