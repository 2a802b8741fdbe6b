"""What practitioners decided about listed families, and what the next lists do with it. Pure.

A decision is about one family on one week's list (``week`` = that list's as-of date). The store
keeps every decision; a later one for the same family and week supersedes an earlier one (later
``decided`` date, then later arrival), and the earlier one stays in the store. On an as-of date
only decisions made by then count (``decided <= as_of``): a list re-published for a past date reads
the decisions practitioners had made by that date, including any that reached the store after it
was first published (each manifest records the store's hash, so the difference can be traced).

The rules the next lists follow, from each family's most recent decision (the latest ``decided``
date, whichever week's list it was about):

========================  ====================================================================
``engaged``               supported: shown apart with the engaged families, never re-listed
``declined``,             held off the lists for ``hold_weeks`` weeks after that week, unless
``not_appropriate``,      the family's band has since risen by ``band_rise`` or more: then it
``already_known``         may be listed again, marked as back with the two bands
``no_contact``            no effect: the family may be listed again
``data_wrong``            held off the lists until the next validated extract (a data
                          fingerprint other than the one that week's list was built on); the
                          partner named is sent the family and week
========================  ====================================================================
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

DECISIONS = {
    "engaged": "engaged",
    "declined": "declined by the family",
    "not_appropriate": "not appropriate",
    "already_known": "already known to a service",
    "no_contact": "could not contact",
    "data_wrong": "data wrong",
}
HELD_FOR_WEEKS = ("declined", "not_appropriate", "already_known")
OVERRIDES = ("not_appropriate", "already_known", "data_wrong")
"""Decisions where the practitioner judged the listing itself wrong (a family declining, or not being reached, is not that)."""
COLUMNS = ["family_id", "week", "team", "band", "decision", "reason_code", "partner", "role", "decided", "note", "data_fingerprint",
           "at", "batch", "row"]


def effective(records: pd.DataFrame, as_of: dt.date | None = None) -> pd.DataFrame:
    """One row per (family, week): the decision in force on ``as_of`` (every decision when None), superseded ones dropped.

    ``records`` in store order (``COLUMNS``); ties in ``decided`` go to the later record."""
    if records.empty:
        return records.copy()
    r = records.assign(_order=np.arange(len(records)))
    if as_of is not None:
        r = r[pd.to_datetime(r["decided"]).dt.date <= as_of]
    r = r.sort_values(["family_id", "week", "decided", "_order"], kind="stable")
    return r.drop_duplicates(["family_id", "week"], keep="last").drop(columns="_order").reset_index(drop=True)


@dataclass(frozen=True)
class Flags:
    """Per cohort family (row for row): engaged after a list, held off the lists (with why), back on the lists (with why)."""

    engaged: np.ndarray
    engaged_why: np.ndarray
    held: np.ndarray
    held_why: np.ndarray
    back_why: np.ndarray       # "" unless the family may be listed again because its band rose

    @property
    def back(self) -> np.ndarray:
        return self.back_why != ""


def flags(decisions: pd.DataFrame, family_id, band, as_of: dt.date, *, hold_weeks: int, band_rise: int, data_fingerprint: str) -> Flags:
    """Apply the module's rules to the cohort on ``as_of`` (``family_id`` and its ``band`` now), from :func:`effective` decisions."""
    ids = np.asarray(family_id).astype(str)
    bands = np.asarray(band, dtype=np.int64)
    n = ids.size
    engaged, held = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    engaged_why, held_why, back_why = (np.full(n, "", dtype=object) for _ in range(3))
    if decisions.empty:
        return Flags(engaged, engaged_why, held, held_why, back_why)
    d = decisions[pd.to_datetime(decisions["week"]).dt.date <= as_of]
    latest = d.sort_values(["decided", "week"], kind="stable").drop_duplicates("family_id", keep="last").set_index("family_id")
    position = pd.Series(np.arange(n), index=ids)
    for family, r in latest.loc[latest.index.isin(ids)].iterrows():
        i = int(position[family])
        week = dt.date.fromisoformat(str(r["week"])[:10])
        words = f"{DECISIONS[r['decision']]} (list of {week.isoformat()})"
        if r["decision"] == "engaged":
            engaged[i], engaged_why[i] = True, f"engaged after the list of {week.isoformat()} (practitioner feedback)"
        elif r["decision"] in HELD_FOR_WEEKS:
            until = week + dt.timedelta(weeks=hold_weeks)
            if as_of >= until:
                continue
            if bands[i] >= int(r["band"]) + band_rise:
                back_why[i] = f"back: band rose from {int(r['band'])} to {bands[i]} since {words}"
            else:
                held[i], held_why[i] = True, f"held until {until.isoformat()}: {words}"
        elif r["decision"] == "data_wrong" and r["data_fingerprint"] == data_fingerprint:
            held[i], held_why[i] = True, f"held until the next validated extract: {words}, reported to {r['partner']}"
    return Flags(engaged, engaged_why, held, held_why, back_why)


