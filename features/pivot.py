"""Long-to-wide pivot of per-target statistics with NumPy (the DuckDB engine's fast path).

``wide_sql`` in ``features.sql`` is the portable definition of the same pivot
(used by engines without NumPy at hand, and by the tests as its oracle).
"""

from __future__ import annotations

import numpy as np

from features.definitions import FeatureSet, days_since_cap


def pivot(fs: FeatureSet, fkeys: np.ndarray, stats: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Feature columns (int32, aligned with ``fkeys``) from target statistics.

    ``fkeys``: the families' keys in output order. ``stats``: arrays ``fkey``,
    ``target``, ``b0``..``bN``, ``members_recent`` and ``days`` (days since the
    latest event), one entry per family and target that had any event.
    Families without an entry get 0, or the cap for days since the last event.
    """
    n = len(fkeys)
    order = np.argsort(fkeys, kind="stable")
    where = np.searchsorted(fkeys, stats["fkey"], sorter=order)
    inside = where < n
    row = order[np.minimum(where, max(n - 1, 0))] if n else np.zeros(len(where), dtype=np.int64)
    found = inside & (fkeys[row] == stats["fkey"]) if n else np.zeros(len(where), dtype=bool)
    edges = fs.bucket_edges
    buckets = [stats[f"b{i}"].astype(np.int32) for i in range(len(edges))]
    index = {key: i for i, (key, _, _) in enumerate(fs.targets)}
    cap = days_since_cap(fs.lookback_months)
    out: dict[str, np.ndarray] = {}
    for spec in fs.specs:
        if spec.event is None:
            continue
        sel = found & (stats["target"] == index[spec.event])
        if spec.kind == "count":
            value = sum(b for b, w in zip(buckets, edges) if w <= spec.window_months)
            column = np.zeros(len(fkeys), dtype=np.int32)
        elif spec.kind == "days_since_last":
            value = stats["days"]
            column = np.full(len(fkeys), cap, dtype=np.int32)
        elif spec.kind == "distinct_members":
            value = stats["members_recent"]
            column = np.zeros(len(fkeys), dtype=np.int32)
        else:  # trend
            t = spec.window_months
            recent = sum(b for b, w in zip(buckets, edges) if w <= t)
            before = sum(b for b, w in zip(buckets, edges) if t < w <= 2 * t)
            value = recent - before
            column = np.zeros(len(fkeys), dtype=np.int32)
        column[row[sel]] = np.asarray(value)[sel]
        out[spec.name] = column
    return out
