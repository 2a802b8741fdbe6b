"""Practitioners' decisions and the next list, on a hand-built fixture of two published weeks."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from placerisk.models.allocation import HELD, LISTED, SUPPORTED, AllocationPolicy, allocate
from placerisk.scoring.feedback import ALL_WEEKS, COLUMNS, effective, flags, override_rates
from placerisk.scoring.lists import held_table, listed_table, supported_table

W1, W2, W3 = dt.date(2026, 3, 2), dt.date(2026, 3, 9), dt.date(2026, 3, 16)
FP_OLD, FP_NEW = "extract-1", "extract-2"


def record(family, week, decision, decided, *, band=10, partner=None, at="2026-03-10T09:00:00+00:00", team="North"):
    return {"family_id": family, "week": week.isoformat(), "team": team, "band": band, "decision": decision, "reason_code": "r1",
            "partner": partner, "role": "key worker", "decided": decided.isoformat(), "note": None,
            "data_fingerprint": FP_OLD, "at": at, "batch": "b", "row": 2}


# Ten families of one team, a list of 4 places; f0 ranks first. Their bands now (week 3) are given below.
FAMILIES = [f"f{i}" for i in range(10)]
PROB = np.linspace(0.9, 0.45, 10)
BAND_NOW = np.array([20, 19, 18, 17, 16, 15, 14, 13, 12, 11])
STORE = pd.DataFrame([
    record("f0", W1, "engaged", W1 + dt.timedelta(days=2)),                   # engaged: supported from now on
    record("f1", W1, "engaged", W1 + dt.timedelta(days=1)),                   # superseded below ...
    record("f1", W1, "declined", W1 + dt.timedelta(days=3), band=18),         # ... by a later decision: held
    record("f2", W1, "not_appropriate", W1 + dt.timedelta(days=1), band=14),  # band 14 -> 18 now: risen by 4 >= 3, back
    record("f3", W2, "no_contact", W2 + dt.timedelta(days=1)),                # no effect: may be listed again
    record("f4", W2, "data_wrong", W2 + dt.timedelta(days=1), partner="police"),  # held until the next extract
    record("f5", W2, "already_known", W2 + dt.timedelta(days=9), band=15),           # decided after week 3: not known yet
], columns=[c for c in COLUMNS])


def next_lists(as_of=W3, fingerprint=FP_OLD, hold_weeks=12, band_rise=3):
    decisions = effective(STORE, as_of)
    f = flags(decisions, FAMILIES, BAND_NOW, as_of, hold_weeks=hold_weeks, band_rise=band_rise, data_fingerprint=fingerprint)
    lists = allocate(PROB, team=["North"] * 10, family_id=FAMILIES, policy=AllocationPolicy((("North", 4),), 1),
                     supported=f.engaged, held=f.held)
    return f, lists


def test_the_next_list_honours_every_decision_rule():
    f, lists = next_lists()
    status = dict(zip(FAMILIES, lists.status, strict=True))
    assert status["f0"] == SUPPORTED                      # engaged
    assert status["f1"] == HELD                           # declined (the later decision), band 19 < 18 + 3
    assert status["f2"] == LISTED and f.back_why[2] == "back: band rose from 14 to 18 since not appropriate (list of 2026-03-02)"
    assert status["f3"] == LISTED                         # could not contact: listed again
    assert status["f4"] == HELD and "next validated extract" in f.held_why[4] and "police" in f.held_why[4]
    assert status["f5"] == LISTED                         # its decision came after the as-of date
    assert [fam for fam, s in status.items() if s == LISTED] == ["f2", "f3", "f5", "f6"]  # the places go to the next families
    assert f.held_why[1] == "held until 2026-05-25: declined by the family (list of 2026-03-02)"


def test_holds_end_after_the_weeks_or_with_a_new_extract():
    later = W1 + dt.timedelta(weeks=12)
    f, lists = next_lists(as_of=later, fingerprint=FP_NEW)
    status = dict(zip(FAMILIES, lists.status, strict=True))
    assert status["f1"] == LISTED and status["f4"] == LISTED   # twelve weeks on; a new validated extract
    assert status["f5"] == HELD                                # already known, decided since, held for its own weeks
    assert status["f0"] == SUPPORTED
    f, lists = next_lists(as_of=later - dt.timedelta(days=1))
    assert dict(zip(FAMILIES, lists.status, strict=True))["f1"] == HELD  # the day before


def test_a_bigger_band_rise_keeps_the_family_held():
    f, lists = next_lists(band_rise=5)
    assert lists.status[2] == HELD and f.back_why[2] == ""


def test_the_most_recent_decision_counts_whichever_week_it_was_about():
    store = pd.DataFrame([record("g", W2, "declined", W2 + dt.timedelta(days=1)),
                          record("g", W1, "engaged", W2 + dt.timedelta(days=5))], columns=COLUMNS)
    f = flags(effective(store, W3), ["g"], [10], W3, hold_weeks=12, band_rise=3, data_fingerprint=FP_OLD)
    assert f.engaged.tolist() == [True] and f.held.tolist() == [False]


def test_supersede_keeps_one_decision_per_family_and_week_and_the_order_of_arrival_breaks_ties():
    decisions = effective(STORE)
    assert len(STORE) == 7 and len(decisions) == 6
    assert decisions.set_index("family_id").at["f1", "decision"] == "declined"
    same_day = pd.DataFrame([record("g", W1, "declined", W2), record("g", W1, "engaged", W2)], columns=COLUMNS)
    assert effective(same_day)["decision"].tolist() == ["engaged"]  # the later arrival wins a tie on the date


def test_the_tables_mark_who_came_back_who_is_held_and_why_supported():
    f, lists = next_lists()
    cohort = pd.DataFrame({"family_id": FAMILIES, "team": "North", "score": PROB, "band": BAND_NOW})
    previous = pd.DataFrame({"family_id": ["f3", "f4"], "team": ["North", "North"]})
    listed = listed_table(cohort, lists, pd.DataFrame(columns=["family_id", "rank", "words", "source", "latest_record"]), previous,
                          back=f.back_why).set_index("Family (pseudonymous id)")
    assert listed.at["f2", "Since last week"] == "new (back: band rose from 14 to 18 since not appropriate (list of 2026-03-02))"
    assert listed.at["f3", "Since last week"] == "still listed"
    held = held_table(cohort, lists, f.held_why)
    assert held["Family (pseudonymous id)"].tolist() == ["f1", "f4"]
    supported = supported_table(cohort, lists, why=f.engaged_why)
    assert supported["Why"].tolist() == ["engaged after the list of 2026-03-02 (practitioner feedback)"]


def _override_fixture():
    """Two weeks of one team's lists: 30 families in week 1, 20 in week 2, with the decisions counted below by hand."""
    rows, decisions = [], []
    for week, n in ((W1, 30), (W2, 20)):
        for i in range(n):
            rows.append({"week": week.isoformat(), "family_id": f"{week}-{i}", "team": "North", "sex": "F" if i % 2 else "M"})
    # week 1: 12 engaged, 10 not appropriate, 3 declined, the other 5 nothing
    for i in range(30):
        d = "engaged" if i < 12 else "not_appropriate" if i < 22 else "declined" if i < 25 else None
        if d:
            decisions.append(record(f"{W1}-{i}", W1, d, W1))
    # week 2: 10 engaged, 10 nothing
    decisions += [record(f"{W2}-{i}", W2, "engaged", W2) for i in range(10)]
    return pd.DataFrame(rows), effective(pd.DataFrame(decisions, columns=COLUMNS))


