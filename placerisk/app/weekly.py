"""The weekly run's edges: the cohort scored on one date, families' flags, reasons, last week's lists, drift.

The champion and the policy the panel approved come from :mod:`placerisk.app.champion`; the
extracts are checked as for every build (validated, unchanged, the date within what they allow).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import numpy as np
import pandas as pd

from placerisk.app import published, tracking
from placerisk.app.catalog import Catalog
from placerisk.app.feedback import read_store, store_hash
from placerisk.app.monitor import calibration_sample
from placerisk.app.training_rows import sensitive_attributes
from placerisk.config import Config
from placerisk.features import FeatureSet
from placerisk.features.evidence import latest_records
from placerisk.models import RiskModel
from placerisk.models.allocation import HELD, OBJECTED, SUPPORTED, Allocation, allocate
from placerisk.models.drift import MODERATE, SCORE, SIGNIFICANT
from placerisk.scoring.feedback import Flags, effective, flags
from placerisk.scoring.reasons import worded


def cohort_frame(table, risk: RiskModel) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The cohort on the date, one row per family ordered by family id: ``family_id``, ``team``, score, band and rank
    score; the model inputs; and the audit attributes (for a mitigation and the listed shares), row for row."""
    frame = table.to_pandas(date_as_object=True).sort_values("family_id", kind="stable").reset_index(drop=True)
    X = frame[list(risk.feature_names)]
    return cohort_of(frame, risk.predict(X).reset_index(drop=True)), X, groups_of(frame)


def cohort_of(frame: pd.DataFrame, scored: pd.DataFrame) -> pd.DataFrame:
    """``family_id`` and ``team`` of ``frame`` beside the bundle's ``score``, ``band`` and ``rank_score``, row for row."""
    scored = scored[["score", "band", "rank_score"]].reset_index(drop=True).astype({"score": np.float64, "band": np.int64, "rank_score": np.float64})
    return pd.concat([frame[["family_id", "team"]].astype({"family_id": str, "team": str}).reset_index(drop=True), scored], axis=1)


def groups_of(frame: pd.DataFrame) -> pd.DataFrame:
    """The audit attributes of ``frame``'s families (never model inputs), row for row."""
    return sensitive_attributes(frame).drop(columns="team", errors="ignore").reset_index(drop=True)


def family_flags(con, as_of: dt.date, family_ids: np.ndarray) -> tuple[np.ndarray, set[str]]:
    """``(supported mask over family_ids, objecting family ids)`` on ``as_of`` from the validated engagements and objections."""
    day = as_of.isoformat()
    open_ = {r[0] for r in con.execute("SELECT DISTINCT family_id FROM engagements WHERE started <= CAST(? AS DATE) "
                                       "AND (ended IS NULL OR ended >= CAST(? AS DATE))", [day, day]).fetchall()}
    objected = {r[0] for r in con.execute("SELECT DISTINCT family_id FROM objections WHERE family_id IS NOT NULL").fetchall()}
    return pd.Series(family_ids).isin(open_).to_numpy(), objected  # hashed: np.isin on text compares every pair


def reasons_for(fetch, fs: FeatureSet, risk: RiskModel, X_listed: pd.DataFrame, listed_ids, as_of: dt.date) -> pd.DataFrame:
    """The top three reasons of each listed family (only those: contributions cost about 90 predictions each), worded, dated.

    ``X_listed``: the listed families' model inputs, row for row with ``listed_ids``.
    """
    listed_ids = np.asarray(listed_ids)
    if listed_ids.size == 0:
        return pd.DataFrame(columns=["family_id", "rank", "feature", "words", "source", "latest_record"])
    top = risk.explain(X_listed.reset_index(drop=True), top=3)
    top["family_id"] = listed_ids[top["row"].to_numpy()]
    top = worded(fs, top)
    dates = latest_records(fetch, fs, as_of, list(zip(top["family_id"], top["feature"], strict=True)))
    return top.merge(dates, on=["family_id", "feature"], how="left")


def previous_lists(catalog: Catalog, as_of: dt.date) -> tuple[dt.date | None, pd.DataFrame | None]:
    """The latest published week before ``as_of`` and its listed families (``family_id``, ``team``), from its team CSVs."""
    before = [w for w in published.weeks(catalog) if w < as_of]
    if not before:
        return None, None
    return before[-1], published.listed(catalog, before[-1])[["family_id", "team"]]


def config_hash(config: Config) -> str:
    return hashlib.sha256(tracking.resolved_config_yaml(config).encode()).hexdigest()[:16]


def feedback_flags(config: Config, catalog: Catalog, cohort: pd.DataFrame, as_of: dt.date, data_fingerprint: str) -> tuple[Flags, dict]:
    """What practitioners' decisions (made by ``as_of``) do to this week's lists, and the store's hash and counts for the manifest."""
    store = catalog.feedback_store
    decisions = effective(read_store(store), as_of)
    f = flags(decisions, cohort["family_id"], cohort["band"], as_of, hold_weeks=config.feedback.hold_weeks,
              band_rise=config.feedback.band_rise, data_fingerprint=data_fingerprint)
    return f, {"store": str(store), "store_sha256": store_hash(store), "decisions_in_force": len(decisions),
               "engaged": int(f.engaged.sum()), "held": int(f.held.sum()), "back": int(f.back.sum()),
               "hold_weeks": config.feedback.hold_weeks, "band_rise": config.feedback.band_rise}