ALL_WEEKS = "all weeks"


def override_rates(listed: pd.DataFrame, decisions: pd.DataFrame, *, by: str, min_cell_count: int, round_to: int) -> pd.DataFrame:
    """Per week (and over :data:`ALL_WEEKS`) and value of ``by`` (a team, or a group of an attribute): the share of listed
    families each decision covers, ``override`` (the :data:`OVERRIDES` together) and ``none`` (no decision recorded).

    ``listed``: one row per family on a week's list (``week``, ``family_id``, ``by``); ``decisions``: :func:`effective`.
    Long format: ``week``, ``by``, ``listed``, ``decision``, ``count``, ``share``. Disclosure control as in the fairness
    reports: a count from 1 to ``min_cell_count - 1`` is withheld with its share (None); then, until nothing changes, a
    decision withheld in exactly one week has its all-weeks cell withheld (else the weeks would give it back), and a row
    left with one withheld cell (recoverable from its total), in the decisions or in the coarser split where the
    overrides count as one, has its next smallest non-zero cell withheld too; ``override`` is withheld when it is small
    or exactly one of its parts is; a row of fewer than ``min_cell_count`` listed families is withheld whole. Counts are
    rounded to ``round_to`` and shares are the rounded counts' (three decimals), so a share cannot undo the rounding.
    A missing group is the group "Missing", as in the audit.
    """
    keys = ["week", "family_id"]
    merged = listed[keys + [by]].merge(decisions[keys + ["decision"]], on=keys, how="left")
    merged["decision"] = merged["decision"].fillna("none")
    merged["week"] = merged["week"].astype(str)
    merged[by] = merged[by].astype("string").fillna("Missing")
    cells = [*DECISIONS, "none"]
    counts = {}
    for week, part in [*merged.groupby("week", sort=True), (ALL_WEEKS, merged)]:
        for value, mine in part.groupby(by, sort=True):
            counts[(week, value)] = {d: int((mine["decision"] == d).sum()) for d in cells}
    hidden = {k: {d: 0 < c < min_cell_count or sum(row.values()) < min_cell_count for d, c in row.items()} for k, row in counts.items()}
    coarse = [d for d in cells if d not in OVERRIDES]  # the row's other partition: these and the overrides together

    def over_hidden(k) -> bool:
        over = sum(counts[k][d] for d in OVERRIDES)
        return 0 < over < min_cell_count or sum(hidden[k][d] for d in OVERRIDES) == 1 or sum(counts[k].values()) < min_cell_count

    changed = True
    while changed:
        changed = False
        for value in {v for _, v in counts}:
            weeks = [k for k in counts if k[1] == value and k[0] != ALL_WEEKS]
            for d in cells:
                if sum(hidden[k][d] for k in weeks) == 1 and not hidden[(ALL_WEEKS, value)][d]:
                    hidden[(ALL_WEEKS, value)][d] = changed = True
        for k, row in counts.items():
            for partition in (cells, coarse + ["override"]):
                flags = {d: over_hidden(k) if d == "override" else hidden[k][d] for d in partition}
                if sum(flags.values()) == 1:
                    shown = [d for d in cells if not hidden[k][d] and row[d] > 0 and (partition is cells or d in coarse)]
                    shown = shown or [d for d in OVERRIDES if not hidden[k][d] and row[d] > 0]
                    if shown:
                        hidden[k][min(shown, key=lambda d: (row[d], cells.index(d)))] = changed = True
    rows = []
    for (week, value), row in counts.items():
        n = sum(row.values())
        small = n < min_cell_count
        published = _rounded(n, round_to)
        for d in [*DECISIONS, "override", "none"]:
            c, h = (sum(row[x] for x in OVERRIDES), over_hidden((week, value))) if d == "override" else (row[d], hidden[(week, value)][d])
            count = None if h else _rounded(c, round_to)
            rows.append({"week": week, by: value, "listed": None if small else published, "decision": d, "count": count,
                         "share": None if h or small or not published else round(count / published, 3)})
    out = pd.DataFrame(rows, columns=["week", by, "listed", "decision", "count", "share"])
    weekly = out[(out["week"] != ALL_WEEKS) & (out["decision"] == "override")]
    for value, part in weekly.groupby(by):  # an override total withheld in exactly one week would follow from the rest
        if part["count"].isna().sum() == 1:
            out.loc[(out["week"] == ALL_WEEKS) & (out[by] == value) & (out["decision"] == "override"), ["count", "share"]] = None
    return out


def _rounded(count: int, round_to: int) -> int:
    return int(np.floor(count / round_to + 0.5) * round_to)
