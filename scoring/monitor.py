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
- **Status** per team, over the latest ``window_weeks``: red when the lists' precision is clearly
  below ``min_precision`` (its Wilson interval lies below) or clearly below the rule's (Newcombe's
  interval on the difference lies below 0), each family counted once however many weeks it was
  listed; amber when either is so but not clearly, or observed / expected among the listed falls
  outside the calibration tolerance by more than the (repetition-widened) Poisson spread; green
  otherwise; "not enough outcomes yet" under :data:`MIN_FAMILIES` families. The service's status is
  its worst judged team's.

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


def _rule_listed(part: pd.DataFrame) -> np.ndarray | None:
    """The rule's list on one week (None for a week whose bundle had no rule: never read as "every family")."""
    if "baseline_listed" not in part or part["baseline_listed"].isna().all():
        return None
    return part["baseline_listed"].astype("boolean").fillna(False).to_numpy(dtype=bool)


def precision_by_team(weeks: pd.DataFrame) -> pd.DataFrame:
    """Per week and team: listed families followed (with a known outcome), outcomes and precision, the model's lists and the
    rule's (missing for a week without a rule)."""
    rows = []
    known = weeks[weeks["label"].notna()]
    for (week, team), part in known.groupby(["week", "team"], sort=True):
        y = part["label"].to_numpy(dtype=np.int64)
        n, k, p = _precision(y[(part["status"] == LISTED).to_numpy()])
        row = {"week": week, "team": team, "listed": n, "outcomes": k, "precision": p,
               "expected": float(part.loc[part["status"] == LISTED, "score"].sum())}
        rule = _rule_listed(part)
        bn, bk, bp = _precision(y[rule]) if rule is not None else (None, None, None)
        rows.append(row | {"rule_listed": bn, "rule_outcomes": bk, "rule_precision": bp})
    return pd.DataFrame(rows)


def precision_by_group(weeks: pd.DataFrame, attributes: list[str], *, min_cell_count: int, round_to: int = 1) -> pd.DataFrame:
    """Over all the weeks given, per team, attribute and group: the listed families' precision, with the fairness reports'
    disclosure control. A group's figures are withheld when it has fewer than ``min_cell_count`` listed families, or with or
    without the outcome; a team left with one withheld group in an attribute (recoverable from the team's totals) has its
    next smallest withheld too. Counts are rounded to ``round_to`` and precision to three decimals. Only pooled figures are
    given: weekly cells of a group are too small to publish, and any week shown would give a pooled cell back."""
    listed = weeks[(weeks["status"] == LISTED) & weeks["label"].notna()]
    rows = []
    for attribute in attributes:
        groups = listed[attribute].astype("string").fillna("Missing")
        for team, part in listed.groupby("team", sort=True):
            cells = []
            for group, mine in part.groupby(groups.loc[part.index], sort=True):
                n, k, p = _precision(mine["label"].to_numpy(dtype=np.int64))
                cells.append([group, n, k, p, n < min_cell_count or 0 < k < min_cell_count or 0 < n - k < min_cell_count])
            if sum(c[4] for c in cells) == 1 and len(cells) > 1:
                min((c for c in cells if not c[4]), key=lambda c: c[1])[4] = True
            for group, n, _k, p, small in cells:
                rows.append({"team": team, "attribute": attribute, "group": group,
                             "listed": None if small else int(np.floor(n / round_to + 0.5) * round_to),
                             "precision": None if small else round(p, 3), "withheld": small})
    return pd.DataFrame(rows, columns=["team", "attribute", "group", "listed", "precision", "withheld"]).astype({"listed": "Int64"})


