"""Challenger against champion, on the same rows: how the lists would change, and the fairness findings side by side.

Pure. ``list_churn`` compares two sets of lists formed on the same families (the champion's and
the challenger's, each by the allocation policy); ``finding_changes`` compares two models'
published fairness findings over the same test snapshots; ``saw_outcomes`` says on which test
snapshots the champion was trained on outcomes that overlap the test outcome window (which
favours it: it was fitted on part of what it is tested on).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import numpy as np

from placerisk.fairness import AuditResult

LIGHTS = ("green", "amber", "red")


def list_churn(team, before, after, teams: Sequence[str]) -> list[dict]:
    """Per team and for all teams: the champion's list (``before``) against the challenger's (``after``), both boolean masks
    over the same families. ``kept``, ``added`` (on the challenger's list only), ``dropped`` (on the champion's only), the
    Jaccard overlap (kept over either; 1 when both lists are empty) and ``share_changed``, the share of the champion's list
    that would leave it (0 when it was empty and stays so, 1 when it was empty and fills)."""
    team, before, after = np.asarray(team).astype(str), np.asarray(before, dtype=bool), np.asarray(after, dtype=bool)
    if not len(team) == len(before) == len(after):
        raise ValueError(f"lists: got {len(team)} teams, {len(before)} and {len(after)} flags; expected one of each per family")
    rows = []
    for name, mine in [*((t, team == t) for t in teams), ("all teams", np.ones(len(team), dtype=bool))]:
        a, b = before & mine, after & mine
        kept, added, dropped, either = int((a & b).sum()), int((b & ~a).sum()), int((a & ~b).sum()), int((a | b).sum())
        listed = int(a.sum())
        rows.append({"team": name, "champion_listed": listed, "challenger_listed": int(b.sum()), "kept": kept, "added": added,
                     "dropped": dropped, "jaccard": kept / either if either else 1.0,
                     "share_changed": dropped / listed if listed else float(added > 0)})
    return rows


def _lights(audits: Sequence[AuditResult]) -> dict[str, tuple[str, str]]:
    """Finding id -> (worst light over the snapshots, a sentence): red for a primary finding outside tolerance, else amber."""
    out: dict[str, tuple[str, str]] = {}
    for audit in audits:
        for f in audit.findings_for(published=True):
            light = "red" if f.red else "amber"
            if f.id not in out or LIGHTS.index(light) > LIGHTS.index(out[f.id][0]):
                out[f.id] = (light, f.sentence)
    return out


def _worst(audits: Sequence[AuditResult]) -> str:
    return max((a.traffic_light for a in audits), key=LIGHTS.index, default="green")


def finding_changes(champion: Sequence[AuditResult], challenger: Sequence[AuditResult]) -> dict:
    """The two models' published findings over the same test snapshots: which appear with the challenger, which disappear,
    which change light (amber or red, the worst over the snapshots), and each model's worst traffic light."""
    before, after = _lights(champion), _lights(challenger)
    return {
        "champion_light": _worst(champion), "challenger_light": _worst(challenger),
        "appear": [{"id": i, "light": after[i][0], "sentence": after[i][1]} for i in sorted(after.keys() - before.keys())],
        "disappear": [{"id": i, "light": before[i][0], "sentence": before[i][1]} for i in sorted(before.keys() - after.keys())],
        "changed": [{"id": i, "champion": before[i][0], "challenger": after[i][0], "sentence": after[i][1]}
                    for i in sorted(before.keys() & after.keys()) if before[i][0] != after[i][0]],
        "unchanged": sorted(i for i in before.keys() & after.keys() if before[i][0] == after[i][0]),
    }


def saw_outcomes(champion_dates: Sequence[dt.date], test_dates: Sequence[dt.date],
                 label_complete: Callable[[dt.date, dt.date], bool]) -> list[bool]:
    """For each test date: was the champion trained or calibrated on a snapshot whose outcome window was not yet complete by
    it (so the champion was fitted on outcomes that overlap the test window)? ``label_complete(snapshot, by)`` as
    ``OutcomeSpec.label_complete``."""
    if not champion_dates:
        return [False] * len(test_dates)
    latest = max(champion_dates)
    return [not label_complete(latest, d) for d in test_dates]
