"""The weekly tables on a hand-built two-week fixture: own families only, capacity, supported apart, objectors nowhere, who left and why."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from placerisk.models.allocation import AllocationPolicy, allocate
from placerisk.scoring.lists import (
    BELOW,
    LEFT_COHORT,
    MOVED_IN,
    MOVED_OUT,
    NEW,
    NOW_SUPPORTED,
    STILL,
    counts_by_team,
    left_table,
    listed_table,
    supported_table,
)

POLICY = AllocationPolicy({"North": 2, "South": 1})


def _week(rows):
    cohort = pd.DataFrame(rows, columns=["family_id", "team", "score"]).assign(band=lambda t: (t["score"] * 20).astype(int).clip(1, 20),
                                                                                rank_score=lambda t: t["score"])
    return cohort


def _lists(cohort, supported=(), objected=()):
    return allocate(cohort["score"], rank_score=cohort["rank_score"], team=cohort["team"], family_id=cohort["family_id"], policy=POLICY,
                    supported=cohort["family_id"].isin(supported).to_numpy(), objected=cohort["family_id"].isin(objected).to_numpy())


NO_REASONS = pd.DataFrame(columns=["family_id", "rank", "words", "source", "latest_record"])

# week 1: North lists a, b; South lists e
WEEK1 = _week([("a", "North", 0.9), ("b", "North", 0.8), ("c", "North", 0.7), ("d", "North", 0.1), ("e", "South", 0.6), ("f", "South", 0.2)])
# week 2: a still first; b is now supported; c rises onto the list; d has left the cohort; e moved to North (and ranks high);
# f objected (it must appear nowhere); g is new to South
WEEK2 = _week([("a", "North", 0.9), ("b", "North", 0.85), ("c", "North", 0.7), ("e", "North", 0.95), ("f", "South", 0.99), ("g", "South", 0.5)])


def test_a_first_week_marks_every_family_new_and_no_one_left():
    lists = _lists(WEEK1)
    table = listed_table(WEEK1, lists, NO_REASONS, None)
    assert table[["Team", "Place", "Family (pseudonymous id)"]].values.tolist() == [["North", 1, "a"], ["North", 2, "b"], ["South", 1, "e"]]
    assert set(table["Since last week"]) == {NEW}
    assert left_table(None, WEEK1, lists, set()).empty


def test_the_second_week_by_hand():
    before = listed_table(WEEK1, _lists(WEEK1), NO_REASONS, None)
    previous = pd.DataFrame({"family_id": before["Family (pseudonymous id)"], "team": before["Team"]})
    lists = _lists(WEEK2, supported={"b"}, objected={"f"})
    table = listed_table(WEEK2, lists, NO_REASONS, previous)
    assert table[["Team", "Family (pseudonymous id)", "Since last week"]].values.tolist() == [
        ["North", "e", MOVED_IN], ["North", "a", STILL], ["South", "g", NEW]]
    left = left_table(previous, WEEK2, lists, {"f"})
    assert left.values.tolist() == [["North", "b", NOW_SUPPORTED], ["South", "e", MOVED_OUT]]
    supported = supported_table(WEEK2, lists)
    assert supported["Family (pseudonymous id)"].tolist() == ["b"]
    everything = pd.concat([table, left, supported]).astype(str).to_numpy().ravel().tolist()
    assert "f" not in everything  # the objector: nowhere
    counts = counts_by_team(table, supported, left, lists).set_index("team")
    assert counts.loc["North", "listed"] == 2 <= counts.loc["North", "places"] and counts.loc["South", "listed"] == 1
    assert counts.loc["North", "new"] == 1 and counts.loc["North", "still_listed"] == 1 and counts.loc["North", "left"] == 1


def test_dropped_below_the_cut_and_left_the_cohort():
    previous = pd.DataFrame({"family_id": ["a", "d"], "team": ["North", "North"]})
    week = _week([("a", "North", 0.1), ("x", "North", 0.9), ("y", "North", 0.8)])
    left = left_table(previous, week, _lists(week), set())
    assert left.values.tolist() == [["North", "a", BELOW], ["North", "d", LEFT_COHORT]]


def test_reasons_fill_the_listed_rows_in_rank_order():
    lists = _lists(WEEK1)
    reasons = pd.DataFrame({"family_id": ["a", "a", "b"], "rank": [2, 1, 1], "words": ["second", "first", "only"],
                            "source": ["health", "police", "police"], "latest_record": [dt.date(2026, 1, 2), dt.date(2026, 2, 1), None]})
    table = listed_table(WEEK1, lists, reasons, None).set_index("Family (pseudonymous id)")
    assert table.loc["a", ["Reason 1", "Partner 1", "Most recent record 1", "Reason 2"]].tolist() == ["first", "police", "2026-02-01", "second"]
    assert table.loc["b", "Most recent record 1"] == "" and table.loc["b", "Reason 2"] == ""
    assert np.isclose(table.loc["a", "Probability"], 0.9)
