"""The one allocation policy: per-team lists up to capacity x weeks, the tie-break, supported and objecting families, mitigations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from placerisk.models.allocation import (
    LISTED,
    NOT_LISTED,
    OBJECTED,
    SUPPORTED,
    AllocationPolicy,
    Mitigation,
    allocate,
    ranking,
)


def _cohort(n=600, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "family_id": [f"F{i:05d}" for i in rng.permutation(n)],
        "team": rng.choice(["North", "South", "East"], size=n, p=[0.5, 0.3, 0.2]),
        "probability": np.round(rng.beta(1, 8, size=n), 2),  # rounded: many ties
        "group": rng.choice(["A", "B", "C"], size=n, p=[0.7, 0.2, 0.1]),
    })


POLICY = AllocationPolicy({"North": 5, "South": 3, "East": 2}, weeks=4)


def _by_hand(frame: pd.DataFrame, policy: AllocationPolicy) -> set[str]:
    """Each team's top places by probability, then family id: the rule written out with pandas."""
    out = set()
    for team, part in frame.groupby("team"):
        top = part.sort_values(["probability", "family_id"], ascending=[False, True]).head(policy.places(team))
        out |= set(top["family_id"])
    return out


def test_each_team_takes_its_own_top_families_up_to_capacity_times_weeks():
    frame = _cohort()
    result = allocate(frame["probability"], team=frame["team"], family_id=frame["family_id"], policy=POLICY)
    listed = set(frame["family_id"][result.listed])
    assert listed == _by_hand(frame, POLICY)
    table = result.by_team().set_index("team")
    assert table.loc["North", "listed"] == 20 and table.loc["South", "listed"] == 12 and table.loc["East", "listed"] == 8
    assert (table["listed"] <= table["places"]).all()
    assert result.describe() == "each team's top families for 4 weeks: 40 of 600"


def test_places_on_each_list_follow_the_ranking_and_ties_go_to_the_lower_family_id():
    frame = pd.DataFrame({"family_id": ["F3", "F1", "F2", "F4"], "team": ["T"] * 4, "probability": [0.5, 0.5, 0.5, 0.9]})
    result = allocate(frame["probability"], team=frame["team"], family_id=frame["family_id"], policy=AllocationPolicy({"T": 2}))
    assert result.place.tolist() == [0, 2, 0, 1]
    # equal probabilities: the ranking score splits them before the family id does
    result = allocate(frame["probability"], rank_score=[0.7, 0.1, 0.2, 0.9], team=frame["team"], family_id=frame["family_id"],
                      policy=AllocationPolicy({"T": 2}))
    assert result.place.tolist() == [2, 0, 0, 1]


def test_a_small_team_lists_every_family_it_has_and_no_more():
    frame = pd.DataFrame({"family_id": ["a", "b", "c"], "team": ["Small", "Big", "Big"], "probability": [0.1, 0.2, 0.3]})
    result = allocate(frame["probability"], team=frame["team"], family_id=frame["family_id"], policy=AllocationPolicy({"Small": 5, "Big": 1}))
    assert result.status.tolist() == [LISTED, NOT_LISTED, LISTED]


def test_supported_families_are_not_listed_and_objectors_never_appear():
    frame = _cohort()
    top = ranking(frame["probability"], None, frame["family_id"])[:5]
    supported = np.zeros(len(frame), bool)
    supported[top[:2]] = True
    objected = np.zeros(len(frame), bool)
    objected[top[2:4]] = True
    result = allocate(frame["probability"], team=frame["team"], family_id=frame["family_id"], policy=POLICY,
                      supported=supported, objected=objected)
    assert (result.status[supported] == SUPPORTED).all() and (result.status[objected] == OBJECTED).all()
    assert not result.listed[supported | objected].any()
    table = result.by_team()
    assert table["listed"].sum() == 40  # the places go to the next families
    eligible = frame[~(supported | objected)]
    assert set(frame["family_id"][result.listed]) == _by_hand(eligible, POLICY)


def test_equal_selection_rate_shares_each_teams_places_by_group_size():
    frame = _cohort(n=3000, seed=3)
    policy = POLICY.with_mitigation(Mitigation("equal_selection_rate", "group"))
    result = allocate(frame["probability"], team=frame["team"], family_id=frame["family_id"], policy=policy, groups=frame[["group"]])
    for team, part in frame.assign(listed=result.listed).groupby("team"):
        sizes = part["group"].value_counts()
        listed = part.loc[part["listed"], "group"].value_counts().reindex(sizes.index, fill_value=0)
        places = policy.places(team)
        assert listed.sum() == places
        assert (abs(listed - places * sizes / sizes.sum()) < 1).all(), (team, listed.to_dict())
        for group, members in part.groupby("group"):  # each group's share goes to its own top families
            ranked = members.sort_values(["probability", "family_id"], ascending=[False, True])
            assert ranked["listed"].tolist() == sorted(ranked["listed"].tolist(), reverse=True)


