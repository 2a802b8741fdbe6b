"""``training.champion``: list churn against a hand count, findings side by side, and which test snapshots favour the champion."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from placerisk.features import OutcomeSpec
from placerisk.training.champion import finding_changes, list_churn, saw_outcomes


def test_list_churn_equals_a_hand_count():
    #            families: a  b  c  d  e  f  g  h  i
    team = ["N", "N", "N", "N", "S", "S", "S", "E", "E"]
    champion = [1, 1, 1, 0, 1, 1, 0, 0, 0]
    challenger = [1, 0, 1, 1, 0, 0, 1, 0, 0]
    rows = {r["team"]: r for r in list_churn(team, [bool(x) for x in champion], [bool(x) for x in challenger], ["N", "S", "E"])}
    # North: champion a b c, challenger a c d -> kept a c; added d; dropped b; union a b c d
    assert rows["N"] == {"team": "N", "champion_listed": 3, "challenger_listed": 3, "kept": 2, "added": 1, "dropped": 1,
                         "jaccard": pytest.approx(2 / 4), "share_changed": pytest.approx(1 / 3)}
    # South: champion e f, challenger g -> nothing kept; the whole list changes
    assert rows["S"] == {"team": "S", "champion_listed": 2, "challenger_listed": 1, "kept": 0, "added": 1, "dropped": 2,
                         "jaccard": 0.0, "share_changed": 1.0}
    # East: neither lists anyone: nothing changes
    assert rows["E"]["jaccard"] == 1.0 and rows["E"]["share_changed"] == 0.0 and rows["E"]["added"] == rows["E"]["dropped"] == 0
    # All teams: kept a c; added d g; dropped b e f; union a b c d e f g
    assert rows["all teams"]["kept"] == 2 and rows["all teams"]["added"] == 2 and rows["all teams"]["dropped"] == 3
    assert rows["all teams"]["jaccard"] == pytest.approx(2 / 7) and rows["all teams"]["share_changed"] == pytest.approx(3 / 5)


def test_list_churn_refuses_masks_of_other_lengths():
    with pytest.raises(ValueError, match="expected one of each per family"):
        list_churn(["N", "N"], [True], [True, False], ["N"])


@dataclass
class _Finding:
    id: str
    primary: bool
    status: str
    sentence: str = ""

    @property
    def red(self) -> bool:
        return self.primary and self.status == "outside"


@dataclass
class _Audit:
    found: list
    traffic_light: str

    def findings_for(self, published: bool = True):
        return self.found


def test_findings_appear_disappear_and_change_light_over_the_snapshots():
    red, amber = (True, "outside"), (True, "inconclusive")
    champion = [_Audit([_Finding("F-eth-Black-recall", *amber), _Finding("F-sex-M-recall", *red)], "red"),
                _Audit([_Finding("F-eth-Black-recall", *red), _Finding("F-team-North-recall", *amber)], "red")]
    challenger = [_Audit([_Finding("F-eth-Black-recall", *amber), _Finding("F-age-18-24-recall", *red)], "red"),
                  _Audit([_Finding("F-team-North-recall", *amber)], "amber")]
    got = finding_changes(champion, challenger)
    assert [f["id"] for f in got["appear"]] == ["F-age-18-24-recall"] and got["appear"][0]["light"] == "red"
    assert [f["id"] for f in got["disappear"]] == ["F-sex-M-recall"]
    # red on one of the champion's snapshots (the worst counts), amber on every one of the challenger's
    assert got["changed"] == [{"id": "F-eth-Black-recall", "champion": "red", "challenger": "amber", "sentence": ""}]
    assert got["unchanged"] == ["F-team-North-recall"]
    assert got["champion_light"] == "red" and got["challenger_light"] == "red"


def test_saw_outcomes_marks_test_snapshots_whose_outcome_window_the_champion_was_fitted_on():
    outcome = OutcomeSpec(events=("police.x",), horizon_months=12, recording_allowance_days=90)
    # its latest window ends 2025-04-01 and its late records are in 90 days later, by the end of 2025-06-29 (the rule the
    # rolling-origin splits keep between training and test)
    trained = [dt.date(2024, 1, 1), dt.date(2024, 4, 1)]
    tests = [dt.date(2025, 1, 1), dt.date(2025, 6, 28), dt.date(2025, 6, 29), dt.date(2025, 10, 1)]
    assert saw_outcomes(trained, tests, outcome.label_complete) == [True, True, False, False]
    assert saw_outcomes([], tests, outcome.label_complete) == [False] * 4
