"""Per family, date and target statistics with NumPy (the DuckDB engine's fast path).

``hits_sql`` and ``target_stats_sql`` in ``features.sql`` are the portable
definition of the same numbers (what Spark runs, and the tests' oracle). The
portable plan joins every event to every date it can reach and aggregates the
result; here the keyed events are fetched once, sorted by family, target
and person, and each as-of date is one vectorised pass over them, so
many dates share the work without a join that grows with events x dates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from placerisk.features.cohort import add_months
from placerisk.features.definitions import FeatureSet

EPOCH = dt.date(1970, 1, 1)
KEYED_COLUMNS = ("fkey", "target", "pkey", "event_day", "recorded_day")


def epoch_day(date: dt.date) -> int:
    """Days since 1970-01-01 (the integer dates the arrays hold)."""
    return (date - EPOCH).days


@dataclass(frozen=True)
class KeyedEvents:
    """Events keyed by family, target and person, sorted by ``(fkey, target, pkey)``.

    One row per event and target it feeds (an event type and each group it is in);
    dates are days since 1970-01-01.
    """

    fkey: np.ndarray
    target: np.ndarray
    pkey: np.ndarray
    event_day: np.ndarray
    recorded_day: np.ndarray

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> KeyedEvents:
        """From columns already sorted as above (e.g. a query's ``fetchnumpy()``)."""
        missing = [c for c in KEYED_COLUMNS if c not in arrays]
        if missing:
            raise ValueError(f"keyed events: got columns {sorted(arrays)}; expected {list(KEYED_COLUMNS)}")
        masked = [c for c in KEYED_COLUMNS if np.ma.is_masked(arrays[c])]
        if masked:
            raise ValueError(f"keyed events: got missing values in {masked}; expected keys and dates on every row")
        return cls(**{c: np.ascontiguousarray(arrays[c], dtype=np.int32) for c in KEYED_COLUMNS})

    def __len__(self) -> int:
        return len(self.fkey)

    def blocks(self, size: int) -> list[tuple[int, int]]:
        """``[start, stop)`` row ranges of about ``size`` rows that never split a family."""
        n = len(self)
        cuts = np.searchsorted(self.fkey, self.fkey[np.arange(size, n, size)], side="left")
        bounds = np.unique(np.concatenate([[0], cuts, [n]]))
        return list(zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)) or [(0, 0)]


def _starts(*keys: np.ndarray) -> np.ndarray:
    """True where a row starts a new run of equal keys (rows sorted by the keys)."""
    new = np.zeros(len(keys[0]), dtype=bool)
    if len(new):
        new[0] = True
        for k in keys:
            new[1:] |= k[1:] != k[:-1]
    return new


BLOCK_ROWS = 1 << 20
"""Events per block: a block's temporaries stay small enough to be reused rather than fresh memory each date."""


def target_stats(fs: FeatureSet, events: KeyedEvents, as_of_date: dt.date, members: np.ndarray) -> dict[str, np.ndarray]:
    """One date's statistics, as ``target_stats_for`` returns them from the portable SQL.

    ``members``: a boolean array indexed by ``pkey``, True for the persons whose
    events count on this date (members on it, of a family in scope).
    Returns arrays ``fkey``, ``target``, ``b0``..``bN`` (events per bucket),
    ``members_recent`` and ``days`` (days since the latest event), one entry per
    family and target with any event known before the date within the lookback,
    ordered by family and target.
    """
    day = epoch_day(as_of_date)
    lows = [epoch_day(add_months(as_of_date, -e)) for e in fs.bucket_edges]  # window starts, latest first
    parts = [_block_stats(fs, events, slice(a, b), day, lows, members) for a, b in events.blocks(BLOCK_ROWS)]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _block_stats(fs: FeatureSet, events: KeyedEvents, rows: slice, day: int, lows: list[int], members: np.ndarray) -> dict[str, np.ndarray]:
    edges = fs.bucket_edges
    event_day = events.event_day[rows]
    keep = members[events.pkey[rows]]
    keep &= events.recorded_day[rows] < day
    keep &= event_day < day
    keep &= event_day >= lows[-1]
    fkey, target, pkey, when = (a[rows][keep] for a in (events.fkey, events.target, events.pkey, events.event_day))
    # The first bucket whose window holds the event: 0 for the latest edges[0] months, and so on.
    bucket = np.zeros(len(when), dtype=np.int32)
    for low in lows[:-1]:
        bucket += when < low
    first = _starts(fkey, target)
    group = np.cumsum(first, dtype=np.int64) - 1
    n_groups = int(group[-1]) + 1 if len(group) else 0
    starts = np.flatnonzero(first)
    del first
    counts = np.bincount(group * len(edges) + bucket, minlength=n_groups * len(edges)).reshape(n_groups, len(edges))
    recent = np.zeros(len(edges), dtype=bool)
    recent[list(fs.members_buckets)] = True
    r = recent[bucket]
    # Rows are sorted by person within a family and target: a person's first recent row counts them once.
    recent_group = group[r]
    person_first = _starts(recent_group, pkey[r])
    out = {"fkey": fkey[starts], "target": target[starts]}
    out.update({f"b{i}": counts[:, i].astype(np.int32) for i in range(len(edges))})
    out["members_recent"] = np.bincount(recent_group[person_first], minlength=n_groups).astype(np.int32)
    out["days"] = (day - np.maximum.reduceat(when, starts)).astype(np.int32) if n_groups else np.zeros(0, dtype=np.int32)
    return out