def test_override_rates_by_team_equal_hand_counts_and_small_cells_are_withheld():
    listed, decisions = _override_fixture()
    rates = override_rates(listed, decisions, by="team", min_cell_count=10, round_to=1).set_index(["week", "decision"])
    w1 = W1.isoformat()
    assert rates.at[(w1, "engaged"), "count"] == 12 and rates.at[(w1, "engaged"), "share"] == pytest.approx(12 / 30)
    assert rates.at[(w1, "not_appropriate"), "count"] == 10 and rates.at[(w1, "override"), "share"] == 0.333  # three decimals
    assert pd.isna(rates.at[(w1, "declined"), "count"])           # 3 < 10: withheld ...
    assert pd.isna(rates.at[(w1, "none"), "count"])               # ... 5 < 10 too
    assert rates.at[(w1, "no_contact"), "count"] == 0             # nobody: nothing to disclose
    w2 = W2.isoformat()
    assert rates.at[(w2, "engaged"), "count"] == 10 and rates.at[(w2, "none"), "share"] == pytest.approx(0.5)
    both = rates.loc[ALL_WEEKS]
    assert both.at["engaged", "count"] == 22 and both.at["engaged", "share"] == pytest.approx(22 / 50)
    # week 1's 5 without a decision would follow from all weeks' 15 less week 2's 10: all weeks' figure is withheld
    assert pd.isna(both.at["none", "count"]) and pd.isna(both.at["declined", "count"])
    assert both.at["not_appropriate", "count"] == 10 and both.at["override", "count"] == 10  # two withheld: neither recoverable


