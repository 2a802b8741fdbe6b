"""Reasons in plain words from the bundle's own feature definitions."""

from __future__ import annotations

import pytest

from placerisk.features import EventType, FeatureSet
from placerisk.scoring.reasons import phrase

FS = FeatureSet(event_types=(EventType("police", "domestic_abuse", "Domestic abuse incident"),
                             EventType("health", "assault_injury", "A&E attendance for an assault injury")),
                groups=(("violence", ("police.domestic_abuse", "health.assault_injury"), "Violence (police and A&E)"),))


@pytest.mark.parametrize(("feature", "value", "words", "source"), [
    ("police__domestic_abuse__count_6m", 2, "Domestic abuse incident: 2 in the last 6 months", "police"),
    ("health__assault_injury__days_since_last", 40, "A&E attendance for an assault injury: the most recent 40 days ago", "health"),
    ("health__assault_injury__days_since_last", 31 * 24, "A&E attendance for an assault injury: none in the last 24 months", "health"),
    ("group__violence__count_12m", 3, "Violence: 3 in the last 12 months", "health and police"),
    ("police__domestic_abuse__members_12m", 2, "Domestic abuse incident: 2 family member(s) with one in the last 12 months", "police"),
    ("police__domestic_abuse__trend_6m", 2, "Domestic abuse incident: +2 in the last 6 months against the 6 before", "police"),
    ("family__children_11_15", 2, "Children aged 11-15 in the family: 2", "council records"),
])
def test_each_kind_of_feature_is_worded_with_its_value_and_partner(feature, value, words, source):
    assert phrase(FS, feature, value) == (words, source)


def test_an_unknown_feature_is_refused():
    with pytest.raises(ValueError, match="not defined"):
        phrase(FS, "police__nothing__count_6m", 1)
