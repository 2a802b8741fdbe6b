"""Long-to-wide pivot of per-target statistics with NumPy (the DuckDB engine's fast path).

``wide_sql`` in ``features.sql`` is the portable definition of the same pivot
(used by engines without NumPy at hand, and by the tests as its oracle).
"""

from __future__ import annotations

import numpy as np

from placerisk.features.definitions import FeatureSet, days_since_cap


def pivot(fs: FeatureSet, fkeys: np.ndarray, stats: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Feature columns (int32, aligned with ``fkeys``) from target statistics.

    ``fkeys``: the families' keys in output order. ``stats``: arrays ``fkey``,
    ``target``, ``b0``..``bN``, ``members_recent`` and ``days`` (days since the
    latest event), one entry per family and target that had any event.
    Families without an entry get 0, or the cap for days since the last event.
    """
    n = len(fkeys)
    event_specs = [spec for spec in fs.specs if spec.event is not None]
    if n == 0:
        return {spec.name: np.zeros(0, dtype=np.int32) for spec in event_specs}
    order = np.argsort(fkeys, kind="stable")
    where = np.searchsorted(fkeys, stats["fkey"], sorter=order)
    row = order[np.minimum(where, n - 1)]
    found = (where < n) & (fkeys[row] == stats["fkey"])
    # Each feature reads one target's entries: gather them once per target, not once per feature.
    targets = np.asarray(stats["target"])
    by_target = np.argsort(targets, kind="stable")
    bounds = np.searchsorted(targets[by_target], np.arange(len(fs.targets) + 1))
    n_buckets = len(fs.bucket_edges)
    cap = days_since_cap(fs.lookback_months)
    out: dict[str, np.ndarray] = {}
    for t, (key, _, _) in enumerate(fs.targets):
        entries = by_target[bounds[t]:bounds[t + 1]]
        entries = entries[found[entries]]
        rows = row[entries]
        buckets = np.stack([np.asarray(stats[f"b{i}"])[entries] for i in range(n_buckets)]).astype(np.int32)
        for spec in (s for s in event_specs if s.event == key):
            column = np.full(n, cap if spec.kind == "days_since_last" else 0, dtype=np.int32)
            if spec.kind == "days_since_last":
                value = stats["days"][entries]
            elif spec.kind == "distinct_members":
                value = stats["members_recent"][entries]
            else:  # count or trend
                added, subtracted = fs.bucket_terms(spec)
                value = buckets[list(added)].sum(axis=0) - buckets[list(subtracted)].sum(axis=0)
            column[rows] = value
            out[spec.name] = column
    return {spec.name: out[spec.name] for spec in event_specs}
