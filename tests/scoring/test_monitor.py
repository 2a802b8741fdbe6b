"""The monitor's measures on hand-built weeks: precision at capacity against the rule, the status rules, calibration."""

import numpy as np
import pandas as pd
import pytest

from placerisk.scoring.monitor import Settings, calibration, overall, precision_by_group, precision_by_team, team_status


def weeks_fixture():
    """Two weeks, two teams of 20 families: 0-9 on the model's list, 5-14 on the rule's (5-9 on both).

    The outcomes per week: North has them at families 0-5 (the model's list holds 6, the rule's 1, at 5) plus 10-11
    (the rule's: 3 in all); South at family 0 (the model's: 1) and 10-14 (the rule's: 5).
    """
    hits = {"North": {0, 1, 2, 3, 4, 5, 10, 11}, "South": {0, 10, 11, 12, 13, 14}}
    rows = [{"week": week, "team": team, "family_id": f"{team}{i}", "score": 0.5 if i < 10 else 0.1,
             "status": "listed" if i < 10 else "not listed", "baseline_listed": 5 <= i < 15, "sex": "F" if i % 2 else "M",
             "label": float(i in hits[team])}
            for week in ("2025-01-06", "2025-01-13") for team in ("North", "South") for i in range(20)]
    return pd.DataFrame(rows)


def test_precision_at_capacity_equals_a_direct_count():
    by_team = precision_by_team(weeks_fixture()).set_index(["week", "team"])
    north, south = by_team.loc[("2025-01-06", "North")], by_team.loc[("2025-01-06", "South")]
    assert (north["listed"], north["outcomes"], north["precision"]) == (10, 6, 0.6)
    assert (north["rule_listed"], north["rule_outcomes"], north["rule_precision"]) == (10, 3, 0.3)
    assert (south["precision"], south["rule_precision"]) == (0.1, 0.5)
    assert north["expected"] == pytest.approx(5.0)


def test_a_team_clearly_worse_than_the_rule_is_red_and_the_service_with_it():
    by_team = precision_by_team(weeks_fixture())
    statuses = {s.team: s for s in team_status(by_team, Settings(min_precision=0.05, ratio_low=0.1, ratio_high=10))}
    assert statuses["North"].status == "green"
    assert statuses["South"].status == "red" and "clearly worse than the rule" in statuses["South"].reasons[0]
    assert statuses["South"].difference_high < 0 and statuses["South"].precision == pytest.approx(0.1)
    assert overall(list(statuses.values())) == "red"


def test_below_the_minimum_precision_is_red_and_miscalibration_amber():
    by_team = precision_by_team(weeks_fixture())
    north = next(s for s in team_status(by_team, Settings(min_precision=0.7, ratio_low=0.1, ratio_high=10)) if s.team == "North")
    assert north.status == "amber" and "not clearly" in north.reasons[0]  # 0.6 of 20: the Wilson interval reaches 0.78
    north = next(s for s in team_status(by_team, Settings(min_precision=0.9, ratio_low=0.1, ratio_high=10)) if s.team == "North")
    assert north.status == "red" and "below the minimum of 0.90 (clearly" in north.reasons[0]
    # North: 12 outcomes against 10 expected (0.5 x 20 listed): ratio 1.2, outside 0.8 to 1.1 but within the Poisson spread of 10
    north = next(s for s in team_status(by_team, Settings(min_precision=0.05, ratio_low=0.8, ratio_high=1.1)) if s.team == "North")
    assert north.status == "green" and north.observed_over_expected == pytest.approx(1.2)
    # with probabilities of 0.2 on the listed: 12 against 4 expected, ratio 3 and 8 > 1.96 x 2 away
    frame = weeks_fixture()
    frame.loc[frame["status"] == "listed", "score"] = 0.2
    north = next(s for s in team_status(precision_by_team(frame), Settings(min_precision=0.05)) if s.team == "North")
    assert north.status == "amber" and north.observed_over_expected == pytest.approx(3.0) and "the probabilities are off" in north.reasons[0]


def test_a_family_listed_every_week_counts_once_in_the_interval():
    frame = weeks_fixture()
    by_team = precision_by_team(frame)
    settings = Settings(min_precision=0.0, ratio_low=0, ratio_high=99)
    listings = {s.team: s for s in team_status(by_team, settings)}
    families = {s.team: s for s in team_status(by_team, settings, frame)}
    for team in ("North", "South"):  # the same 10 families both weeks: half the listings, a wider interval
        assert families[team].difference_high - families[team].difference_low > listings[team].difference_high - listings[team].difference_low