def test_equal_expected_recall_shares_places_by_expected_need_and_lends_unusable_places():
    frame = pd.DataFrame({"family_id": [f"f{i}" for i in range(8)], "team": ["T"] * 8,
                          "probability": [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2],
                          "group": ["A", "A", "A", "A", "A", "A", "B", "B"]})
    policy = AllocationPolicy({"T": 4}, mitigation=Mitigation("equal_expected_recall", "group"))
    result = allocate(frame["probability"], team=frame["team"], family_id=frame["family_id"], policy=policy, groups=frame[["group"]])
    # expected need A 3.9, B 0.5: 4 places share 3.55 : 0.45, so A 3 + the larger remainder (0.55), B 0
    assert frame["family_id"][result.listed].tolist() == ["f0", "f1", "f2", "f3"]
    frame.loc[6:, "probability"] = [0.85, 0.84]  # need A 3.9, B 1.69: shares 2.79 : 1.21, so A 3, B 1
    result = allocate(frame["probability"], team=frame["team"], family_id=frame["family_id"], policy=policy, groups=frame[["group"]])
    assert sorted(frame["family_id"][result.listed]) == ["f0", "f1", "f2", "f6"]
    plain = allocate(frame["probability"], team=frame["team"], family_id=frame["family_id"], policy=policy.with_mitigation(None))
    assert sorted(frame["family_id"][plain.listed]) == ["f0", "f1", "f6", "f7"]
    small = AllocationPolicy({"T": 4}, mitigation=Mitigation("equal_selection_rate", "group"))
    frame = frame.iloc[:7]  # B has one family but a share of two places: the spare place goes by rank
    result = allocate(frame["probability"], team=frame["team"], family_id=frame["family_id"], policy=small, groups=frame[["group"]])
    assert result.n_listed == 4 and result.listed[6]


def test_same_inputs_in_any_row_order_give_the_same_lists():
    frame = _cohort()
    a = allocate(frame["probability"], team=frame["team"], family_id=frame["family_id"], policy=POLICY)
    shuffled = frame.sample(frac=1, random_state=1)
    b = allocate(shuffled["probability"], team=shuffled["team"], family_id=shuffled["family_id"], policy=POLICY)
    first = dict(zip(frame["family_id"], a.place, strict=True))
    assert dict(zip(shuffled["family_id"], b.place, strict=True)) == first


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"team": ["North", "Nowhere"]}, "Nowhere"),
    ({"family_id": ["x", "x"]}, "more than once"),
    ({"probability": [0.1, float("nan")]}, "missing"),
])
def test_bad_inputs_are_refused_with_what_was_expected(kwargs, message):
    given = {"probability": [0.1, 0.2], "team": ["North", "South"], "family_id": ["x", "y"], **kwargs}
    with pytest.raises(ValueError, match=message):
        allocate(given.pop("probability"), policy=POLICY, **given)


def test_policy_round_trips_and_refuses_bad_settings():
    policy = POLICY.with_mitigation(Mitigation.parse("equal_selection_rate:ethnicity"))
    assert AllocationPolicy.from_dict(policy.to_dict()) == policy
    assert policy.total_places == 40
    with pytest.raises(ValueError, match="KIND:ATTRIBUTE"):
        Mitigation.parse("ethnicity")
    with pytest.raises(ValueError, match="expected one of"):
        Mitigation.parse("quota:ethnicity")
    with pytest.raises(ValueError, match="at least 1"):
        AllocationPolicy({"North": 0})
    with pytest.raises(ValueError, match="mitigation"):
        allocate([0.1], team=["North"], family_id=["x"], policy=policy)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"rank_score": [0.1]}, "rank_score: got 1 values; expected 2"),
    ({"supported": [True]}, "supported: got 1 values; expected 2"),
    ({"supported": ["False", True]}, "supported: got 'False'; expected true or false"),
    ({"objected": [float("nan"), False]}, "objected: got nan; expected true or false"),
])
def test_optional_inputs_are_checked_too(kwargs, message):
    with pytest.raises(ValueError, match=message):
        allocate([0.1, 0.2], team=["North", "South"], family_id=["x", "y"], policy=POLICY, **kwargs)
    with pytest.raises(ValueError, match="groups: got 1 rows; expected 2"):
        allocate([0.1, 0.2], team=["North", "South"], family_id=["x", "y"], groups=pd.DataFrame({"g": ["a"]}),
                 policy=POLICY.with_mitigation(Mitigation("equal_selection_rate", "g")))
