"""The monitor's edges: published weeks whose outcomes are now known, their outcomes from the validated extracts, feedback.

A week is monitored once its outcome window and the late-record allowance have passed by the end
of the validated data (the same rule that makes a training label complete). Outcomes are computed
with the training label's own query, for the week's listed families, the rule's listed families and
the calibration sample only, on the members of each family on that week.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from placerisk.app.catalog import Catalog
from placerisk.app.feedback import read_store
from placerisk.features.cohort import OutcomeSpec
from placerisk.features.sql import labels_sql, people_sql
from placerisk.models.allocation import LISTED
from placerisk.scoring.feedback import effective

CALIBRATION_SAMPLE = 20_000
"""Families per week kept for the monitor's calibration table (a fixed sample by hash of the family id)."""
META = ("family_id", "team", "score", "band", "rank_score", "status", "place", "sample", "baseline_score", "baseline_listed", "monitor")


def calibration_sample(family_id: pd.Series, size: int = CALIBRATION_SAMPLE) -> np.ndarray:
    """A fixed sample of ``size`` families (all when fewer): the smallest hashes of their ids, the same every week."""
    h = pd.util.hash_pandas_object(family_id.astype(str), index=False).to_numpy()
    if h.size <= size:
        return np.ones(h.size, dtype=bool)
    return h <= np.partition(h, size - 1)[size - 1]


def split_weeks(catalog: Catalog, weeks: list[dt.date], outcome: OutcomeSpec, data_end: dt.date) -> tuple[list[dt.date], list[dt.date]]:
    """``(monitored, waiting)``: weeks whose outcomes are complete by ``data_end`` (and that kept their scored cohort: a week
    published before the monitor existed cannot be monitored), and the others."""
    kept = [w for w in weeks if Catalog.monitoring(catalog.lists(w)).is_file()]
    done = [w for w in kept if outcome.label_complete(w, data_end)]
    return done, [w for w in kept if w not in done]


def load(catalog: Catalog, weeks: list[dt.date], *, monitored_only: bool) -> pd.DataFrame:
    """The published cohorts' monitored rows (listed by the model or the rule, or sampled), with ``week``; groups as text."""
    parts = []
    for w in weeks:
        path = Catalog.monitoring(catalog.lists(w))
        if not path.is_file():
            continue  # a week published before the monitor existed
        table = pq.read_table(path, filters=[("monitor", "=", True)] if monitored_only else [("status", "=", LISTED)])
        parts.append(table.to_pandas().assign(week=w.isoformat()))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=[*META, "week"])


def outcomes(con, outcome: OutcomeSpec, data_end: dt.date, wanted: pd.DataFrame) -> np.ndarray:
    """The outcome (1.0, 0.0, or NaN when the family can no longer be followed: it objected since, or the extracts now hold
    no member of it on that week) of each ``(week, family_id)`` row, in order; as the training label, which has no row then."""
    frame = pa.table({"i": np.arange(len(wanted)), "as_of_date": pd.to_datetime(wanted["week"]).dt.date.to_numpy(),
                      "family_id": wanted["family_id"].astype(str).to_numpy()})
    con.register("monitor_wanted", frame)
    con.execute(f"CREATE OR REPLACE TEMP TABLE people AS {people_sql()}")
    con.execute("""CREATE OR REPLACE TEMP TABLE members AS
SELECT w.as_of_date, p.pkey, p.fkey FROM monitor_wanted w JOIN people p ON p.family_id = w.family_id
WHERE p.member_from <= w.as_of_date AND (p.member_to IS NULL OR p.member_to > w.as_of_date)
  AND p.birth_year * 12 + p.birth_month <= year(w.as_of_date) * 12 + month(w.as_of_date)""")
    got = con.execute(f"""
SELECT w.i, CASE WHEN m.fkey IS NULL THEN NULL ELSE coalesce(y.outcome, 0) END AS label
FROM monitor_wanted w
LEFT JOIN (SELECT DISTINCT family_id, fkey FROM people) k ON k.family_id = w.family_id
LEFT JOIN (SELECT DISTINCT as_of_date, fkey FROM members) m ON m.fkey = k.fkey AND m.as_of_date = w.as_of_date
LEFT JOIN ({labels_sql(outcome, data_end)}) y ON y.fkey = k.fkey AND y.as_of_date = w.as_of_date
ORDER BY w.i""").fetchnumpy()
    con.unregister("monitor_wanted")
    label = got["label"]
    return label.astype(np.float64).filled(np.nan) if np.ma.isMaskedArray(label) else np.asarray(label, dtype=np.float64)


def decisions_now(catalog: Catalog) -> pd.DataFrame:
    """Every decision in force now (superseded ones left out)."""
    return effective(read_store(catalog.feedback_store))
