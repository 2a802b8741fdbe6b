"""Features, cohort and labels on a fixture written and computed by hand.

A serious-violence model elsewhere was invalidated by a bug in the definition
of its training set; this is the guard: every number below was worked out by
hand from the rows, following the plain-English descriptions.
"""

from __future__ import annotations

import pandas as pd

from .conftest import D, event, make_tables, person

AS_OF = D("2024-01-01")


def fixture_tables():
    persons = [
        # F1: mother 38, boy 14 (cohort), girl 3; a 16-year-old who objected; an ex-partner who left; a baby born after D.
        person("a1", "F1", 1985, 4, sex="F"),
        person("c1", "F1", 2009, 6, sex="M"),
        person("c2", "F1", 2020, 2, sex="F", start="2020-02-01"),
        person("c3", "F1", 2007, 8, sex="F"),
        person("x1", "F1", 1980, 1, start="2005-01-01", end="2023-06-01"),
        person("b1", "F1", 2024, 2, start="2024-02-01"),
        # F2: father 54 and a young man of 23 (cohort), Black.
        person("a2", "F2", 1969, 9, eth="Black"),
        person("y2", "F2", 2000, 5, eth="Black"),
        # F3: adults only (not in the cohort). F4: a family that objected.
        person("a3", "F3", 1980, 1),
        person("a4", "F3", 1978, 3, sex="F"),
        person("a5", "F4", 1990, 1, sex="F"),
        person("c5", "F4", 2012, 1),
    ]
    events = [
        event("c1", "police.asb", "2023-11-15", "2023-11-16"),
        event("c1", "police.asb", "2023-06-10"),
        event("a1", "police.asb", "2022-03-01"),
        event("a1", "police.asb", "2021-12-31"),                  # older than the 24-month lookback
        event("c1", "police.asb", "2023-12-30", "2024-01-02"),    # recorded after D: unknown on D
        event("c1", "police.asb", "2023-12-31"),
        event("c1", "police.violence_victim", "2023-09-01"),
        event("a1", "health.assault_injury", "2023-12-01", "2024-01-20"),  # recorded after D
        event("c1", "health.assault_injury", "2023-10-15", "2023-11-01"),
        event("c3", "police.asb", "2023-12-01"),                  # objected person: never counted
        event("x1", "police.asb", "2023-12-15"),                  # left the family before D
        event("c2", "police.violence_victim", "2024-05-01", "2024-05-02"),  # outcome inside the window
        event("y2", "police.violence_victim", "2023-12-31", "2024-01-03"),  # before D: neither feature nor label
        event("y2", "police.violence_victim", "2025-01-05"),      # after the window: not the label
        # inside the window but recorded after its end + the 30-day allowance: not the label (no snapshot's
        # label may use records that came later than the others could, e.g. after a test date)
        event("y2", "police.violence_victim", "2024-11-01", "2025-03-01"),
        event("c5", "police.asb", "2023-12-01"),
    ]
    objections = [{"family_id": "F4", "person_id": None}, {"family_id": None, "person_id": "c3"}]
    return make_tables(persons, events, objections)


def _row(frame, family):
    rows = frame[frame.family_id == family]
    assert len(rows) == 1, family
    return rows.iloc[0]


def test_cohort_contains_families_with_a_member_aged_8_to_24_and_no_objectors(run):
    out = run(fixture_tables(), [AS_OF])
    assert sorted(out.family_id) == ["F1", "F2"]  # F3 has no one aged 8-24; F4 objected
    everyone = run(fixture_tables(), [AS_OF], cohort_only=False)
    assert sorted(everyone.family_id) == ["F1", "F2", "F3"]
    assert dict(zip(everyone.family_id, everyone.in_cohort)) == {"F1": True, "F2": True, "F3": False}


def test_event_counts_windows_and_recency_match_the_hand_calculation(run):
    f1 = _row(run(fixture_tables(), [AS_OF]), "F1")
    expected = {
        # ASB: 2023-11-15 and 2023-12-31 are within 3 months (from 2023-10-01); 2023-06-10 within 12; 2022-03-01 within 24.
        "police__asb__count_3m": 2, "police__asb__count_6m": 2, "police__asb__count_12m": 3, "police__asb__count_24m": 4,
        "police__asb__days_since_last": 1,          # 2023-12-31 to 2024-01-01
        "police__asb__members_12m": 1,              # only c1 in the last 12 months
        "police__asb__trend_6m": 1,                 # 2 since 2023-07-01 minus 1 in 2023-01-01..2023-06-30
        "police__violence_victim__count_3m": 0, "police__violence_victim__count_6m": 1,
        "police__violence_victim__days_since_last": 122,  # 2023-09-01 to 2024-01-01
        "health__assault_injury__count_3m": 1,      # a1's 2023-12-01 was recorded after D
        "health__assault_injury__days_since_last": 78,
        "group__violence__count_3m": 1, "group__violence__count_6m": 2, "group__violence__count_24m": 2,
        "group__violence__members_12m": 1, "group__violence__days_since_last": 78, "group__violence__trend_6m": 2,
    }
    assert {k: int(f1[k]) for k in expected} == expected


def test_family_composition_uses_members_and_ages_on_the_as_of_date(run):
    f1 = _row(run(fixture_tables(), [AS_OF]), "F1")
    expected = {
        "family__members": 3,  # a1, c1, c2 (c3 objected, x1 left, b1 not yet born)
        "family__children_0_4": 1, "family__children_5_10": 0, "family__children_11_15": 1, "family__children_16_17": 0,
        "family__young_adults_18_24": 0, "family__adults_25_plus": 1,
        "family__youngest_child_age": 3, "family__oldest_child_age": 14, "area__deprivation_decile": 2,
    }
    assert {k: int(f1[k]) for k in expected} == expected
    assert (f1.ethnicity, f1.index_sex, f1.index_age_band) == ("White", "M", "13-17")


def test_families_with_no_events_get_zeros_and_the_recency_cap(run):
    f2 = _row(run(fixture_tables(), [AS_OF]), "F2")
    assert f2["police__violence_victim__count_24m"] == 0
    assert f2["police__violence_victim__days_since_last"] == 31 * 24
    assert (f2.ethnicity, f2.index_age_band) == ("Black", "18-24")


def test_label_is_the_outcome_in_the_next_12_months_for_members_on_the_date(run):
    out = run(fixture_tables(), [AS_OF])
    assert int(_row(out, "F1").label) == 1   # c2's victim event on 2024-05-01
    assert int(_row(out, "F2").label) == 0   # y2's events are before D, after D + 12 months, or recorded too late
    assert bool(_row(out, "F1").label_complete)


def test_label_is_missing_when_the_window_is_not_complete(run):
    late = run(fixture_tables(), [D("2025-06-01")])
    assert late.label.isna().all() and not late.label_complete.any()


def test_many_dates_in_one_call_equal_one_call_per_date(run):
    dates = [D("2023-01-01"), AS_OF, D("2024-07-01")]
    together = run(fixture_tables(), dates).sort_values(["family_id", "as_of_date"]).reset_index(drop=True)
    apart = pd.concat([run(fixture_tables(), [d]) for d in dates]).sort_values(["family_id", "as_of_date"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(together, apart)
