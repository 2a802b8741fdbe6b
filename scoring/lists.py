"""The weekly lists as tables: each team's listed families with reasons, those already supported, and who left since last week.

Pure: given the cohort on one date with the champion's scores, the allocation of that date
(:func:`placerisk.models.allocation.allocate`), the worded reasons of the listed families and last
week's lists, returns the tables every output (CSV, workbook, page, summary) is written from.
Objectors appear in none of them: the cohort never holds them, the allocation refuses to list
them, and a family listed last week who has since objected is left out of "left the list" too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from placerisk.models.allocation import HELD, LISTED, OBJECTED, SUPPORTED, Allocation

REASONS = 3
LIST_COLUMNS = ["Team", "Place", "Family (pseudonymous id)", "Band (1-20)", "Since last week",
                *[c for i in range(1, REASONS + 1) for c in (f"Reason {i}", f"Partner {i}", f"Most recent record {i}")],
                "Probability"]
SUPPORTED_COLUMNS = ["Team", "Family (pseudonymous id)", "Band (1-20)", "Why"]
OPEN_ENGAGEMENT = "an open engagement (case management)"
LEFT_COLUMNS = ["Team", "Family (pseudonymous id)", "Why they left the list"]
HELD_COLUMNS = ["Team", "Family (pseudonymous id)", "Band (1-20)", "Why held"]
NEW, STILL, MOVED_IN = "new", "still listed", "new (moved from another team's area)"
BELOW, NOW_SUPPORTED, LEFT_COHORT, MOVED_OUT = ("dropped below the cut", "now supported", "left the cohort (no member of the cohort's "
                                                "ages, or no longer in the area)", "moved to another team's area")


def listed_table(cohort: pd.DataFrame, allocation: Allocation, reasons: pd.DataFrame, previous: pd.DataFrame | None,
                 back: np.ndarray | None = None) -> pd.DataFrame:
    """Every team's listed families in place order, with band, change since last week and up to three reasons.

    ``cohort``: one row per family (``family_id``, ``team``, ``score``, ``band``), in the order given to the allocation.
    ``reasons``: ``family_id``, ``rank``, ``words``, ``source``, ``latest_record`` (a date or None).
    ``previous``: last week's listed families (``family_id``, ``team``), or None for a first run.
    ``back``: per cohort row, why a family held off by feedback may be listed again ("" for the others).
    """
    listed = cohort.loc[allocation.listed].assign(place=allocation.place[allocation.listed])
    before = {} if previous is None else dict(zip(previous["family_id"], previous["team"], strict=True))
    again = np.full(len(listed), "", dtype=object) if back is None else np.asarray(back, dtype=object)[allocation.listed]
    change = [f"{NEW} ({b})" if b and f not in before else NEW if f not in before else STILL if before[f] == t else MOVED_IN
              for f, t, b in zip(listed["family_id"], listed["team"], again, strict=True)]
    out = pd.DataFrame({"Team": listed["team"].to_numpy(), "Place": listed["place"].to_numpy(),
                        "Family (pseudonymous id)": listed["family_id"].to_numpy(), "Band (1-20)": listed["band"].to_numpy(),
                        "Since last week": change})
    by_family = {f: part.sort_values("rank") for f, part in reasons.groupby("family_id", sort=False)}
    for i in range(1, REASONS + 1):
        cells = [_reason(by_family.get(f), i) for f in out["Family (pseudonymous id)"]]
        out[f"Reason {i}"] = [c[0] for c in cells]
        out[f"Partner {i}"] = [c[1] for c in cells]
        out[f"Most recent record {i}"] = [c[2] for c in cells]
    out["Probability"] = listed["score"].to_numpy()
    team_order = {t: i for i, t in enumerate(allocation.policy.teams)}
    return out.sort_values(["Team", "Place"], key=lambda s: s.map(team_order) if s.name == "Team" else s).reset_index(drop=True)


def _reason(part: pd.DataFrame | None, rank: int) -> tuple[str, str, str]:
    if part is None or len(part) < rank:
        return "", "", ""
    row = part.iloc[rank - 1]
    latest = row.get("latest_record")
    return str(row["words"]), str(row["source"]), "" if latest is None or pd.isna(latest) else str(latest)


def supported_table(cohort: pd.DataFrame, allocation: Allocation, why: np.ndarray | None = None) -> pd.DataFrame:
    """Families already being supported, shown apart and not listed; ``why`` per cohort row (default: an open engagement)."""
    mine = allocation.status == SUPPORTED
    rows = cohort.loc[mine]
    reasons = np.full(int(mine.sum()), OPEN_ENGAGEMENT, dtype=object) if why is None else np.asarray(why, dtype=object)[mine]
    out = pd.DataFrame({"Team": rows["team"].to_numpy(), "Family (pseudonymous id)": rows["family_id"].to_numpy(),
                        "Band (1-20)": rows["band"].to_numpy(), "Why": reasons})
    return out.sort_values(["Team", "Family (pseudonymous id)"]).reset_index(drop=True)


def held_table(cohort: pd.DataFrame, allocation: Allocation, held_why: np.ndarray) -> pd.DataFrame:
    """Families held off the lists by practitioners' feedback, with why and until when."""
    mine = allocation.status == HELD
    rows = cohort.loc[mine]
    out = pd.DataFrame({"Team": rows["team"].to_numpy(), "Family (pseudonymous id)": rows["family_id"].to_numpy(),
                        "Band (1-20)": rows["band"].to_numpy(), "Why held": np.asarray(held_why, dtype=object)[mine]}, columns=HELD_COLUMNS)
    return out.sort_values(["Team", "Family (pseudonymous id)"]).reset_index(drop=True)


