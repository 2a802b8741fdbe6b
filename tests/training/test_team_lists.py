"""What the panel audits is what the teams receive: training's metrics, the margin and the audit all use the one allocation."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from placerisk.fairness import FairnessPolicy
from placerisk.models.allocation import AllocationPolicy, Mitigation, allocate
from placerisk.training import train_and_evaluate
from placerisk.training.audit import AuditSettings, audit_candidates, audit_snapshot
from placerisk.training.margin import SplitScores, margin

from .conftest import LOGISTIC, RULE, make_data, make_splits

TEAMS = ("North", "South", "Tiny")
ALLOCATION = AllocationPolicy({"North": 8, "South": 5, "Tiny": 40}, weeks=2)  # Tiny has fewer families than places


def _with_teams(data):
    rng = np.random.default_rng(5)
    ids = np.unique(data.family_id)
    team_of = dict(zip(ids, rng.choice(TEAMS, size=ids.size, p=[0.55, 0.4, 0.05]), strict=True))
    group_of = dict(zip(ids, rng.choice(["A", "B"], size=ids.size, p=[0.7, 0.3]), strict=True))
    team = np.array([team_of[i] for i in data.family_id])
    sensitive = pd.DataFrame({"team": team, "group": [group_of[i] for i in data.family_id]})
    return dataclasses.replace(data, team=team, sensitive=sensitive)


@pytest.fixture(scope="module")
def data():
    return _with_teams(make_data(n_families=600))


@pytest.fixture(scope="module")
def result(data):
    splits, final = make_splits()
    return train_and_evaluate(data, splits, final, (RULE, LOGISTIC), k=53, list_k=106, random_state=0, n_jobs=1,
                              primary_metric="precision_at_list", allocation=ALLOCATION)


def _lists(preds, data, policy=ALLOCATION):
    rows = preds.rows
    return allocate(preds.probability, rank_score=preds.rank_score, team=data.team[rows], family_id=data.family_id[rows], policy=policy,
                    groups=data.sensitive.iloc[rows].reset_index(drop=True))


def test_the_audit_counts_as_selected_exactly_the_families_the_allocation_lists_team_by_team(result, data):
    settings = AuditSettings(policy=FairnessPolicy(n_boot=20, min_cell_count=1, round_to=1), k=106, allocation=ALLOCATION)
    audits = audit_candidates(result, data, settings)
    for candidate in result.candidates:
        for preds, audited in zip(candidate.predictions, audits[candidate.spec.name], strict=True):
            lists = _lists(preds, data)
            by_team = audited.table("by_group", published=False).query("feature == 'team'").set_index("group")["selected"]
            expected = lists.by_team().set_index("team")
            for team in TEAMS:
                listed = set(data.family_id[preds.rows][lists.listed & (data.team[preds.rows] == team)])
                assert by_team[team] == len(listed) == expected.loc[team, "listed"]
                assert len(listed) <= ALLOCATION.places(team)
            assert expected.loc["Tiny", "listed"] == expected.loc["Tiny", "cohort"] < ALLOCATION.places("Tiny")
            assert audited.operating_point["n_selected"] == lists.n_listed
            assert audited.operating_point["description"].startswith("each team's top families for 2 weeks:")


def test_precision_and_recall_at_the_list_are_those_of_the_teams_lists(result, data):
    for candidate in result.candidates:
        for preds, metrics in zip(candidate.predictions, candidate.metrics, strict=True):
            y = data.y[preds.rows]
            for tag, policy in (("list", ALLOCATION), ("k", ALLOCATION.with_weeks(1))):
                listed = _lists(preds, data, policy).listed
                assert metrics[f"precision_at_{tag}"] == pytest.approx(y[listed].mean())
                assert metrics[f"recall_at_{tag}"] == pytest.approx(y[listed].sum() / y.sum())
                assert metrics[f"listed_at_{tag}"] == listed.sum()
            order = np.lexsort((data.family_id[preds.rows], -preds.rank_score))
            assert metrics["precision_at_list_global"] == pytest.approx(y[order[:106]].mean())  # the global top-k, kept as secondary


def test_the_margin_measures_the_same_lists(result, data):
    """Every count 1: the margin's per-split differences are the metrics table's, team by team."""
    a, b = result.result("logistic"), result.result("rule_violence")
    for i, split in enumerate(result.splits):
        pa, pb = a.predictions[i], b.predictions[i]
        s = SplitScores(split.name, data.y[pa.rows], data.family_id[pa.rows], pa.rank_score, pb.rank_score, data.team[pa.rows])
        m = margin([s, s], metric="precision_at_list", candidate="logistic", baseline="rule_violence", k=53, list_k=106,
                   n_resamples=20, allocation=ALLOCATION)
        expected = a.metrics[i]["precision_at_list"] - b.metrics[i]["precision_at_list"]
        assert m.differences[0] == pytest.approx(expected, abs=1e-9)


def test_a_mitigation_changes_who_is_listed_within_each_team_not_how_many(result, data):
    preds = result.result("logistic").predictions[-1]
    plain = _lists(preds, data)
    mitigated = _lists(preds, data, ALLOCATION.with_mitigation(Mitigation("equal_selection_rate", "group")))
    assert plain.by_team()["listed"].tolist() == mitigated.by_team()["listed"].tolist()
    settings = AuditSettings(policy=FairnessPolicy(n_boot=20, min_cell_count=1, round_to=1), k=106, allocation=ALLOCATION)
    audited = audit_snapshot(preds, data, settings, Mitigation("equal_selection_rate", "group"))
    groups = audited.table("by_group", published=False).query("feature == 'group'").set_index("group")["selected"]
    sens = data.sensitive.iloc[preds.rows].reset_index(drop=True)
    assert groups.to_dict() == sens["group"][mitigated.listed].value_counts().to_dict()
    assert "equal_selection_rate:group" in audited.operating_point["description"]
