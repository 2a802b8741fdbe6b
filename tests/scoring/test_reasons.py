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


def test_the_later_partners_of_the_default_config_are_named_in_plain_words():
    from placerisk.app.specs import feature_set
    from placerisk.config import parse_config

    fs = feature_set(parse_config(None))
    named = {code: phrase(fs, f"{code.replace('.', '__')}__count_12m", 1) for code in
             ("early_years.not_reaching_gld", "fire_and_rescue.deliberate_fire_setting", "welfare.benefit_sanction",
              "community_sector.hardship_concern")}
    assert {c: s for c, (_, s) in named.items()} == {
        "early_years.not_reaching_gld": "early years", "fire_and_rescue.deliberate_fire_setting": "fire and rescue",
        "welfare.benefit_sanction": "welfare", "community_sector.hardship_concern": "community sector"}
    assert named["early_years.not_reaching_gld"][0] == "Not at a good level of development at the end of reception: 1 in the last 12 months"
