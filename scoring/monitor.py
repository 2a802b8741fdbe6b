"""Is the model still doing its job? Published weeks set against the outcomes known since. Pure.

The input is one row per (week, family) of the weeks whose outcome window and late-record allowance
have passed: the week's scored cohort as published (``score``, ``status``, the rule's list), its audit
groups, and ``label`` (the outcome as recorded since; missing for a family that can no longer be
followed, e.g. one that objected since). Only the listed families and a sample of the cohort need a
label.

- **Precision at capacity**: the share of each team's listed families with the outcome, per week and
  over the latest weeks, beside the best rule baseline's own lists on the same weeks and families.
- **Calibration**: observed against expected outcomes (the sum of calibrated probabilities) among the
  listed families, and by tenth of the score over a sample of the cohort.
- **Status** per team, over the latest ``window_weeks``: red when the lists' precision is below
  ``min_precision`` or clearly below the rule's (the interval on the difference lies below 0, each
  family counted once however many weeks it was listed); amber when it is below the rule's at all,
  or observed / expected among the listed falls outside the calibration tolerance by more than the
  Poisson spread of the expected count; green otherwise. The service's status is its worst team's.

Outcomes of listed families are not clean labels: a family that was helped may have avoided the
outcome because of the help, so the lists' measured precision understates what the model found, and
more so the better the help works. The rule's lists share many families with the model's, and the
help reaches those too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np
import pandas as pd

from placerisk.models.allocation import LISTED

HELPED_CAVEAT = ("Outcomes of families who were listed are affected by the help they were offered: a family helped may avoid the "
                 "outcome because of the help, so a listed family's outcome is not a clean label and the precision measured here "
                 "understates what the lists found (more so the better the help works). The rule's lists share many of the same "
                 "families.")
STATUSES = ("green", "amber", "red")


@dataclass(frozen=True)
class Settings:
    window_weeks: int = 13
    min_precision: float = 0.10
    ratio_low: float = 0.8
    ratio_high: float = 1.25
    confidence: float = 0.95
    min_cell_count: int = 10


def _precision(hits: np.ndarray) -> tuple[int, int, float]:
    n = int(hits.size)
    k = int(hits.sum())
    return n, k, (k / n if n else float("nan"))


def precision_by_team(weeks: pd.DataFrame) -> pd.DataFrame:
    """Per week and team: listed families followed (with a known outcome), outcomes and precision, the model's lists and the rule's."""
    rows = []
    known = weeks[weeks["label"].notna()]
    for (week, team), part in known.groupby(["week", "team"], sort=True):
        y = part["label"].to_numpy(dtype=np.int64)
        n, k, p = _precision(y[(part["status"] == LISTED).to_numpy()])
        row = {"week": week, "team": team, "listed": n, "outcomes": k, "precision": p,
               "expected": float(part.loc[part["status"] == LISTED, "score"].sum())}
        if "baseline_listed" in part:
            bn, bk, bp = _precision(y[part["baseline_listed"].to_numpy(dtype=bool)])
            row |= {"rule_listed": bn, "rule_outcomes": bk, "rule_precision": bp}
        rows.append(row)
    return pd.DataFrame(rows)


def precision_by_group(weeks: pd.DataFrame, attributes: list[str], *, min_cell_count: int) -> pd.DataFrame:
    """Per week (and over ``all weeks``), team, attribute and group: the listed families' precision, withheld under the cell
    limit (a group with fewer listed families, or fewer with or without the outcome, than ``min_cell_count``)."""
    listed = weeks[(weeks["status"] == LISTED) & weeks["label"].notna()]
    rows = []
    for week, part in [*listed.groupby("week", sort=True), ("all weeks", listed)]:
        for attribute in attributes:
            for (team, group), mine in part.groupby(["team", part[attribute].astype("string").fillna("Missing")], sort=True):
                n, k, p = _precision(mine["label"].to_numpy(dtype=np.int64))
                small = n < min_cell_count or 0 < k < min_cell_count or 0 < n - k < min_cell_count
                rows.append({"week": week, "team": team, "attribute": attribute, "group": group, "listed": None if n < min_cell_count else n,
                             "precision": None if small else p, "withheld": small})
    return pd.DataFrame(rows, columns=["week", "team", "attribute", "group", "listed", "precision", "withheld"]).astype({"listed": "Int64"})


def calibration(weeks: pd.DataFrame, sample: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Mean calibrated probability against the observed rate by tenth of the score, over the sampled rows with an outcome."""
    s = weeks[sample & weeks["label"].notna().to_numpy()]
    if s.empty:
        return pd.DataFrame(columns=["bin", "families", "mean_score", "observed_rate"])
    edges = np.unique(np.quantile(s["score"], np.linspace(0, 1, bins + 1)[1:-1]))
    b = np.searchsorted(edges, s["score"].to_numpy(), side="right")
    out = s.assign(bin=b + 1).groupby("bin").agg(families=("score", "size"), mean_score=("score", "mean"), observed_rate=("label", "mean"))
    return out.reset_index()


@dataclass
class TeamStatus:
    team: str
    status: str
    weeks: int
    listed: int
    precision: float
    rule_precision: float | None
    difference_low: float | None
    difference_high: float | None
    observed_over_expected: float | None
    reasons: list[str] = field(default_factory=list)