def left_table(previous: pd.DataFrame | None, cohort: pd.DataFrame, allocation: Allocation, objected: set[str],
               held_why: np.ndarray | None = None) -> pd.DataFrame:
    """Families on last week's lists who are not on their team's list now, with the reason where known.

    A family who objected is not named (an objection removes the family from every output). ``held_why``: per
    cohort row, why feedback holds a family off the lists."""
    if previous is None or previous.empty:
        return pd.DataFrame(columns=LEFT_COLUMNS)
    held = np.full(len(cohort), "held off the list (feedback)", dtype=object) if held_why is None else np.asarray(held_why, dtype=object)
    now = pd.DataFrame({"family_id": cohort["family_id"].to_numpy(), "team": cohort["team"].to_numpy(), "status": allocation.status,
                        "held": held})
    now = now.set_index("family_id")
    rows = []
    for family, team in zip(previous["family_id"], previous["team"], strict=True):
        if family in objected:
            continue
        if family not in now.index:
            rows.append((team, family, LEFT_COHORT))
            continue
        status, team_now = now.at[family, "status"], now.at[family, "team"]
        if status == OBJECTED:
            continue
        if status == LISTED and team_now == team:
            continue
        if team_now != team:
            rows.append((team, family, MOVED_OUT))
        elif status == SUPPORTED:
            rows.append((team, family, NOW_SUPPORTED))
        elif status == HELD:
            rows.append((team, family, str(now.at[family, "held"])))
        else:
            rows.append((team, family, BELOW))
    out = pd.DataFrame(rows, columns=LEFT_COLUMNS)
    return out.sort_values(["Team", "Family (pseudonymous id)"]).reset_index(drop=True)


def counts_by_team(listed: pd.DataFrame, supported: pd.DataFrame, left: pd.DataFrame, allocation: Allocation) -> pd.DataFrame:
    """Per team: weekly places, listed, new (of them back after feedback), still listed, supported, held, left; the listed bands."""
    rows = []
    for team, cap in allocation.policy.capacities:
        mine = listed[listed["Team"] == team]
        bands = mine["Band (1-20)"].to_numpy()
        rows.append({"team": team, "places": cap * allocation.policy.weeks, "listed": len(mine),
                     "new": int(mine["Since last week"].str.startswith(NEW).sum()),
                     "back": int(mine["Since last week"].str.startswith(f"{NEW} (back").sum()),
                     "still_listed": int((mine["Since last week"] == STILL).sum()),
                     "supported": int((supported["Team"] == team).sum()),
                     "held": int(((allocation.status == HELD) & (allocation.team == team)).sum()), "left": int((left["Team"] == team).sum()),
                     "band_min": int(bands.min()) if bands.size else None, "band_max": int(bands.max()) if bands.size else None,
                     "band_median": float(np.median(bands)) if bands.size else None})
    return pd.DataFrame(rows)
