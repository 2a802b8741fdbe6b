"""The promotion gate: a record of what training found, re-derived and decided on, with the panel's accepted findings."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from placerisk.app import promotion


def _finding(fid, status="outside", primary=True, feature="ethnicity", group="Black"):
    return SimpleNamespace(id=fid, feature=feature, group=group, metric="recall", covers=("recall",), primary=primary, status=status,
                           sentence=f"sentence of {fid}")


def _audit(light="green", findings=(), features=("ethnicity", "sex")):
    return SimpleNamespace(traffic_light=light, method={"features": list(features)}, findings=tuple(findings),
                           findings_for=lambda published=True: tuple(findings), operating_point={"rule": "given"},
                           operating_point_for=lambda: {"description": "each team's top families for 13 weeks: 1,716 of 15,230"})


MARGIN = {"baseline": "rule: violence_12m", "differences": [0.01, 0.02], "interval": [0.004, 0.03], "beats": True}
RED = _finding("F-ethnicity-Black-recall")


def _record(options=None, **over):
    base = dict(model="lightgbm", margin=MARGIN, primary_metric="precision_at_list", temporal=True, list_within_snapshots=True,
                required=["ethnicity", "sex"], split_names=["split 1", "split 2"],
                options=options or {"none": [_audit(), _audit("amber", [_finding("F-sex-M-recall", "inconclusive")])]},
                allocation={"capacities": {"North": 5}, "weeks": 13, "mitigation": None})
    return promotion.gate_record(**{**base, **over})


def _reasons(record, option="none", accepted=()):
    return promotion.reasons_against(promotion.inputs_from_record(record, option), accepted)


def test_a_model_that_beat_the_baselines_passed_fairness_and_was_validated_in_time_may_be_promoted():
    record = _record()
    inputs = promotion.inputs_from_record(record)
    assert inputs.fairness_light == "amber" and inputs.red_findings == ()
    assert _reasons(record) == []


@pytest.mark.parametrize(("over", "reason"), [
    ({"margin": {**MARGIN, "differences": [0.01, -0.01], "interval": [-0.01, 0.02]}}, "does not beat the best baseline (rule: violence_12m)"),
    ({"options": {"none": [_audit(), _audit("red", [RED])]}}, "red finding(s) not accepted: F-ethnicity-Black-recall"),
    ({"options": {"none": [_audit(), _audit(features=("ethnicity",))]}}, "not audited: sex"),  # sex missing on one snapshot
    ({"required": ["ethnicity", "sex", "team"]}, "not audited: team"),
    ({"temporal": False}, "not validated over time (validation: holdout (not temporal))"),
    ({"list_within_snapshots": False}, "held every family of a test snapshot"),
])
def test_each_failed_condition_is_one_stated_reason(over, reason):
    reasons = _reasons(_record(**over))
    assert len(reasons) == 1 and reason in reasons[0], reasons


def test_the_margin_is_re_derived_from_the_recorded_figures_not_from_the_recorded_verdict():
    lying = _record(margin={**MARGIN, "differences": [-0.02, -0.01], "interval": [-0.03, -0.001], "beats": True})
    assert promotion.inputs_from_record(lying).beats_baselines is False
    assert promotion.inputs_from_record(_record(margin={**MARGIN, "baseline": None})).beats_baselines is False


def test_the_light_is_re_derived_from_the_findings_not_from_the_recorded_light():
    lying = _record(options={"none": [_audit("green", [RED]), _audit("green")]})  # a red finding under a "green" light
    inputs = promotion.inputs_from_record(lying)
    assert inputs.fairness_light == "red" and inputs.red_findings == ("F-ethnicity-Black-recall",)


def test_red_findings_pass_only_when_the_panel_accepts_every_one_by_id():
    other = _finding("F-age_band-8-12-recall", feature="age_band", group="8-12")
    record = _record(options={"none": [_audit("red", [RED]), _audit("red", [other, RED])]})
    assert _reasons(record, accepted=["F-ethnicity-Black-recall", "F-age_band-8-12-recall"]) == []
    [reason] = _reasons(record, accepted=["F-ethnicity-Black-recall"])
    assert "red finding(s) not accepted: F-age_band-8-12-recall" in reason
    reasons = _reasons(record, accepted=["F-ethnicity-Black-recall", "F-age_band-8-12-recall", "F-typo-recall"])
    assert len(reasons) == 1 and "--accept names F-typo-recall, which is not a red finding" in reasons[0]
    # an amber finding is not something to accept
    assert "not a red finding" in _reasons(_record(), accepted=["F-sex-M-recall"])[0]


def test_a_mitigation_is_judged_on_its_own_audits_and_must_have_been_audited():
    mitigated = [_audit("amber", [_finding("F-ethnicity-Black-recall", "inconclusive")]), _audit()]
    record = _record(options={"none": [_audit("red", [RED]), _audit()], "equal_selection_rate:ethnicity": mitigated})
    assert _reasons(record, "equal_selection_rate:ethnicity") == []
    assert _reasons(record)  # unmitigated it stays red
    [reason] = _reasons(record, "equal_expected_recall:sex")
    assert "was not audited when this version was trained" in reason and "equal_selection_rate:ethnicity" in reason


def test_the_record_text_is_canonical_so_its_hash_is_reproducible():
    a, b = promotion.record_text(_record()), promotion.record_text(_record())
    assert a == b and promotion.record_hash(a) == promotion.record_hash(b)
    assert promotion.record_hash(a) != promotion.record_hash(promotion.record_text(_record(temporal=False)))


def test_tags_are_for_reading_only():
    tags = promotion.to_tags(promotion.inputs_from_record(_record(options={"none": [_audit("red", [RED]), _audit()]})))
    assert all(isinstance(v, str) for v in tags.values())
    assert tags["red_findings"] == "F-ethnicity-Black-recall" and tags["fairness_light"] == "red"
    assert not hasattr(promotion, "from_tags")  # nothing reads the gate back from editable tags
