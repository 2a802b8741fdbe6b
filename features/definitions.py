"""Declarative feature definitions: every feature has a stable name and a plain-English description.

A ``FeatureSet`` is built from the configured event types, windows and
aggregations; nothing is hand-written per feature. The same set drives the SQL
on every engine (DuckDB now, Spark later), is hashed into each feature table's
metadata, and travels in the model bundle so scoring rebuilds features exactly.

Names: ``<source>__<event_type>__<aggregation>`` (e.g. ``police__asb__count_12m``),
``group__<group>__...`` for configured groups of event types, ``family__...`` for
composition and ``area__...`` for area context.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

AGGREGATIONS = ("count", "days_since_last", "distinct_members", "trend")


@dataclass(frozen=True)
class EventType:
    """One configured event type, e.g. ``police.asb``."""

    source: str
    code: str
    description: str

    @property
    def name(self) -> str:
        return f"{self.source}.{self.code}"


@dataclass(frozen=True)
class FeatureSpec:
    name: str
    kind: str                   # count | days_since_last | distinct_members | trend | composition | area
    description: str
    event: str | None = None    # event name or group name the feature aggregates
    window_months: int | None = None


@dataclass(frozen=True)
class FeatureSet:
    """The full, ordered list of features and the parameters that define them."""

    event_types: tuple[EventType, ...]
    windows_months: tuple[int, ...] = (3, 6, 12, 24)
    aggregations: tuple[str, ...] = AGGREGATIONS
    trend_months: int = 6
    members_months: int = 12
    groups: tuple[tuple[str, tuple[str, ...], str], ...] = ()   # (name, event names, description)
    specs: tuple[FeatureSpec, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        unknown = [a for a in self.aggregations if a not in AGGREGATIONS]
        if unknown:
            raise ValueError(f"aggregations: got {unknown}; expected some of {list(AGGREGATIONS)}")
        names = {e.name for e in self.event_types}
        for group, members, _ in self.groups:
            if len(set(members)) != len(members):
                raise ValueError(f"feature group {group!r}: got {list(members)}; expected each event type once")
            missing = [m for m in members if m not in names]
            if missing:
                raise ValueError(f"feature group {group!r}: got unknown event types {missing}; expected configured 'source.event_type' names")
        object.__setattr__(self, "specs", tuple(self._build_specs()))

    # -- what the SQL needs ------------------------------------------------
    @property
    def lookback_months(self) -> int:
        """How far back any feature looks (days since last is capped here)."""
        return self.bucket_edges[-1]

    @property
    def bucket_edges(self) -> tuple[int, ...]:
        """Month boundaries: an event falls in the first bucket whose edge it is within."""
        edges = set(self.windows_months)
        if "trend" in self.aggregations:
            edges |= {self.trend_months, 2 * self.trend_months}
        if "distinct_members" in self.aggregations:
            edges.add(self.members_months)
        return tuple(sorted(edges))

    @property
    def targets(self) -> tuple[tuple[str, str, str], ...]:
        """(key, label, description) for each event type and group that gets aggregated."""
        out = [(e.name, f"{e.source}__{e.code}", f"{e.description} ({e.source.replace('_', ' ')})") for e in self.event_types]
        out += [(f"group.{g}", f"group__{g}", desc) for g, _, desc in self.groups]
        return tuple(out)

    def target_index(self) -> dict[str, int]:
        """Target key -> the integer the engines use for it."""
        return {key: i for i, (key, _, _) in enumerate(self.targets)}

    def bucket_terms(self, spec: FeatureSpec) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Buckets whose counts make a count or trend feature: (added, subtracted)."""
        edges = self.bucket_edges
        w = spec.window_months
        added = tuple(i for i, e in enumerate(edges) if e <= w)
        if spec.kind == "trend":
            return added, tuple(i for i, e in enumerate(edges) if w < e <= 2 * w)
        return added, ()

    @property
    def members_buckets(self) -> tuple[int, ...]:
        """Buckets inside the distinct-members window."""
        return tuple(i for i, e in enumerate(self.bucket_edges) if e <= self.members_months)

    def target_events(self) -> dict[str, tuple[str, ...]]:
        """Event names that feed each target key."""
        out = {e.name: (e.name,) for e in self.event_types}
        out.update({f"group.{g}": members for g, members, _ in self.groups})
        return out

    # -- specs ----------------------------------------------------------------
    def _build_specs(self):
        cap = self.lookback_months
        for key, label, desc in self.targets:
            if "count" in self.aggregations:
                for w in self.windows_months:
                    yield FeatureSpec(f"{label}__count_{w}m", "count", f"{desc}: number of records, any family member, last {w} months", key, w)
            if "days_since_last" in self.aggregations:
                yield FeatureSpec(
                    f"{label}__days_since_last", "days_since_last",
                    f"{desc}: days since the most recent, any family member ({days_since_cap(cap)} if none in the last {cap} months)", key, cap,
                )
            if "distinct_members" in self.aggregations:
                m = self.members_months
                yield FeatureSpec(f"{label}__members_{m}m", "distinct_members", f"{desc}: number of family members with one, last {m} months", key, m)
            if "trend" in self.aggregations:
                t = self.trend_months
                yield FeatureSpec(
                    f"{label}__trend_{t}m", "trend", f"{desc}: records in the last {t} months minus the {t} months before, any family member", key, t
                )
        yield from COMPOSITION

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.specs)

    def describe(self) -> dict[str, str]:
        return {s.name: s.description for s in self.specs}

    def to_dict(self) -> dict:
        return {
            "event_types": [asdict(e) for e in self.event_types],
            "windows_months": list(self.windows_months),
            "aggregations": list(self.aggregations),
            "trend_months": self.trend_months,
            "members_months": self.members_months,
            "groups": [[g, list(m), d] for g, m, d in self.groups],
        }

    @classmethod
    def from_dict(cls, data: dict) -> FeatureSet:
        return cls(
            event_types=tuple(EventType(**e) for e in data["event_types"]),
            windows_months=tuple(data["windows_months"]),
            aggregations=tuple(data["aggregations"]),
            trend_months=data["trend_months"],
            members_months=data["members_months"],
            groups=tuple((g, tuple(m), d) for g, m, d in data["groups"]),
        )

    def fingerprint(self) -> str:
        """A stable hash of the definitions (what they compute, not how they are run)."""
        payload = json.dumps({"definitions": self.to_dict(), "version": DEFINITIONS_VERSION}, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


def changes(old: FeatureSet, new: FeatureSet) -> list[str]:
    """What differs between two feature sets, in words (empty when they compute the same features): sources and event
    types added or removed, a description reworded, windows, aggregations and groups changed."""
    out: list[str] = []
    olds, news = {e.name: e for e in old.event_types}, {e.name: e for e in new.event_types}
    old_sources, new_sources = {e.source for e in old.event_types}, {e.source for e in new.event_types}

    def listed(names) -> str:
        return ", ".join(sorted(names))

    if new_sources - old_sources:
        out.append(f"source(s) added: {listed(new_sources - old_sources)}")
    if old_sources - new_sources:
        out.append(f"source(s) removed: {listed(old_sources - new_sources)}")
    added = [n for n in news if n not in olds and news[n].source in old_sources]
    removed = [n for n in olds if n not in news and olds[n].source in new_sources]
    if added:
        out.append(f"event type(s) added: {listed(added)}")
    if removed:
        out.append(f"event type(s) removed or renamed: {listed(removed)}")
    reworded = [n for n in olds if n in news and olds[n].description != news[n].description]
    if reworded:
        out.append(f"event type description(s) changed: {listed(reworded)}")
    for label, a, b in (("windows_months", list(old.windows_months), list(new.windows_months)),
                        ("aggregations", list(old.aggregations), list(new.aggregations)),
                        ("trend_months", old.trend_months, new.trend_months), ("members_months", old.members_months, new.members_months)):
        if a != b:
            out.append(f"features.{label}: {a} then, {b} now")
    groups_old, groups_new = {g: (tuple(m), d) for g, m, d in old.groups}, {g: (tuple(m), d) for g, m, d in new.groups}
    for g in sorted(groups_old.keys() | groups_new.keys()):
        if groups_old.get(g) != groups_new.get(g):
            what = "added" if g not in groups_old else "removed" if g not in groups_new else "changed"
            out.append(f"feature group {g!r} {what}")
    if not out and old.fingerprint() != new.fingerprint():
        out.append("the order of the configured sources, event types or groups changed (the same features in another order)")
    return out


def days_since_cap(lookback_months: int) -> int:
    """The value of 'days since the most recent' when there is none in the lookback (above any real value)."""
    return 31 * lookback_months


DEFINITIONS_VERSION = 1  # bump when the meaning of a feature kind changes

COMPOSITION = (
    FeatureSpec("family__members", "composition", "Number of family members"),
    FeatureSpec("family__children_0_4", "composition", "Children aged 0-4 in the family"),
    FeatureSpec("family__children_5_10", "composition", "Children aged 5-10 in the family"),
    FeatureSpec("family__children_11_15", "composition", "Children aged 11-15 in the family"),
    FeatureSpec("family__children_16_17", "composition", "Young people aged 16-17 in the family"),
    FeatureSpec("family__young_adults_18_24", "composition", "Young adults aged 18-24 in the family"),
    FeatureSpec("family__adults_25_plus", "composition", "Adults aged 25 or over in the family"),
    FeatureSpec("family__youngest_child_age", "composition", "Age of the youngest child under 18 (-1 if none)"),
    FeatureSpec("family__oldest_child_age", "composition", "Age of the oldest child under 18 (-1 if none)"),
    FeatureSpec("area__deprivation_decile", "area", "Deprivation decile of the family's area (1 = most deprived tenth)"),
)
