"""Flags, the traffic light and plain-English sentences for the ethics panel."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from placerisk.fairness._metrics import LABELS, PHRASES
from placerisk.fairness._policy import FairnessPolicy

OUTSIDE, WITHIN, INCONCLUSIVE, NOT_ASSESSABLE = "outside", "within", "inconclusive", "not assessable"
DISPARITY_COLUMNS = ("feature", "group", "reference_group", "metric", "primary", "value", "reference_value", "ratio",
                     "ratio_low", "ratio_high", "difference", "difference_low", "difference_high", "min_count")
RED, AMBER, GREEN = "red", "amber", "green"
#: Metrics that say the same thing about one comparison (one is 1 minus the other): one finding, one id.
COMPLEMENTS = {"false_negative_rate": "recall"}
SERIOUSNESS = {OUTSIDE: 0, INCONCLUSIVE: 1, NOT_ASSESSABLE: 2, WITHIN: 3}


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.+-]+", "_", str(text)).strip("_") or "_"


def finding_id(feature: str, group: str, metric: str) -> str:
    """A stable id for one comparison, e.g. ``F-ethnicity-Black-recall``; recall and the false-negative
    rate (complements) share one id."""
    return f"F-{_slug(feature)}-{_slug(group)}-{COMPLEMENTS.get(metric, metric)}"


def unique_ids(table: pd.DataFrame) -> list[str]:
    """:func:`finding_id` of every row; where two different comparisons would share an id (labels that differ only in
    characters the id leaves out, e.g. "Black British" and "Black/British"), each of them gets a short hash of its
    feature and group, so no finding can stand for another's."""
    ids = [finding_id(f, g, m) for f, g, m in zip(table["feature"], table["group"], table["metric"], strict=True)]
    owners: dict[str, set] = {}
    for i, f, g in zip(ids, table["feature"], table["group"], strict=True):
        owners.setdefault(i, set()).add((str(f), str(g)))
    out = []
    for i, f, g, m in zip(ids, table["feature"], table["group"], table["metric"], strict=True):
        if len(owners[i]) > 1:
            tag = hashlib.blake2b(f"{f}\x1f{g}".encode(), digest_size=3).hexdigest()
            i = f"F-{_slug(f)}-{_slug(g)}.{tag}-{COMPLEMENTS.get(m, m)}"
        out.append(i)
    return out


def group_name(feature: str, group: str, names: dict | None = None) -> str:
    """How a report names a group of families: the caller's words (``names[feature][group]``), else
    "families in group G (feature)"."""
    return (names or {}).get(str(feature), {}).get(str(group)) or f"families in group {group} ({feature})"


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
    id: str = ""
    covers: tuple[str, ...] = ()     # the metrics this one finding stands for (a metric and its complement)

    @property
    def red(self) -> bool:
        """A primary metric outside tolerance: what turns the light red (and what the panel must accept by id)."""
        return self.primary and self.status == OUTSIDE

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
    who = row.get("group_name") or group_name(row["feature"], row["group"])
    ref = row.get("reference_name") or group_name(row["feature"], row["reference_group"])
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
            return (f"The {label} of {who} differs from that of {ref} by more than {tolerance} allows "
                    f"(the whole {pct} interval lies outside it); {why}.")
        if row["status"] == INCONCLUSIVE:
            return (f"We cannot tell whether the {label} of {who} is within {tolerance} of that of {ref}: "
                    f"the {pct} interval is too wide; {why}.")
        return f"The {label} of {who} is within {tolerance} of that of {ref} ({pct} interval); {why}."
    phrase, compare = PHRASES[row["metric"]]
    text = phrase.format(who=who)
    head = f"{text[0].upper()}{text[1:]} {_num(row['ratio'])} times {compare} {ref}"
    interval = f"{pct} interval {_num(row['ratio_low'])} to {_num(row['ratio_high'])}"
    if row["status"] == OUTSIDE:
        return f"{head} ({interval}), outside {tolerance}."
    if row["status"] == INCONCLUSIVE:
        return f"{head}, but the {interval} is too wide to tell whether this is within {tolerance}."
    return f"{head} ({interval}), within {tolerance}."


def assess(disparities: pd.DataFrame, policy: FairnessPolicy, level: float,
           names: dict | None = None) -> tuple[pd.DataFrame, tuple[Finding, ...], str]:
    """Add ``id``, ``status`` and ``sentence`` to a copy of ``disparities``; return it, the findings and the light.

    Red: a primary metric is outside tolerance. Amber: only secondary metrics are
    outside, or a primary comparison is inconclusive or not assessable. Green: neither.
    A comparison's metric and its complement (recall and false-negative rate) give one
    finding, the more serious of the two; ``names`` words the groups (see :func:`group_name`).
    """
    table = disparities.copy()
    if table.empty:
        table = pd.DataFrame(columns=[*DISPARITY_COLUMNS, "id", "group_name", "reference_name", "status", "sentence"])
        return table, (), GREEN
    table["id"] = unique_ids(table)
    table["group_name"] = [group_name(f, g, names) for f, g in zip(table["feature"], table["group"], strict=True)]
    table["reference_name"] = [group_name(f, g, names) for f, g in zip(table["feature"], table["reference_group"], strict=True)]
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
    keep = _one_per_comparison(table[flagged | (unsettled & primary)])
    order = keep.assign(_rank=np.select([keep["primary"] & (keep["status"] == OUTSIDE), keep["status"] == OUTSIDE,
                                         keep["status"] == INCONCLUSIVE], [0, 1, 2], 3)).sort_values("_rank", kind="stable")
    covers = table.groupby("id")["metric"].agg(tuple).to_dict()
    findings = tuple(Finding(feature=r.feature, group=r.group, reference_group=r.reference_group, metric=r.metric,
                             primary=bool(r.primary), status=r.status, ratio=float(r.ratio),
                             ratio_low=float(r.ratio_low), ratio_high=float(r.ratio_high), sentence=r.sentence,
                             id=r.id, covers=tuple(covers[r.id]))
                     for r in order.itertuples())
    return table, findings, light


def _one_per_comparison(keep: pd.DataFrame) -> pd.DataFrame:
    """Of a metric and its complement on one comparison, the more serious (recall first on equal status)."""
    ranked = keep.assign(_serious=keep["status"].map(SERIOUSNESS), _complement=keep["metric"].isin(list(COMPLEMENTS)))
    ranked = ranked.sort_values(["_serious", "_complement"], kind="stable")
    first = ~ranked.duplicated("id")
    return keep.loc[sorted(ranked.index[first.to_numpy()])]


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
                           primary=f.primary, status=f.status, sentence=str(row["sentence"]), id=f.id, covers=f.covers,
                           **shown))
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
