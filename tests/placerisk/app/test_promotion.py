"""The promotion gate: its inputs from the audits and the comparison, its decision, and the round trip through version tags."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from placerisk.app import promotion


def _audit(light: str, features=("ethnicity", "sex")):
    return SimpleNamespace(traffic_light=light, method={"features": list(features)})


def _inputs(**over):
    base = dict(beats_baselines=True, best_baseline="rule: violence_12m", primary_metric="precision_at_list",
                audits=[_audit("green"), _audit("amber")], sensitive_columns=["ethnicity", "sex"], required=["ethnicity", "sex"], temporal=True)
    return promotion.gate_inputs(**{**base, **over})


def test_a_model_that_beat_the_baselines_passed_fairness_and_was_validated_in_time_may_be_promoted():
    inputs = _inputs()
    assert inputs.fairness_light == "amber" and inputs.fairness_passed
    assert promotion.reasons_against(inputs) == []


@pytest.mark.parametrize(("over", "reason"), [
    ({"beats_baselines": False}, "does not beat the best baseline (rule: violence_12m) on precision_at_list"),
    ({"audits": [_audit("green"), _audit("red")]}, "did not pass the fairness policy (traffic light: red)"),
    ({"audits": []}, "traffic light: no audit"),
    ({"audits": [_audit("green"), _audit("green", features=("ethnicity",))]}, "not audited: sex"),  # sex missing on one snapshot
    ({"required": ["ethnicity", "sex", "team"]}, "not audited: team"),
    ({"temporal": False}, "not validated over time (validation: holdout (not temporal))"),
])
def test_each_failed_condition_is_one_stated_reason(over, reason):
    reasons = promotion.reasons_against(_inputs(**over))
    assert len(reasons) == 1 and reason in reasons[0]


def test_every_reason_at_once():
    reasons = promotion.reasons_against(_inputs(beats_baselines=False, audits=[_audit("red")], temporal=False))
    assert len(reasons) == 3


@pytest.mark.parametrize("over", [{}, {"beats_baselines": False}, {"audits": [_audit("red")]}, {"required": ["team"]}, {"temporal": False},
                                  {"audits": []}])
def test_what_train_records_approve_reads_back_and_decides_the_same(over):
    inputs = _inputs(**over)
    tags = promotion.to_tags(inputs)
    assert all(isinstance(v, str) for v in tags.values())
    back = promotion.from_tags(tags)
    assert back == inputs
    assert promotion.reasons_against(back) == promotion.reasons_against(inputs)


@pytest.mark.parametrize("dropped", promotion.GATE_TAGS)
def test_a_version_missing_any_recorded_input_never_passes(dropped):
    tags = promotion.to_tags(_inputs())
    assert promotion.reasons_against(promotion.from_tags(tags)) == []
    del tags[dropped]
    [reason] = promotion.reasons_against(promotion.from_tags(tags))
    assert f"missing: {dropped}" in reason
    assert promotion.reasons_against(promotion.from_tags({}))


def test_a_list_that_held_a_whole_test_snapshot_never_passes_fairness():
    inputs = _inputs(list_within_snapshots=False)
    assert not inputs.fairness_passed
    [reason] = promotion.reasons_against(inputs)
    assert "held every family of a test snapshot" in reason
    assert promotion.from_tags(promotion.to_tags(inputs)) == inputs
