"""The weekly run's edges: the champion and the policy the panel approved, the cohort scored on one date, last week's lists.

The champion is the registry's ``champion`` alias, cross-checked with the append-only decisions
log, which also holds the approved allocation policy (with its mitigation, if any). Its bundle
must define its features exactly as the config does today; the extracts are checked as for every
build (validated, unchanged, the date within what they allow).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import mlflow
import numpy as np
import pandas as pd

from placerisk.app import registry, specs, tracking
from placerisk.app.catalog import Catalog
from placerisk.app.decisions import champion_on, read
from placerisk.app.training_rows import sensitive_attributes
from placerisk.config import Config
from placerisk.errors import UserError
from placerisk.features import FeatureSet
from placerisk.features.evidence import latest_records
from placerisk.models import RiskModel
from placerisk.models.allocation import AllocationPolicy
from placerisk.scoring.reasons import worded


@dataclass
class Champion:
    model: str
    version: str
    run_id: str
    uri: str
    risk: RiskModel
    decision: dict          # the alias change in the decisions log that made it champion
    policy: AllocationPolicy  # as approved (its weeks are the audited horizon; the weekly list is one week of it)
    history: list[dict]


def champion(config: Config) -> Champion:
    """The champion, its bundle and its approved allocation policy; UserError with what to do when any is missing."""
    tracking.connect(config)
    client = mlflow.MlflowClient()
    model = config.mlflow.registered_model
    holder = registry.alias_holder(client, model, "champion")
    if holder is None:
        raise UserError(f"model {model!r} has no champion in {tracking.tracking_uri(config)}: train one (placerisk train), then the "
                        "ethics panel approves it (placerisk findings; placerisk approve --version candidate --decision approve ...)")
    log = Catalog(config).decisions_log
    records = [r for r in read(log) if r.get("model") == model]
    decision = champion_on(records, model, dt.datetime.now(dt.UTC))
    if decision is None or str(decision.get("version")) != holder:
        logged = "none" if decision is None else f"version {decision.get('version')}"
        raise UserError(f"the registry's champion of {model!r} is version {holder}, but the decisions log ({log}) says {logged}: the alias "
                        "was moved outside `placerisk approve`; approve the version again, or restore the alias")
    if not decision.get("allocation_policy"):
        raise UserError(f"the approval of {model!r} version {holder} ({decision.get('at')}) records no allocation policy (it predates "
                        "per-team lists): approve it again with `placerisk approve`")
    version = client.get_model_version(model, holder)
    uri = f"models:/{model}/{holder}"
    try:
        risk = mlflow.pyfunc.load_model(uri).unwrap_python_model().risk_model
    except Exception as err:  # noqa: BLE001 - any failure to read the artefact is the same user-facing problem
        raise UserError(f"the champion's model files ({uri}, run {version.run_id}) could not be loaded ({type(err).__name__}: "
                        f"{str(err)[:200]}): restore the artefact store or approve another version") from None
    return Champion(model, holder, version.run_id, uri, risk, decision, AllocationPolicy.from_dict(decision["allocation_policy"]),
                    [r for r in records if r.get("event") == "alias" and r.get("alias") == "champion"])


def check_definitions(config: Config, risk: RiskModel) -> FeatureSet:
    """The bundle's feature set, which must be the config's today (else the model would read other features)."""
    if not risk.feature_definitions:
        raise UserError("the champion's bundle holds no feature definitions: retrain it with `placerisk train`")
    theirs, ours = FeatureSet.from_dict(risk.feature_definitions), specs.feature_set(config)
    if theirs.fingerprint() != ours.fingerprint():
        raise UserError(f"the champion's feature definitions (hash {theirs.fingerprint()}) differ from the config's ({ours.fingerprint()}): "
                        "a source, event type, window or group changed since it was trained; retraining is due (placerisk train)")
    return theirs


def cohort_frame(table, risk: RiskModel) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The cohort on the date, one row per family ordered by family id: ``family_id``, ``team``, score, band and rank
    score; the model inputs; and the audit attributes (for a mitigation and the listed shares), row for row."""
    frame = table.to_pandas(date_as_object=True).sort_values("family_id", kind="stable").reset_index(drop=True)
    X = frame[list(risk.feature_names)]
    cohort = pd.concat([frame[["family_id", "team"]].astype({"family_id": str, "team": str}), risk.predict(X).reset_index(drop=True)], axis=1)
    return cohort, X, sensitive_attributes(frame).drop(columns="team", errors="ignore")


def family_flags(con, as_of: dt.date, family_ids: np.ndarray) -> tuple[np.ndarray, set[str]]:
    """``(supported mask over family_ids, objecting family ids)`` on ``as_of`` from the validated engagements and objections."""
    day = as_of.isoformat()
    open_ = {r[0] for r in con.execute("SELECT DISTINCT family_id FROM engagements WHERE started <= CAST(? AS DATE) "
                                       "AND (ended IS NULL OR ended >= CAST(? AS DATE))", [day, day]).fetchall()}
    objected = {r[0] for r in con.execute("SELECT DISTINCT family_id FROM objections WHERE family_id IS NOT NULL").fetchall()}
    return pd.Series(family_ids).isin(open_).to_numpy(), objected  # hashed: np.isin on text compares every pair


def reasons_for(con, fs: FeatureSet, risk: RiskModel, X: pd.DataFrame, cohort: pd.DataFrame, listed: np.ndarray, as_of: dt.date) -> pd.DataFrame:
    """The top three reasons of each listed family (only those: contributions cost about 90 predictions each), worded, dated."""
    rows = np.flatnonzero(listed)
    if rows.size == 0:
        return pd.DataFrame(columns=["family_id", "rank", "feature", "words", "source", "latest_record"])
    top = risk.explain(X.iloc[rows].reset_index(drop=True), top=3)
    top["family_id"] = cohort["family_id"].to_numpy()[rows][top["row"].to_numpy()]
    top = worded(fs, top)
    dates = latest_records(con, fs, as_of, list(zip(top["family_id"], top["feature"], strict=True)))
    return top.merge(dates, on=["family_id", "feature"], how="left")


def previous_lists(catalog: Catalog, as_of: dt.date) -> tuple[dt.date | None, pd.DataFrame | None]:
    """The latest published week before ``as_of`` and its listed families (``family_id``, ``team``), from its team CSVs."""
    root = catalog.lists_root
    if not root.is_dir():
        return None, None
    weeks = sorted(d for d in (_as_date(p.name) for p in root.iterdir() if p.is_dir() and (p / "manifest.json").is_file()) if d and d < as_of)
    if not weeks:
        return None, None
    folder = catalog.lists(weeks[-1])
    parts = [pd.read_csv(p, dtype=str, keep_default_na=False) for p in sorted((folder / "teams").glob("*/list.csv"))]
    listed = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["Team", "Family (pseudonymous id)"])
    return weeks[-1], pd.DataFrame({"family_id": listed["Family (pseudonymous id)"], "team": listed["Team"]})


def _as_date(name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(name)
    except ValueError:
        return None


def config_hash(config: Config) -> str:
    import hashlib

    return hashlib.sha256(tracking.resolved_config_yaml(config).encode()).hexdigest()[:16]

