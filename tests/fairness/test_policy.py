import pytest

from placerisk.fairness import FairnessPolicy
from placerisk.fairness._policy import BAD_RATIO_BOUNDS, EMPTY_PRIMARY, UNKNOWN_METRIC


def test_defaults_put_missed_families_first():
    policy = FairnessPolicy()
    assert policy.primary_metrics == ("false_negative_rate", "recall")
    assert (policy.ratio_low, policy.ratio_high, policy.min_cell_count, policy.round_to) == (0.8, 1.25, 10, 5)
    assert policy.reference_for("ethnicity") is None


def test_aliases_are_stored_canonically_and_not_repeated():
    policy = FairnessPolicy(primary_metrics=("true_positive_rate",), secondary_metrics=("recall", "demographic_parity"))
    assert policy.primary_metrics == ("recall",)
    assert policy.secondary_metrics == ("selection_rate",)


def test_unknown_metric_message_names_what_was_received():
    with pytest.raises(ValueError) as err:
        FairnessPolicy(primary_metrics=("accuracy",))
    assert str(err.value) == UNKNOWN_METRIC.format(
        name="accuracy", field="primary_metrics",
        expected="false_negative_rate, recall, selection_rate, false_positive_rate, precision, "
                 "false_omission_rate, roc_auc")


@pytest.mark.parametrize("kwargs, message", [
    ({"primary_metrics": ()}, EMPTY_PRIMARY),
    ({"ratio_low": 1.2}, BAD_RATIO_BOUNDS.format(low=1.2, high=1.25)),
])
def test_invalid_policies_are_refused(kwargs, message):
    with pytest.raises(ValueError) as err:
        FairnessPolicy(**kwargs)
    assert str(err.value) == message


@pytest.mark.parametrize("kwargs", [{"min_cell_count": 0}, {"n_boot": 5}, {"ci_level": 1.0}, {"adjust": "holm"},
                                    {"reference_group": "smallest"}, {"round_to": True}])
def test_other_invalid_settings_are_refused(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        FairnessPolicy(**kwargs)


def test_reference_mapping_is_copied_read_only():
    given = {"ethnicity": "B"}
    policy = FairnessPolicy(reference_group=given)
    given["ethnicity"] = "C"
    assert policy.reference_for("ethnicity") == "B"
    assert policy.to_dict()["reference_group"] == {"ethnicity": "B"}
