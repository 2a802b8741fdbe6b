"""``features.definitions.changes``: what differs between two feature sets, in words a data scientist acts on."""

from __future__ import annotations

from dataclasses import replace

from placerisk.features import EventType, FeatureSet
from placerisk.features.definitions import changes

POLICE = (EventType("police", "asb", "Anti-social behaviour"), EventType("police", "weapon", "Weapon offence"))
HEALTH = (EventType("health", "ae", "A&E attendance"),)


def _set(**kw) -> FeatureSet:
    base = {"event_types": POLICE + HEALTH, "windows_months": (3, 12), "groups": (("violence", ("police.weapon", "health.ae"), "Violence"),)}
    return FeatureSet(**{**base, **kw})


def test_the_same_definitions_have_no_changes():
    assert changes(_set(), _set()) == []


def test_a_source_added_or_removed_is_named_as_a_source_not_as_its_event_types():
    wider = _set(event_types=POLICE + HEALTH + (EventType("fire", "deliberate_fire", "Deliberate fire"),))
    assert changes(_set(), wider) == ["source(s) added: fire"]
    assert changes(wider, _set()) == ["source(s) removed: fire"]


def test_a_renamed_code_reads_as_one_removed_and_one_added():
    renamed = (POLICE[0], EventType("police", "weapon_possession", "Weapon offence"))
    got = changes(_set(groups=()), _set(event_types=renamed + HEALTH, groups=()))
    assert got == ["event type(s) added: police.weapon_possession", "event type(s) removed or renamed: police.weapon"]


def test_windows_aggregations_descriptions_and_groups_are_named():
    reworded = (replace(POLICE[0], description="ASB incident"), POLICE[1])
    got = changes(_set(), _set(event_types=reworded + HEALTH, windows_months=(3, 6, 12), aggregations=("count",), groups=()))
    assert got == ["event type description(s) changed: police.asb", "features.windows_months: [3, 12] then, [3, 6, 12] now",
                   "features.aggregations: ['count', 'days_since_last', 'distinct_members', 'trend'] then, ['count'] now",
                   "feature group 'violence' removed"]


def test_a_reordering_alone_is_still_a_change_the_hash_sees():
    reordered = _set(event_types=HEALTH + POLICE)
    assert reordered.fingerprint() != _set().fingerprint()
    assert changes(_set(), reordered) == ["the order of the configured sources, event types or groups changed (the same features in "
                                          "another order)"]
