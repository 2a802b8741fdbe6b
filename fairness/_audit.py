"""The fairness audit at the operating point: one call, all figures computed once."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from placerisk.fairness._findings import (
    Finding,
    assess,
    flag_level,
    multiple_comparisons,
    publish_findings,
)
from placerisk.fairness._group_stats import group_stats, score_bands
from placerisk.fairness._inputs import GroupFeature, check_labels_and_scores, encode_features
from placerisk.fairness._linked_system import build_links
from placerisk.fairness._policy import FairnessPolicy
from placerisk.fairness._selection import BAD_OPERATING_POINT, selection_mask
from placerisk.fairness._suppression import RATE_DECIMALS, publish_count
from placerisk.fairness._tables import (
    by_group_table,
    calibration_table,
    disparity_table,
    publish_all,
    reference_index,
)

OVERALL = "All families"
UNKNOWN_TABLE = "Unknown table {name!r}; expected one of {expected}."
ONE_GROUP = "sensitive feature {name!r} has one group ({label!r}); expected at least two"
NO_FEATURE_LEFT = "{detail}; no sensitive feature with at least two groups is left to audit."


@dataclass(frozen=True)
class AuditResult:
    """Everything the audit found; accessors only look results up.

    Attributes
    ----------
    policy : FairnessPolicy
    operating_point : dict
        How the list was formed: ``k`` or ``threshold``, rows, selected, cutoff score, ties.
    findings : tuple of Finding
        Flags first (primary, then secondary), then primary comparisons we cannot settle.
    traffic_light : {"red", "amber", "green"}
    multiple_comparisons : dict
        Number of comparisons, interval level used for flags, expected chance flags.
    method : dict
        Bootstrap and suppression settings, for the report's method notes; ``skipped_features``
        lists features left out because they have a single group.

    ``findings`` and ``operating_point`` are the full (unpublished) versions; the
    published ones are :meth:`findings_for` and :meth:`operating_point_for` (their
    default), which carry no count below ``min_cell_count`` and no figure from which
    one could be derived.
    """

    policy: FairnessPolicy
    operating_point: dict
    findings: tuple[Finding, ...]
    traffic_light: str
    multiple_comparisons: dict
    method: dict
    _full: dict = field(repr=False)
    _published: dict = field(repr=False)
    _published_findings: tuple = field(default=(), repr=False)

    def findings_for(self, *, published: bool = True) -> tuple[Finding, ...]:
        """The findings; ``published=True`` (the default) gives no figure where the tables withhold it."""
        return self._published_findings if published else self.findings

    def operating_point_for(self, *, published: bool = True) -> dict:
        """The operating point; ``published=True`` (the default) rounds its counts to ``round_to``
        and withholds (None) any count below ``min_cell_count``."""
        op = dict(self.operating_point)
        if not published:
            return op
        p = self.policy
        for key in ("n_rows", "n_selected", "rows_tied_at_cutoff", "tied_rows_selected"):
            op[key] = publish_count(op[key], p.min_cell_count, p.round_to)
        if op["k"] is not None and op["k"] < p.min_cell_count:
            op["k"] = None  # the list size the caller chose, shown as given unless below the limit
        rate = op["selection_rate"]
        op["selection_rate"] = None if op["n_selected"] is None or not np.isfinite(rate) else round(rate, RATE_DECIMALS)
        op["published"] = True
        return op

    @property
    def table_names(self) -> tuple[str, ...]:
        return tuple(self._full)

    def table(self, name: str, *, published: bool = True) -> pd.DataFrame:
        """A copy of table ``name`` ("overall", "by_group", "disparities", "calibration").

        ``published=True`` (the default) gives the suppressed and rounded version.
        """
        if name not in self._full:
            raise KeyError(UNKNOWN_TABLE.format(name=name, expected=", ".join(self._full)))
        return (self._published if published else self._full)[name].copy()


def audit(y_true, y_score, sensitive_features, *, k=None, threshold=None, selected=None, list_description=None,
          intersections=(), policy: FairnessPolicy | None = None, group_names=None, random_state=0) -> AuditResult:
    """Audit a risk score at its operating point, per group and intersection, with intervals.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        Observed outcome, 0 or 1.
    y_score : array-like of shape (n,)
        Any risk score (higher = higher priority); a vendor's score works too.
    sensitive_features : DataFrame
        One column per sensitive feature; missing values become the group "Missing".
    k : int, optional
        List size: the top ``k`` rows by score (ties: earlier row first).
    threshold : float, optional
        Alternatively, select rows with ``score >= threshold``.
    selected : boolean array-like of shape (n,), optional
        Alternatively, the list itself, formed by the caller (e.g. each team's top families
        under an allocation policy); ``list_description`` says in words how it was formed: a
        string, or ``{"description": ..., "tie_break": ...}``.
        Give exactly one of ``k``, ``threshold`` and ``selected``.
    intersections : sequence of tuple of str
        Column combinations audited as extra features, e.g. ``[("ethnicity", "sex")]``.
    policy : FairnessPolicy, optional
        Metrics, tolerance, reference groups, suppression and bootstrap settings.
    group_names : mapping, optional
        ``{feature: {group label: words}}``, how the report names a group, e.g.
        ``{"deprivation_quintile": {"1": "deprivation quintile 1 (most deprived)"}}``.
    random_state : int
        Seeds every resample; the same seed gives the same intervals.

    Returns
    -------
    AuditResult

    Examples
    --------
    >>> import pandas as pd
    >>> result = audit([1, 0, 1, 0, 1, 0], [.9, .8, .7, .6, .5, .4],
    ...                pd.DataFrame({"sex": ["F", "M", "F", "M", "M", "F"]}), k=2,
    ...                policy=FairnessPolicy(n_boot=20))
    >>> result.table("by_group", published=False)[["group", "selected", "tp"]].to_dict("list")
    {'group': ['F', 'M'], 'selected': [1, 1], 'tp': [1, 0]}
    """
    policy = FairnessPolicy() if policy is None else policy
    y, s = check_labels_and_scores(y_true, y_score)
    selected = given_list(selected, y.size, k, threshold) if selected is not None else selection_mask(s, k=k, threshold=threshold)
    selected = selected.astype(np.int64)
    features = encode_features(sensitive_features, y.size, intersections)
    skipped = [ONE_GROUP.format(name=f.name, label=f.labels[0]) for f in features if len(f.labels) < 2]
    features = [f for f in features if len(f.labels) >= 2]
    if not features:
        raise ValueError(NO_FEATURE_LEFT.format(detail="; ".join(skipped)))
    everyone = GroupFeature(name="all", labels=(OVERALL,), codes=np.zeros(y.size, dtype=np.int64))
    bands, edges = score_bands(s, policy.n_bands)
    band_low = np.array([s[bands == b].min() if (bands == b).any() else np.nan for b in range(policy.n_bands)])
    band_high = np.array([s[bands == b].max() if (bands == b).any() else np.nan for b in range(policy.n_bands)])
    n_comparisons = sum(len(f.labels) - 1 for f in features) * len(policy.metrics)
    level = flag_level(n_comparisons, policy)
    seeds = np.random.SeedSequence(random_state).spawn(len(features) + 1)
    y64 = y.astype(np.int64)

    groups, calibration, disparities, cells = [], [], [], []
    for feature, seed in zip([everyone, *features], seeds, strict=True):
        stats = group_stats(feature, y64, s, selected, bands, policy.n_bands, policy.n_boot,
                            np.random.default_rng(seed))
        cells.append(stats.cells)
        ref = reference_index(stats, policy) if feature is not everyone else 0
        table = by_group_table(stats, ref, policy.ci_level)
        calibration.append(calibration_table(stats, band_low, band_high, policy.ci_level))
        if feature is everyone:
            overall = table.drop(columns=["reference"])
            continue
        groups.append(table)
        disparities.append(disparity_table(stats, table, ref, policy, level))

    names = _group_names(group_names)
    disparity, findings, light = assess(pd.concat(disparities, ignore_index=True), policy, level, names)
    full = {
        "overall": overall,
        "by_group": pd.concat(groups, ignore_index=True),
        "disparities": disparity,
        "calibration": pd.concat(calibration, ignore_index=True),
    }
    links = build_links([f.codes for f in (everyone, *features)], cells)
    published = publish_all(full, policy, level, links)
    return AuditResult(
        policy=policy,
        operating_point=_operating_point(s, selected.astype(bool), k, threshold, list_description),
        findings=findings,
        traffic_light=light,
        multiple_comparisons=multiple_comparisons(n_comparisons, policy),
        method={"n_boot": policy.n_boot, "ci_level": policy.ci_level, "random_state": _seed_repr(random_state),
                "bootstrap": "stratified by group, selection fixed, multinomial cell counts",
                "min_cell_count": policy.min_cell_count, "round_to": policy.round_to,
                "n_bands": policy.n_bands, "band_edges": [float(e) for e in edges],
                "features": [f.name for f in features], "skipped_features": skipped},
        _full=full,
        _published=published,
        _published_findings=publish_findings(findings, published["disparities"]),
    )


def given_list(selected, n: int, k, threshold) -> np.ndarray:
    """The caller's list as a boolean mask of ``n`` rows (with neither ``k`` nor ``threshold``)."""
    if k is not None or threshold is not None:
        raise ValueError(BAD_OPERATING_POINT.format(k=k, threshold=threshold) + " (selected was given too)")
    mask = np.asarray(selected)
    if mask.dtype != bool or mask.shape != (n,):
        raise ValueError(f"selected must be {n} true/false values, one per row; got {mask.dtype} of shape {mask.shape}.")
    return mask


