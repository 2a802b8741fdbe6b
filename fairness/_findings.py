"""Flags, the traffic light and plain-English sentences for the ethics panel."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from placerisk.fairness._metrics import LABELS, PHRASES
from placerisk.fairness._policy import FairnessPolicy

OUTSIDE, WITHIN, INCONCLUSIVE, NOT_ASSESSABLE = "outside", "within", "inconclusive", "not assessable"
DISPARITY_COLUMNS = ("feature", "group", "reference_group", "metric", "primary", "value", "reference_value", "ratio",
                     "ratio_low", "ratio_high", "difference", "difference_low", "difference_high", "min_count")
RED, AMBER, GREEN = "red", "amber", "green"


@dataclass(frozen=True)
class Finding:
    """One comparison the panel should read: a flag, or a primary metric we cannot settle."""

    feature: str
    group: str
    reference_group: str
    metric: str
    primary: bool
    status: str
    ratio: float
    ratio_low: float
    ratio_high: float
    sentence: str

    def to_dict(self) -> dict:
        return {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in self.__dict__.items()}


def status(ratio_low: float, ratio_high: float, assessable: bool, policy: FairnessPolicy) -> str:
    """Flag only when the whole interval lies outside ``[ratio_low, ratio_high]``."""
    if not assessable or not (np.isfinite(ratio_low) and np.isfinite(ratio_high)):
        return NOT_ASSESSABLE
    if ratio_high < policy.ratio_low or ratio_low > policy.ratio_high:
        return OUTSIDE
    if ratio_low >= policy.ratio_low and ratio_high <= policy.ratio_high:
        return WITHIN
    return INCONCLUSIVE


def _num(x: float) -> str:
    return f"{x:.2f}"


def sentence(row, policy: FairnessPolicy, level: float, withheld: bool = False) -> str:
    """A plain-English sentence for one disparity row.

    ``withheld=True`` (published output whose figures are suppressed) gives a sentence
    with no figure: only the status and, for a flag, its direction.
    """
    who = f"group {row['group']} ({row['feature']})"
    ref = f"group {row['reference_group']}"
    label = LABELS[row["metric"]]
    tolerance = f"the panel's tolerance of {policy.ratio_low:g}–{policy.ratio_high:g}"
    pct = f"{100 * level:.4g}%"
    if row["status"] == NOT_ASSESSABLE:
        return (f"We cannot assess the {label} of {who} against {ref}: too few families "
                f"(a count below {policy.min_cell_count}) or the rate is undefined.")
    if withheld:
        why = (f"the figures are withheld because a count behind them (in one of the groups of "
               f"{row['feature']}) is below {policy.min_cell_count} or would reveal one")
        if row["status"] == OUTSIDE:
            return (f"The {label} of {who} differs from {ref}'s by more than {tolerance} allows "
                    f"(the whole {pct} interval lies outside it); {why}.")
        if row["status"] == INCONCLUSIVE:
            return (f"We cannot tell whether the {label} of {who} is within {tolerance} of {ref}'s: "
                    f"the {pct} interval is too wide; {why}.")
        return f"The {label} of {who} is within {tolerance} of {ref}'s ({pct} interval); {why}."
    phrase, compare = PHRASES[row["metric"]]
    head = f"{phrase.format(who=who)} {_num(row['ratio'])} times {compare} those in {ref}"
    interval = f"{pct} interval {_num(row['ratio_low'])} to {_num(row['ratio_high'])}"
    if row["status"] == OUTSIDE:
        return f"{head} ({interval}), outside {tolerance}."
    if row["status"] == INCONCLUSIVE:
        return f"{head}, but the {interval} is too wide to tell whether this is within {tolerance}."
    return f"{head} ({interval}), within {tolerance}."


def assess(disparities: pd.DataFrame, policy: FairnessPolicy, level: float) -> tuple[pd.DataFrame, tuple[Finding, ...], str]:
    """Add ``status`` and ``sentence`` to a copy of ``disparities``; return it, the findings and the light.

    Red: a primary metric is outside tolerance. Amber: only secondary metrics are
    outside, or a primary comparison is inconclusive or not assessable. Green: neither.
    """
    table = disparities.copy()
    if table.empty:
        table = pd.DataFrame(columns=[*DISPARITY_COLUMNS, "status", "sentence"])
        return table, (), GREEN
    assessable = table["min_count"].to_numpy() >= policy.min_cell_count
    table["status"] = [status(lo, hi, ok, policy) for lo, hi, ok in
                       zip(table["ratio_low"], table["ratio_high"], assessable, strict=True)]
    table["sentence"] = [sentence(row, policy, level) for _, row in table.iterrows()]
    primary = table["primary"].to_numpy(dtype=bool)
    flagged = table["status"] == OUTSIDE
    unsettled = table["status"].isin([INCONCLUSIVE, NOT_ASSESSABLE])
    if (flagged & primary).any():
        light = RED
    elif flagged.any() or (unsettled & primary).any():
        light = AMBER
    else:
        light = GREEN
    keep = table[flagged | (unsettled & primary)]
    order = keep.assign(_rank=np.select([keep["primary"] & (keep["status"] == OUTSIDE), keep["status"] == OUTSIDE,
                                         keep["status"] == INCONCLUSIVE], [0, 1, 2], 3)).sort_values("_rank", kind="stable")
    findings = tuple(Finding(feature=r.feature, group=r.group, reference_group=r.reference_group, metric=r.metric,
                             primary=bool(r.primary), status=r.status, ratio=float(r.ratio),
                             ratio_low=float(r.ratio_low), ratio_high=float(r.ratio_high), sentence=r.sentence)
                     for r in order.itertuples())
    return table, findings, light


def publish_findings(findings: tuple[Finding, ...], published: pd.DataFrame) -> tuple[Finding, ...]:
    """The findings as published: figures and sentences taken from the published disparities
    table, so a comparison whose figures are withheld (or not assessable) carries none."""
    if not findings:
        return ()
    rows = published.set_index(["feature", "group", "metric"])
    out = []
    for f in findings:
        row = rows.loc[(f.feature, f.group, f.metric)]
        shown = {k: float(row[k]) for k in ("ratio", "ratio_low", "ratio_high")}
        if f.status == NOT_ASSESSABLE or "ratio" in tuple(row["suppressed"]):
            shown = dict.fromkeys(shown, float("nan"))
        out.append(Finding(feature=f.feature, group=f.group, reference_group=f.reference_group, metric=f.metric,
                           primary=f.primary, status=f.status, sentence=str(row["sentence"]), **shown))
    return tuple(out)


def multiple_comparisons(n_comparisons: int, policy: FairnessPolicy) -> dict:
    """How many comparisons were made and how many flags chance alone could produce."""
    level = flag_level(n_comparisons, policy)
    per = (1 - level) / 2
    return {
        "comparisons": int(n_comparisons),
        "adjust": policy.adjust,
        "interval_level": level,
        "false_flag_probability_each": per,
        "expected_false_flags_at_most": n_comparisons * per,
        "bonferroni_level": 1 - (1 - policy.ci_level) / max(n_comparisons, 1),
    }


def flag_level(n_comparisons: int, policy: FairnessPolicy) -> float:
    """Interval coverage used for flags: ``ci_level``, or Bonferroni-adjusted."""
    if policy.adjust == "bonferroni" and n_comparisons > 1:
        return 1 - (1 - policy.ci_level) / n_comparisons
    return policy.ci_level
