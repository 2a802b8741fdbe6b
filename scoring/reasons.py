"""Reasons in plain words: the factors that pushed a family's score up, with the value and the partner it comes from.

Worded from the bundle's own feature definitions, so a practitioner reads "Domestic abuse incident:
2 in the last 6 months (police)" and can check the most recent record in the partner's system.
"""

from __future__ import annotations

import pandas as pd

from placerisk.features import FeatureSet
from placerisk.features.definitions import days_since_cap

COUNCIL = "council records"  # composition and area features come from the council's family and area files


def _sources(fs: FeatureSet, key: str) -> str:
    """The partner(s) behind an event type or group, in words ("police", "health and police")."""
    if key.startswith("group."):
        members = next(m for g, m, _ in fs.groups if f"group.{g}" == key)
        names = sorted({e.split(".")[0].replace("_", " ") for e in members})
    else:
        names = [key.split(".")[0].replace("_", " ")]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _what(fs: FeatureSet, key: str) -> str:
    if key.startswith("group."):
        return next(d for g, _, d in fs.groups if f"group.{g}" == key).split(" (")[0]
    return next(e.description for e in fs.event_types if e.name == key)


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def phrase(fs: FeatureSet, feature: str, value: float) -> tuple[str, str]:
    """``(words, source)`` for one feature's value, e.g. ``("Domestic abuse incident: 2 in the last 6 months", "police")``."""
    spec = next((s for s in fs.specs if s.name == feature), None)
    if spec is None:
        raise ValueError(f"feature {feature!r} is not defined; expected one of the bundle's {len(fs.specs)} features")
    if spec.kind in ("composition", "area"):
        return f"{spec.description}: {_number(value)}", COUNCIL
    what, source = _what(fs, spec.event), _sources(fs, spec.event)
    if spec.kind == "count":
        words = f"{what}: {_number(value)} in the last {spec.window_months} months"
    elif spec.kind == "days_since_last":
        words = (f"{what}: none in the last {spec.window_months} months" if value >= days_since_cap(spec.window_months)
                 else f"{what}: the most recent {_number(value)} days ago")
    elif spec.kind == "distinct_members":
        words = f"{what}: {_number(value)} family member(s) with one in the last {spec.window_months} months"
    else:
        words = f"{what}: {value:+,.0f} in the last {spec.window_months} months against the {spec.window_months} before"
    return words, source


def worded(fs: FeatureSet, reasons: pd.DataFrame) -> pd.DataFrame:
    """``reasons`` (``row``, ``rank``, ``feature``, ``value``, ...: ``models.explain.top_reasons``) with ``words`` and ``source``."""
    out = reasons.copy()
    pairs = [phrase(fs, f, v) for f, v in zip(out["feature"], out["value"], strict=True)]
    out["words"] = [w for w, _ in pairs]
    out["source"] = [s for _, s in pairs]
    return out