def calibration(weeks: pd.DataFrame, sample: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Mean calibrated probability against the observed rate by tenth of the score, over the sampled rows with an outcome."""
    s = weeks[sample & weeks["label"].notna().to_numpy()]
    if s.empty:
        return pd.DataFrame(columns=["bin", "families", "mean_score", "observed_rate"])
    edges = np.unique(np.quantile(s["score"], np.linspace(0, 1, bins + 1)[1:-1]))
    b = np.searchsorted(edges, s["score"].to_numpy(), side="left")
    out = s.assign(bin=b).groupby("bin").agg(families=("score", "size"), mean_score=("score", "mean"), observed_rate=("label", "mean"))
    return out.reset_index(drop=True).rename_axis("bin").reset_index().assign(bin=lambda t: t["bin"] + 1)


def wilson(k: float, n: float, z: float) -> tuple[float, float]:
    """The Wilson score interval of a proportion ``k / n`` (``n`` may be an effective size)."""
    if n <= 0:
        return float("nan"), float("nan")
    p = k / n
    centre, half = (p + z * z / (2 * n)) / (1 + z * z / n), z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe(p1: float, n1: float, p2: float, n2: float, z: float) -> tuple[float, float]:
    """Newcombe's hybrid score interval for ``p1 - p2`` (his method 10), from the two Wilson intervals."""
    l1, u1 = wilson(p1 * n1, n1, z)
    l2, u2 = wilson(p2 * n2, n2, z)
    d = p1 - p2
    return d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


@dataclass
class TeamStatus:
    team: str
    status: str
    weeks: int
    listed: int
    families: int                    # distinct families among the listings (the effective sample size)
    precision: float | None
    rule_precision: float | None
    difference_low: float | None
    difference_high: float | None
    observed_over_expected: float | None
    reasons: list[str] = field(default_factory=list)


NOT_ENOUGH = "not enough outcomes yet"
MIN_FAMILIES = 10
"""Fewer distinct listed families with a known outcome than this in the window: a team is not judged."""


def _clean(value: float | None) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def team_status(by_team: pd.DataFrame, settings: Settings, weeks: pd.DataFrame | None = None) -> list[TeamStatus]:
    """Each team's status over its latest ``window_weeks`` monitored weeks (see the module docstring).

    A family stays on a list for weeks, so the weeks' listings are not independent: the intervals use the distinct
    families listed in the window as the sample size (from ``weeks``; every listing without it), Wilson intervals for
    a precision and Newcombe's for the difference with the rule, and the Poisson spread of the expected outcomes is
    widened by the same repetition. A team with fewer than :data:`MIN_FAMILIES` such families is not judged.
    """
    z = NormalDist().inv_cdf(0.5 + settings.confidence / 2)
    out = []
    for team, part in by_team.groupby("team", sort=False):
        recent = part.sort_values("week").tail(settings.window_weeks)
        n, k = int(recent["listed"].sum()), int(recent["outcomes"].sum())
        distinct, distinct_rule = n, None
        if weeks is not None:
            mine = weeks[(weeks["team"] == team) & weeks["week"].isin(recent["week"]) & weeks["label"].notna()]
            distinct = int(mine.loc[mine["status"] == LISTED, "family_id"].nunique())
            rule = _rule_listed(mine) if len(mine) else None
            distinct_rule = int(mine.loc[rule, "family_id"].nunique()) if rule is not None else None
        span = f"over {len(recent)} week{'s' if len(recent) != 1 else ''} ({distinct} distinct families)"
        if distinct < MIN_FAMILIES:
            out.append(TeamStatus(team, NOT_ENOUGH, len(recent), n, distinct, _clean(k / n if n else None), None, None, None, None,
                                  [f"{team}: {distinct} listed families with a known outcome {span}; at least {MIN_FAMILIES} are needed to judge."]))
            continue
        p = k / n
        expected = float(recent["expected"].sum())
        ratio = k / expected if expected > 0 else None
        status, reasons = "green", []
        ruled = recent.dropna(subset=["rule_listed"]) if "rule_listed" in recent else recent.iloc[:0]
        rule_p = low = high = None
        if len(ruled) and ruled["rule_listed"].sum() > 0:
            rn, rk = int(ruled["rule_listed"].sum()), int(ruled["rule_outcomes"].sum())
            rule_p = rk / rn
            low, high = newcombe(p, distinct, rule_p, distinct_rule or rn, z)
        upper = wilson(p * distinct, distinct, z)[1]
        if p < settings.min_precision:
            clearly = upper < settings.min_precision
            status = "red" if clearly else "amber"
            reasons.append(f"{team}: precision at capacity {p:.3f} {span}, below the minimum of {settings.min_precision:.2f}"
                           + (f" (clearly: the {settings.confidence:.0%} interval reaches {upper:.3f})." if clearly
                              else f" (not clearly: the interval reaches {upper:.3f})."))
        if rule_p is not None and high < 0:
            status = "red"
            reasons.append(f"{team}: precision at capacity {p:.3f} against the rule's {rule_p:.3f} {span}: clearly worse than the rule "
                           f"({settings.confidence:.0%} interval on the difference {low:+.3f} to {high:+.3f}).")
        elif rule_p is not None and p < rule_p:
            status = _worse(status, "amber")
            reasons.append(f"{team}: precision at capacity {p:.3f} below the rule's {rule_p:.3f} {span} (not clearly: interval "
                           f"{low:+.3f} to {high:+.3f}).")
        spread = z * np.sqrt(expected * n / max(distinct, 1))  # a family listed in m weeks counts m times: widen by the repetition
        if ratio is not None and not settings.ratio_low <= ratio <= settings.ratio_high and abs(k - expected) > spread:
            status = _worse(status, "amber")
            reasons.append(f"{team}: {k} outcomes among listed families against {expected:.1f} expected {span} (ratio {ratio:.2f}, "
                           f"outside {settings.ratio_low:g} to {settings.ratio_high:g}): the probabilities are off.")
        out.append(TeamStatus(team, status, len(recent), n, distinct, _clean(p), _clean(rule_p), _clean(low), _clean(high), _clean(ratio),
                              reasons))
    return out


def _worse(a: str, b: str) -> str:
    return max(a, b, key=STATUSES.index)


def overall(statuses: list[TeamStatus]) -> str:
    """The worst judged team's status; "not enough outcomes yet" when no team could be judged (green is never claimed then)."""
    judged = [s.status for s in statuses if s.status in STATUSES]
    return max(judged, key=STATUSES.index) if judged else NOT_ENOUGH


def override_warnings(by_team: pd.DataFrame, by_group: pd.DataFrame, overall_share: float, *, min_override_share: float,
                      group_ratio: float, min_listed: int = 10, overrides: int | None = None) -> list[str]:
    """Warnings from the override rates over all weeks: little or no feedback, near-zero overrides, large differences between groups.

    ``by_team``: ``override_rates(by="team")``; ``by_group``: ``override_rates`` per attribute, with ``attribute`` and ``group``
    columns; ``overall_share``: overrides among all listed families, ``overrides`` their number. Withheld cells, groups of
    fewer than ``min_listed`` listed families, and any group when there are fewer than ``min_listed`` overrides in all
    (nothing to compare), are not judged.
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
    if overall_share > 0 and len(by_group) and (overrides is None or overrides >= min_listed):
        group = by_group[(by_group["week"] == ALL_WEEKS) & (by_group["decision"] == "override")].dropna(subset=["share", "listed"])
        group = group[group["listed"] >= min_listed]
        for r in group.itertuples():
            ratio = r.share / overall_share
            if ratio >= group_ratio or ratio <= 1 / group_ratio:
                warnings.append(f"{r.attribute} {r.group}: overrides on {r.share:.1%} of its listed families against {overall_share:.1%} "
                                f"of all ({ratio:.1f} times): a large difference between groups; look at why.")
    return warnings