def test_the_window_reads_only_the_latest_weeks():
    frame = weeks_fixture()
    frame.loc[(frame["week"] == "2025-01-06") & (frame["team"] == "South"), "label"] = 1.0  # a perfect first week
    by_team = precision_by_team(frame)
    one = {s.team: s for s in team_status(by_team, Settings(window_weeks=1, min_precision=0.05, ratio_low=0, ratio_high=99))}
    two = {s.team: s for s in team_status(by_team, Settings(window_weeks=2, min_precision=0.05, ratio_low=0, ratio_high=99))}
    assert (one["South"].weeks, one["South"].precision) == (1, 0.1) and two["South"].precision == pytest.approx(11 / 20)


def test_a_team_without_enough_followed_families_is_not_judged():
    frame = weeks_fixture()
    frame.loc[frame["team"] == "South", "label"] = np.nan
    frame.loc[(frame["team"] == "South") & (frame["family_id"] == "South0"), "label"] = 1.0
    statuses = {s.team: s for s in team_status(precision_by_team(frame), Settings(), frame)}
    assert statuses["South"].status == "not enough outcomes yet" and statuses["South"].families == 1
    assert overall([statuses["South"]]) == "not enough outcomes yet" and overall(list(statuses.values())) != "not enough outcomes yet"


def test_a_week_without_a_rule_is_not_read_as_every_family_on_the_rules_list():
    frame = weeks_fixture()
    frame["baseline_listed"] = frame["baseline_listed"].astype(object)
    frame.loc[frame["week"] == "2025-01-06", "baseline_listed"] = np.nan
    by_team = precision_by_team(frame).set_index(["week", "team"])
    assert pd.isna(by_team.at[("2025-01-06", "North"), "rule_listed"]) and by_team.at[("2025-01-13", "North"), "rule_listed"] == 10


def test_precision_by_group_is_withheld_under_the_cell_limit():
    by_group = precision_by_group(weeks_fixture(), ["sex"], min_cell_count=4).set_index(["team", "group"])
    # North, both weeks: F = odd i < 10 -> 10 listed, outcomes at 1, 3, 5 -> 3 per week -> 6 of 10
    assert by_group.at[("North", "F"), "listed"] == 10 and by_group.at[("North", "F"), "precision"] == pytest.approx(0.6)
    # South: one outcome per week (i = 0, an M): 2 of 10 for M -> 2 < 4 withheld; F (0 of 10) would then follow from the
    # team's totals, so it is withheld too
    assert by_group.at[("South", "M"), "withheld"] and pd.isna(by_group.at[("South", "M"), "precision"])
    assert by_group.at[("South", "F"), "withheld"] and pd.isna(by_group.at[("South", "F"), "listed"])


def test_calibration_by_tenth_over_the_sample():
    rng = np.random.default_rng(1)
    p = rng.uniform(0, 0.6, 5000)
    frame = pd.DataFrame({"score": p, "label": (rng.uniform(size=5000) < p).astype(float)})
    table = calibration(frame, np.ones(5000, dtype=bool))
    assert len(table) == 10 and table["families"].sum() == 5000
    assert np.abs(table["mean_score"] - table["observed_rate"]).max() < 0.06


def test_group_differences_in_overrides_are_judged_only_with_enough_overrides_to_compare():
    from placerisk.scoring.monitor import override_warnings

    team = pd.DataFrame([{"week": "all weeks", "team": "North", "listed": 100, "decision": d, "count": c, "share": c / 100}
                         for d, c in (("none", 10), ("override", 4))])
    groups = pd.DataFrame([{"week": "all weeks", "attribute": "sex", "group": g, "listed": 50, "decision": "override", "count": c,
                            "share": c / 50} for g, c in (("F", 0), ("M", 4))])
    quiet = override_warnings(team, groups, 0.04, min_override_share=0.02, group_ratio=2.0, min_listed=10, overrides=4)
    assert not [w for w in quiet if w.startswith("sex")]  # 4 overrides in all: nothing to compare groups on
    loud = override_warnings(team, groups.assign(count=[0, 20], share=[0.0, 0.4]), 0.2, min_override_share=0.02, group_ratio=2.0,
                             min_listed=10, overrides=20)
    assert [w.split(":")[0] for w in loud if w.startswith("sex")] == ["sex F", "sex M"]