def baseline_lists(score: np.ndarray | None, cohort: pd.DataFrame, lists: Allocation) -> np.ndarray | None:
    """The best rule baseline's own lists from its ``score`` on the same families (same capacity, same families supported,
    held or objected; no mitigation, as an analyst would apply the rule); None for a bundle without one."""
    if score is None:
        return None
    status = lists.status
    rule = allocate(score, team=cohort["team"], family_id=cohort["family_id"], policy=lists.policy.with_mitigation(None),
                    supported=status == SUPPORTED, held=status == HELD, objected=status == OBJECTED)
    return rule.listed


def monitoring_frame(cohort: pd.DataFrame, groups: pd.DataFrame, lists: Allocation, baseline_score, baseline_listed) -> pd.DataFrame:
    """The week's scored cohort as the monitor reads it later: scores, statuses, places, the rule's list and the audit groups;
    ``monitor`` marks the rows it needs (listed by the model or the rule, or in the calibration sample)."""
    frame = cohort[["family_id", "team", "score", "band", "rank_score"]].assign(status=lists.status.astype(str), place=lists.place)
    sample = calibration_sample(cohort["family_id"])
    frame = frame.assign(sample=sample)
    keep = lists.listed | sample
    if baseline_score is not None:
        frame = frame.assign(baseline_score=baseline_score, baseline_listed=baseline_listed)
        keep = keep | baseline_listed
    return pd.concat([frame.assign(monitor=keep), groups.reset_index(drop=True).astype("string")], axis=1)


def drift(risk: RiskModel, cohort: pd.DataFrame, groups: pd.DataFrame, *, X: pd.DataFrame | None = None, counts: dict | None = None) -> dict:
    """The cohort against the reference pinned at training: PSI for the score, each input and each group make-up, with warnings.

    The score and inputs are read from ``X`` beside the cohort, or given as bin ``counts`` (``DriftReference.counts_like``,
    added up where the rows are: Spark's executors).
    """
    ref = risk.drift_reference
    if ref is None:
        return {"status": "not measured", "why": "the champion's bundle has no drift reference (trained before drift was measured): retrain"}
    categorical = groups.reset_index(drop=True).assign(team=cohort["team"].to_numpy())
    if counts is None:
        numeric = pd.concat([pd.DataFrame({SCORE: cohort["score"].to_numpy()}), X.reset_index(drop=True)], axis=1)
        table = ref.compare(numeric, categorical)
    else:
        table = ref.compare_counts(counts, len(cohort), categorical)
    worst = table.sort_values("psi", ascending=False, kind="stable")
    significant = worst[worst["band"] == "significant"]
    name = {SCORE: "the score"}
    warnings = [f"{name.get(r.column, r.column)}: PSI {r.psi:.3f} (above {SIGNIFICANT:.2f}: a significant shift since training)"
                for r in significant.itertuples()]
    return {"reference": {"date": ref.date, "rows": ref.rows}, "cohort": len(cohort), "cohort_vs_reference": len(cohort) / ref.rows,
            "bands": {"stable": f"below {MODERATE:.2f}", "moderate": f"{MODERATE:.2f} to {SIGNIFICANT:.2f}",
                      "significant": f"{SIGNIFICANT:.2f} and above"},
            "status": "significant" if len(significant) else "moderate" if (table["band"] == "moderate").any() else "stable",
            "warnings": warnings, "psi": [{"kind": r.kind, "column": name.get(r.column, r.column), "psi": round(float(r.psi), 6), "band": r.band}
                                          for r in worst.itertuples()],
            "makeup": ref.makeup(categorical).round(6).to_dict("records")}


def monitor_status(catalog: Catalog, as_of: dt.date) -> dict:
    """The status of the latest monitor report dated on or before ``as_of`` (kept earlier reports, ``<date>.replaced-...``,
    are never read), for the manifest and the VRU summary; "not yet run" before the first."""
    root = catalog.monitor_root
    dated = [(d, p) for p in (root.iterdir() if root.is_dir() else []) if (d := published.as_date(p.name)) and (p / "report.json").is_file()]
    runs = sorted(pair for pair in dated if pair[0] <= as_of)
    if not runs:
        return {"status": "not yet run", "why": f"no monitor report dated on or before {as_of} (placerisk monitor): outcomes are known "
                                                "a horizon after a list"}
    report = json.loads((runs[-1][1] / "report.json").read_text(encoding="utf-8"))
    return {"status": report["status"], "on": report["on"], "reasons": report.get("reasons", []), "report": str(runs[-1][1] / "report.html")}
