"""The champion in use: its bundle and approved policy, and whether it still fits today's config and data.

The champion is the registry's ``champion`` alias, cross-checked with the append-only decisions
log, which also holds the approved allocation policy (with its mitigation, if any). A champion
whose feature definitions no longer match the config (a source added or removed, an event
type renamed, a window changed) is refused by the weekly run and reported by ``train``, naming
what changed; one whose data no longer matches its definitions (an event type it reads has
gone quiet, or a partner sends codes the config does not know) is warned about.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import mlflow

from placerisk.app import registry, specs, tracking
from placerisk.app.catalog import Catalog
from placerisk.app.decisions import champion_on, read
from placerisk.config import Config
from placerisk.errors import UserError
from placerisk.features import FeatureSet
from placerisk.features.definitions import changes
from placerisk.models import RiskModel
from placerisk.models.allocation import AllocationPolicy

QUIET_MONTHS = 12   # an event type the champion reads with no record for this long, while its source has records, has gone quiet


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


def holder(config: Config) -> str | None:
    """The version holding the registry's ``champion`` alias, or None."""
    tracking.connect(config)
    return registry.alias_holder(mlflow.MlflowClient(), config.mlflow.registered_model, "champion")


def current(config: Config) -> Champion | None:
    """The champion (see :func:`champion`), or None when no version holds the alias."""
    return None if holder(config) is None else champion(config)


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


def definitions(risk: RiskModel) -> FeatureSet:
    """The feature set the bundle was trained with."""
    if not risk.feature_definitions:
        raise UserError("the champion's bundle holds no feature definitions: retrain it with `placerisk train`")
    return FeatureSet.from_dict(risk.feature_definitions)


def definition_changes(config: Config, risk: RiskModel) -> list[str]:
    """What changed in the config's feature definitions since the champion was trained (empty when nothing did)."""
    return changes(definitions(risk), specs.feature_set(config))


def check_definitions(config: Config, risk: RiskModel) -> FeatureSet:
    """The bundle's feature set, which must be the config's today (else the model would read other features)."""
    theirs, ours = definitions(risk), specs.feature_set(config)
    changed = changes(theirs, ours)
    if changed:
        raise UserError(f"the champion's feature definitions (hash {theirs.fingerprint()}) no longer match the config's "
                        f"({ours.fingerprint()}): {'; '.join(changed)}. Retraining is due: placerisk train, "
                        "then the panel's approval (the model would otherwise read features it was not trained on)")
    return theirs


JUDGED = {"outcome": ("events", "horizon_months", "recording_allowance_days"), "cohort": ("min_age", "max_age")}


def config_changes(config: Config, champ: Champion) -> list[str]:
    """What changed since the champion was trained in the config that decides what it predicts and for whom (the outcome and
    the cohort), from the resolved config its training run logged; empty when nothing did or the run logged none."""
    import tempfile

    import yaml
    from mlflow.exceptions import MlflowException

    with tempfile.TemporaryDirectory() as tmp:
        try:
            path = mlflow.artifacts.download_artifacts(run_id=champ.run_id, artifact_path="config/resolved_config.yaml", dst_path=tmp)
        except (MlflowException, OSError):
            return []
        with open(path, encoding="utf-8") as fh:
            then = yaml.safe_load(fh) or {}
    now = yaml.safe_load(tracking.resolved_config_yaml(config))
    return [f"{section}.{key}: {then.get(section, {}).get(key)!r} then, {now.get(section, {}).get(key)!r} now"
            for section, keys in JUDGED.items() for key in keys if then.get(section, {}).get(key) != now.get(section, {}).get(key)]


def check_config(config: Config, champ: Champion) -> None:
    """Refuse a champion trained to predict another outcome, or for another cohort, than the config's today."""
    changed = config_changes(config, champ)
    if changed:
        raise UserError(f"the champion (version {champ.version}) was trained for another outcome or cohort than the config's: "
                        f"{'; '.join(changed)}. Retraining is due: placerisk train, then the panel's approval")


def data_warnings(fetch, fs: FeatureSet, report: dict, as_of: dt.date) -> list[str]:
    """Signs that the data no longer matches ``fs``: an event type it reads with no record in the ``QUIET_MONTHS`` before
    ``as_of`` while its source has records then, and rows quarantined for an event type the config does not know.

    ``fetch`` runs a query (DuckDB dialect) over the build's ``events`` on the engine that holds them and returns Arrow
    (``FeatureBuild.fetch``)."""
    table = fetch(f"SELECT event, max(recorded_date) AS latest FROM events WHERE recorded_date <= DATE '{as_of.isoformat()}' "
                  "GROUP BY event ORDER BY event")
    latest = dict(zip(table.column("event").to_pylist(), table.column("latest").to_pylist(), strict=True))
    since = as_of - dt.timedelta(days=round(QUIET_MONTHS * 30.44))
    sources_live = {name.split(".", 1)[0] for name, last in latest.items() if last is not None and last >= since}
    out = []
    for e in fs.event_types:
        last = latest.get(e.name)
        if e.source in sources_live and (last is None or last < since):
            when = "no record at all" if last is None else f"no record since {last}"
            out.append(f"{e.name}: {when}, while {e.source} records continue: a partner may have changed or stopped this code; "
                       "check the extract and the config's event types, and retrain if it changed")
    for f in report.get("files", []):
        unknown = (f.get("reasons") or {}).get("unknown_code:event_type", 0)
        if unknown:
            out.append(f"{f.get('name')}: {unknown:,} row(s) quarantined with an event type the config does not know: a partner may have "
                       "added or renamed a code; add it to the config's event types and retrain")
    return out