def test_a_cell_withheld_in_one_week_is_not_given_back_by_the_other_weeks():
    listed, decisions = _override_fixture()
    rates = override_rates(listed, decisions, by="team", min_cell_count=10, round_to=1)
    for (week, team), row in rates.groupby(["week", "team"]):
        hidden = row[row["count"].isna() & (row["decision"] != "override")]
        assert len(hidden) != 1, (week, team)  # a single withheld cell would be the total less the others
    weekly = rates[rates["week"] != ALL_WEEKS]
    for decision, part in weekly.groupby("decision"):
        if part["count"].isna().sum() == 1:
            assert pd.isna(rates[(rates["week"] == ALL_WEEKS) & (rates["decision"] == decision)]["count"]).all(), decision


def test_override_rates_by_group_equal_hand_counts():
    listed, decisions = _override_fixture()
    rates = override_rates(listed, decisions, by="sex", min_cell_count=5, round_to=1).set_index(["week", "sex", "decision"])
    # week 1, odd i are F: engaged 1,3,...,11 -> 6; not appropriate 13..21 -> 5; declined 23 -> 1; none 25,27,29 -> 3
    w1 = W1.isoformat()
    assert rates.at[(w1, "F", "engaged"), "count"] == 6 and rates.at[(w1, "F", "not_appropriate"), "count"] == 5
    assert rates.at[(w1, "F", "engaged"), "listed"] == 15
    assert pd.isna(rates.at[(w1, "F", "declined"), "count"]) and pd.isna(rates.at[(w1, "F", "none"), "count"])


def _one_week(decisions_by_count: dict[str, int], team="North"):
    rows, stored, i = [], [], 0
    for decision, n in decisions_by_count.items():
        for _ in range(n):
            rows.append({"week": W1.isoformat(), "family_id": f"x{i}", "team": team})
            if decision != "none":
                stored.append(record(f"x{i}", W1, decision, W1))
            i += 1
    return pd.DataFrame(rows), effective(pd.DataFrame(stored, columns=COLUMNS))


def test_the_overrides_together_cannot_give_back_a_withheld_decision():
    listed, decisions = _one_week({"engaged": 30, "not_appropriate": 8, "already_known": 9, "no_contact": 5, "none": 20})
    rates = override_rates(listed, decisions, by="team", min_cell_count=10, round_to=1)
    row = rates[rates["week"] == W1.isoformat()].set_index("decision")
    # no contact (5) is withheld; the overrides (17) are shown: 72 - 30 - 17 - 20 would give it back, so "none" goes too
    assert row.at["override", "count"] == 17 and pd.isna(row.at["no_contact", "count"]) and pd.isna(row.at["none", "count"])
    shown = row["count"].dropna()
    assert row["listed"].iloc[0] - shown.drop("override").sum() - shown.get("override", 0) != 5


def test_a_group_smaller_than_the_cell_limit_is_withheld_whole_and_shares_follow_the_rounded_counts():
    listed, decisions = _one_week({"engaged": 3})
    rates = override_rates(listed, decisions, by="team", min_cell_count=10, round_to=5)
    assert rates["count"].isna().all() and rates["listed"].isna().all() and rates["share"].isna().all()
    listed, decisions = _one_week({"engaged": 12, "none": 35})
    row = override_rates(listed, decisions, by="team", min_cell_count=10, round_to=5).set_index(["week", "decision"]).loc[W1.isoformat()]
    assert row.at["engaged", "count"] == 10 and row.at["engaged", "listed"] == 45 and row.at["engaged", "share"] == round(10 / 45, 3)