def team_status(by_team: pd.DataFrame, settings: Settings, weeks: pd.DataFrame | None = None) -> list[TeamStatus]:
    """Each team's status over its latest ``window_weeks`` monitored weeks (see the module docstring).

    A family stays on a list for weeks, so the weeks' listings are not independent: the interval on the difference
    counts each family once (the distinct families listed in the window, from ``weeks``; every listing without it),
    and observed outcomes differ from expected only beyond the Poisson spread of the expected count.
    """
    z = NormalDist().inv_cdf(0.5 + settings.confidence / 2)
    out = []
    for team, part in by_team.groupby("team", sort=False):
        recent = part.sort_values("week").tail(settings.window_weeks)
        n, k = int(recent["listed"].sum()), int(recent["outcomes"].sum())
        p = k / n if n else float("nan")
        expected = float(recent["expected"].sum())
        ratio = k / expected if expected > 0 else None
        status, reasons = "green", []
        rule_p = low = high = None
        distinct = distinct_rule = None
        if weeks is not None:
            mine = weeks[(weeks["team"] == team) & weeks["week"].isin(recent["week"]) & weeks["label"].notna()]
            distinct = mine.loc[mine["status"] == LISTED, "family_id"].nunique()
            if "baseline_listed" in mine:
                distinct_rule = mine.loc[mine["baseline_listed"].astype(bool), "family_id"].nunique()
        if "rule_listed" in recent and recent["rule_listed"].sum() > 0:
            rn, rk = int(recent["rule_listed"].sum()), int(recent["rule_outcomes"].sum())
            rule_p = rk / rn
            se = np.sqrt(p * (1 - p) / max(distinct or n, 1) + rule_p * (1 - rule_p) / max(distinct_rule or rn, 1))
            low, high = p - rule_p - z * se, p - rule_p + z * se
        span = f"over {len(recent)} week{'s' if len(recent) != 1 else ''}"
        if n and p < settings.min_precision:
            status = "red"
            reasons.append(f"{team}: precision at capacity {p:.3f} {span}, below the minimum of {settings.min_precision:.2f}.")
        if rule_p is not None and high is not None and high < 0:
            status = "red"
            reasons.append(f"{team}: precision at capacity {p:.3f} against the rule's {rule_p:.3f} {span}: clearly worse than the rule "
                           f"({settings.confidence:.0%} interval on the difference {low:+.3f} to {high:+.3f}).")
        elif rule_p is not None and p < rule_p:
            status = _worse(status, "amber")
            reasons.append(f"{team}: precision at capacity {p:.3f} below the rule's {rule_p:.3f} {span} (not clearly: interval "
                           f"{low:+.3f} to {high:+.3f}).")
        if ratio is not None and not settings.ratio_low <= ratio <= settings.ratio_high and abs(k - expected) > z * np.sqrt(expected):
            status = _worse(status, "amber")
            reasons.append(f"{team}: {k} outcomes among listed families against {expected:.1f} expected {span} (ratio {ratio:.2f}, "
                           f"outside {settings.ratio_low:g} to {settings.ratio_high:g}): the probabilities are off.")
        out.append(TeamStatus(team, status, len(recent), n, p, rule_p, low, high, ratio, reasons))
    return out


def _worse(a: str, b: str) -> str:
    return max(a, b, key=STATUSES.index)


def overall(statuses: list[TeamStatus]) -> str:
    """The worst team's status (green when there is nothing to judge yet is not claimed: "not enough outcomes yet")."""
    if not statuses:
        return "not enough outcomes yet"
    return max((s.status for s in statuses), key=STATUSES.index)


def override_warnings(by_team: pd.DataFrame, by_group: pd.DataFrame, overall_share: float, *, min_override_share: float,
                      group_ratio: float) -> list[str]:
    """Warnings from the override rates over all weeks: little or no feedback, near-zero overrides, large differences between groups.

    ``by_team``: ``override_rates(by="team")``; ``by_group``: ``override_rates`` per attribute, with ``attribute`` and ``group``
    columns; ``overall_share``: overrides among all listed families. Withheld cells are not judged.
    """
    from placerisk.scoring.feedback import ALL_WEEKS

    warnings = []
    team = by_team[by_team["week"] == ALL_WEEKS].set_index(["team", "decision"])
    for name in sorted({t for t, _ in team.index}):
        none, over = team.loc[(name, "none")], team.loc[(name, "override")]
        if pd.notna(none["share"]) and none["share"] > 0.5:
            warnings.append(f"{name}: no decision recorded for {none['share']:.0%} of listed families: without feedback nobody can "
                            "say where practitioners disagree with the list.")
        elif pd.notna(over["share"]) and over["share"] < min_override_share:
            warnings.append(f"{name}: practitioners overrode {over['share']:.1%} of listed families (below {min_override_share:.0%}): "
                            "near-zero overrides can mean the list is followed without question (automation bias).")
    if overall_share > 0 and len(by_group):
        group = by_group[(by_group["week"] == ALL_WEEKS) & (by_group["decision"] == "override")].dropna(subset=["share"])
        for r in group.itertuples():
            ratio = r.share / overall_share
            if ratio >= group_ratio or ratio <= 1 / group_ratio:
                warnings.append(f"{r.attribute} {r.group}: overrides on {r.share:.1%} of its listed families against {overall_share:.1%} "
                                f"of all ({ratio:.1f} times): a large difference between groups; look at why.")
    return warnings