def _group_names(group_names) -> dict:
    if group_names is None:
        return {}
    return {str(f): {str(g): str(w) for g, w in dict(names).items()} for f, names in dict(group_names).items()}


def _operating_point(s: np.ndarray, selected: np.ndarray, k, threshold, description=None) -> dict:
    n_selected = int(selected.sum())
    cutoff = float(s[selected].min()) if n_selected else float("nan")
    tied = int((s == cutoff).sum()) if n_selected else 0
    tied_in = int((s[selected] == cutoff).sum()) if n_selected else 0
    if k is None and threshold is None:
        given = dict(description) if isinstance(description, dict) else {"description": description or "the list given"}
        return {"rule": "given", "description": str(given["description"]), "k": None, "threshold": None,
                "n_rows": int(s.size), "n_selected": n_selected, "selection_rate": n_selected / s.size,
                "cutoff_score": float("nan"), "rows_tied_at_cutoff": 0, "tied_rows_selected": 0,
                "tie_break": str(given.get("tie_break", "as the list was formed"))}
    return {
        "rule": "top_k" if k is not None else "threshold",
        "k": None if k is None else int(k),
        "threshold": None if threshold is None else float(threshold),
        "n_rows": int(s.size),
        "n_selected": n_selected,
        "selection_rate": n_selected / s.size,
        "cutoff_score": cutoff,
        "rows_tied_at_cutoff": tied,
        "tied_rows_selected": tied_in,
        "tie_break": "score descending, then original row position ascending (stable)",
    }


def _seed_repr(random_state):
    return random_state if isinstance(random_state, int | None) else repr(random_state)
