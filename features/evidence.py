"""The records behind a feature: the date of the most recent one, so a practitioner can check it in the partner's system.

Runs on an engine prepared by :func:`placerisk.features.prepare` (it reads ``members``,
``family_keys`` and ``keyed_events``), with the same point-in-time rules as the features: an
event counts on date D when it happened before D, was recorded before D and falls in the
feature's window (``event_date >= D - window``).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from placerisk.features.definitions import FeatureSet
from placerisk.features.sql import add_months, date

#: Feature kinds that rest on event records (composition and area features have none).
EVENT_KINDS = {"count", "days_since_last", "distinct_members", "trend"}


def window_months(fs: FeatureSet, feature: str) -> int | None:
    """Months of records a feature reads (a trend reads twice its span); None for a feature without records."""
    spec = next((s for s in fs.specs if s.name == feature), None)
    if spec is None:
        raise ValueError(f"feature {feature!r} is not defined; expected one of the feature set's {len(fs.specs)} names")
    if spec.kind not in EVENT_KINDS:
        return None
    return 2 * spec.window_months if spec.kind == "trend" else spec.window_months


def latest_records_sql(fs: FeatureSet, as_of: dt.date, wanted: list[tuple[str, str]]) -> str | None:
    """SQL for the latest event date behind each ``(family_id, feature)`` of ``wanted`` on ``as_of``; None when none has records."""
    index = fs.target_index()
    specs = {s.name: s for s in fs.specs}
    rows = []
    for family_id, feature in wanted:
        months = window_months(fs, feature)
        if months is None:
            continue
        key = specs[feature].event
        target = index[key]
        rows.append(f"('{str(family_id).replace(chr(39), chr(39) * 2)}', '{feature}', {int(target)}, {int(months)})")
    if not rows:
        return None
    day = date(as_of)
    return f"""
WITH wanted(family_id, feature, target, months) AS (VALUES {', '.join(rows)}),
     on_date AS (SELECT pkey, fkey FROM members WHERE as_of_date = {day})
SELECT w.family_id, w.feature, max(e.event_date) AS latest_record
FROM wanted w
JOIN family_keys k ON k.family_id = w.family_id
JOIN on_date m ON m.fkey = k.fkey
JOIN keyed_events e ON e.pkey = m.pkey AND e.target = w.target
WHERE e.recorded_date < {day} AND e.event_date < {day} AND e.event_date >= {add_months(day, '-w.months')}
GROUP BY w.family_id, w.feature
ORDER BY w.family_id, w.feature"""


def latest_records(fetch, fs: FeatureSet, as_of: dt.date, wanted: list[tuple[str, str]]) -> pd.DataFrame:
    """``family_id``, ``feature``, ``latest_record`` (a date) for the wanted pairs that rest on records.

    ``fetch`` runs a query (DuckDB dialect) on the engine that prepared the relations and returns Arrow.
    """
    sql = latest_records_sql(fs, as_of, wanted)
    if sql is None:
        return pd.DataFrame({"family_id": pd.Series(dtype=str), "feature": pd.Series(dtype=str), "latest_record": pd.Series(dtype=object)})
    out = fetch(sql).to_pandas(date_as_object=True)
    out["latest_record"] = pd.to_datetime(out["latest_record"]).dt.date
    return out
