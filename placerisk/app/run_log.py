"""What a training run records in MLflow: one parent run, one nested run per candidate, the registered bundle.

Nothing person- or family-level is logged: no rows, no ids, no input example;
only configuration, plans, fingerprints, aggregate metrics, figures and
published (suppressed) fairness reports. The promotion gate's inputs are
computed by :mod:`placerisk.app.promotion` and recorded on the version.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import mlflow
import numpy as np
import pandas as pd

from placerisk.app import promotion, tracking
from placerisk.app.challenge import verdict_text
from placerisk.app.catalog import Catalog
from placerisk.app.decisions import append
from placerisk.app.panel import tradeoffs
from placerisk.app.specs import fairness_policy
from placerisk.app.training_rows import Assembled
from placerisk.config import Config
from placerisk.fairness import AuditResult, atrs_record, in_units, mitigation_tradeoffs, model_card, proxy_check, render_all
from placerisk.models.pyfunc import RiskModelPyfunc, signature
from placerisk.training import TrainingResult, plots
from placerisk.training.audit import by_family_id


@dataclass
class TrainingRun:
    """Everything a finished training run has to record."""

    config: Config
    assembled: Assembled
    result: TrainingResult
    table: pd.DataFrame                  # metrics by candidate and split
    audits: dict[str, list[AuditResult]]  # candidate -> one audit per test split
    lights: dict[str, str]
    plan: str
    audit_k: int
    gate: dict                           # promotion.gate_record: logged as gate.json, its hash as a run parameter
    say: Callable[[str], None]
    panel: dict = field(default_factory=dict)  # "options" (option -> audits), "oracle" (tables per snapshot), "settings"


def log_training_run(run: TrainingRun, *, register: bool) -> tuple[str, str | None]:
    """Log the parent run and its nested runs; register the chosen bundle. Returns ``(run_id, version or None)``."""
    experiment_id = tracking.connect(run.config)
    with mlflow.start_run(experiment_id=experiment_id, run_name=f"train {dt.date.today().isoformat()}") as parent:
        _log_parent(run)
        for c in run.result.candidates:
            with mlflow.start_run(experiment_id=experiment_id, run_name=c.spec.name, nested=True):
                _log_candidate(run, c)
        _log_chosen(run)
        version = _register(run, parent.info.run_id) if register else None
        return parent.info.run_id, version


def _log_parent(run: TrainingRun) -> None:
    config, result, data = run.config, run.result, run.assembled.data
    code = tracking.code_version()
    gate_text = promotion.record_text(run.gate)
    inputs = promotion.inputs_from_record(run.gate)
    mlflow.set_tags({"placerisk.command": "train", "placerisk.version": code["placerisk"], "git_commit": code.get("git_commit", "unknown"),
                     "git_dirty": str(code.get("git_dirty", "unknown")).lower(), "chosen": result.chosen,
                     "beats_baselines": str(result.beats_baselines).lower(), "fairness_light": inputs.fairness_light})
    # Parameters cannot be changed once logged: the gate re-checks gate.json against this hash, and reads the tree state here.
    mlflow.log_params({"k": int(result.model.metadata["k"]), "splits": len(result.splits), "snapshots": len(run.assembled.dates),
                       "primary_metric": result.primary_metric, "calibration": config.training.calibration,
                       "select_by": config.training.select_by, "seed": config.training.seed, "audit_k": run.audit_k,
                       "rows": len(data.y), "features": data.X.shape[1], "gate_sha256": promotion.record_hash(gate_text),
                       "git_commit": code.get("git_commit", "unknown"), "git_dirty": str(code.get("git_dirty", "unknown")).lower(),
                       "code_state": code["code_state"]})
    mlflow.log_text(gate_text, "gate.json")
    mlflow.log_text(tracking.resolved_config_yaml(config), "config/resolved_config.yaml")
    mlflow.log_dict({"splits": [s.to_dict() for s in result.splits], "final": result.final_split.to_dict(),
                     "rows_per_date": {_part_key(result.splits[0], d): int(n) for d, n in zip(*np.unique(data.as_of_date, return_counts=True),
                                                                                                 strict=True)}},
                    "split_plan.json")
    mlflow.log_text(run.plan + "\n", "split_plan.txt")
    mlflow.log_dict({**run.assembled.provenance, "code": code, "unlabelled_rows": run.assembled.unlabelled}, "data_provenance.json")
    mlflow.log_text(run.table.drop(columns=["baseline"]).to_csv(index=False), "metrics_by_split.csv")
    margin = result.margin
    mlflow.log_dict(margin.to_dict(), "margin.json")  # the evidence behind "beats the best baseline"
    if run.gate.get("champion") is not None:
        mlflow.log_dict(run.gate["champion"], "champion_comparison.json")  # the same as in gate.json, for people browsing the run
        mlflow.set_tag("champion_compared", str(run.gate["champion"].get("version")))
    mlflow.set_tag("beats_baselines_rule", margin.rule)
    mlflow.log_metrics({k: float(v) for k, v in {"margin_mean_difference": margin.mean_difference, "margin_interval_low": margin.interval[0],
                                                 "margin_interval_high": margin.interval[1]}.items() if v is not None and np.isfinite(v)})
    for i in range(len(result.splits)):
        _log_figure(plots.precision_at_k_curve(result, data, i, int(result.model.metadata["k"])), f"plots/precision_at_k_split{i + 1}.png")


def _log_candidate(run: TrainingRun, c) -> None:
    result, data = run.result, run.assembled.data
    mlflow.set_tags({"candidate": c.spec.name, "kind": c.spec.kind, "baseline": str(c.spec.is_baseline).lower()})
    mlflow.log_dict({"description": c.spec.description, "grid": list(c.spec.grid), "chosen_per_split": c.params,
                     "search_per_split": c.searches, "search_scored_on": "a validation part of the training families (never the "
                     "calibration or test snapshot)"}, "candidate.json")
    for step, m in enumerate(c.metrics, start=1):
        mlflow.log_metrics({f"test_{key}": float(v) for key, v in m.items() if np.isfinite(v)}, step=step)
    mlflow.log_metrics({f"mean_{key}": float(v) for key, v in c.mean().items() if np.isfinite(v)})
    _log_figure(plots.calibration_plot(result, data, c.spec.name), "plots/calibration.png")
    candidate_audits = run.audits.get(c.spec.name, [])
    oracle = run.panel.get("oracle") if c.spec.name == result.chosen else None
    for i, (split, audit) in enumerate(zip(result.splits, candidate_audits, strict=False)):
        context = {"model": c.spec.name, "data": f"test: {split.part('test')}"}
        extra = {} if oracle is None else {"oracle": oracle[i]}
        if c.spec.name == result.chosen and i == len(candidate_audits) - 1:
            extra.update(_proxy_and_mitigation(run, c.predictions[i]))
        for fname, text in render_all(audit, context, unit=_unit(run), **extra).items():
            mlflow.log_text(text, f"fairness/{split.name.replace(' ', '')}/{fname}")
    if c.spec.name == result.chosen:
        for option, audits in run.panel.get("options", {}).items():
            if option == promotion.UNMITIGATED:
                continue
            for split, audit in zip(result.splits, audits, strict=True):
                context = {"model": c.spec.name, "data": f"test: {split.part('test')}", "mitigation": option}
                for fname, text in render_all(audit, context, unit=_unit(run)).items():
                    mlflow.log_text(text, f"fairness/options/{option.replace(':', '-')}/{split.name.replace(' ', '')}/{fname}")
    if c.spec.name in run.lights:
        mlflow.set_tag("fairness_light", run.lights[c.spec.name])


def _log_chosen(run: TrainingRun) -> None:
    result = run.result
    mlflow.log_metrics({f"mean_{key}": float(v) for key, v in result.result(result.chosen).mean().items() if np.isfinite(v)})
    imp = plots.importance(result.model)
    mlflow.log_text(imp.to_csv(index=False), "feature_importance.csv")
    _log_figure(plots.importance_plot(imp, f"feature importance: {result.chosen}"), "plots/feature_importance.png")
    chosen_audits = run.audits.get(result.chosen, [])
    if chosen_audits:
        mlflow.log_text(in_units(model_card(_card_metadata(run), chosen_audits[-1]), _unit(run)), "model_card.md")
        mlflow.log_dict(_in_units_all(atrs_record(_card_metadata(run), chosen_audits[-1]), _unit(run)), "atrs_record.json")


def _register(run: TrainingRun, run_id: str) -> str:
    config, result, provenance = run.config, run.result, run.assembled.provenance
    name = config.mlflow.registered_model
    run.say("logging the model bundle")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*input example was not provided", category=UserWarning)
        info = mlflow.pyfunc.log_model(name="model", python_model=RiskModelPyfunc(result.model), signature=signature(result.model.feature_names),
                                       pip_requirements=tracking.pip_requirements(), registered_model_name=name)
    version = info.registered_model_version
    mlflow.log_param("model_source", f"models:/{info.model_id}")  # the gate checks the version's source is this model
    client = mlflow.MlflowClient()
    tags = {"candidate": result.chosen, **promotion.to_tags(promotion.inputs_from_record(run.gate)), "run_id": run_id,
            "feature_definitions_hash": str(provenance.get("feature_definitions_hash", "none")),
            "data_fingerprint": str(provenance.get("data_fingerprint", provenance.get("table_fingerprint")))}
    for key, value in tags.items():
        client.set_model_version_tag(name, version, key, value)
    append(Catalog(config).decisions_log, {"event": "alias", "model": name, "alias": "candidate", "version": str(version),
                                           "why": f"trained by placerisk train (run {run_id})"})  # first: no alias change without its record
    client.set_registered_model_alias(name, "candidate", version)
    return version


def _log_figure(fig, path: str) -> None:
    """Log a figure, then free it (pyplot keeps every open figure alive)."""
    import matplotlib.pyplot as plt  # after training.plots chose the non-interactive backend

    mlflow.log_figure(fig, path)
    plt.close(fig)


def _proxy_and_mitigation(run: TrainingRun, preds) -> dict:
    """For the chosen model's latest test snapshot: which inputs stand in for each sensitive feature,
    and what mitigating the first sensitive feature would cost in precision (options for the panel).

    A section that cannot be computed never loses the trained run: the report says so, with the reason."""
    config, data = run.config, run.assembled.data
    if data.sensitive is None or data.sensitive.empty:
        return {}
    run.say("fairness: proxy check and mitigation options for the chosen model")
    rows, scores = by_family_id(preds, data)
    sens = data.sensitive.iloc[rows].reset_index(drop=True)
    first = next((f for f in config.fairness.sensitive_features if f in sens.columns), sens.columns[0])
    policy = fairness_policy(config)
    options = run.panel.get("options")
    sections = {
        "proxy": lambda: proxy_check(data.X.iloc[rows].reset_index(drop=True), sens, random_state=config.training.seed),
        "mitigation": (lambda: tradeoffs(options, policy.primary_metrics[0])) if options else
                      (lambda: mitigation_tradeoffs(data.y[rows], scores, sens[first], k=min(run.audit_k, len(rows)), policy=policy,
                                                    random_state=config.training.seed)),
    }
    out: dict = {}
    unavailable: dict[str, str] = {}
    for name, compute in sections.items():
        try:
            out[name] = compute()
        except ValueError as err:  # e.g. a group too small for the options
            unavailable[name] = str(err)
            run.say(f"warning: the {name} section could not be computed: {err}")
    return {**out, **({"unavailable": unavailable} if unavailable else {})}


def _part_key(split, day) -> str:
    """A row group's name in the split plan: its date, or for a part keyed by a stand-in date (a holdout), the part's words."""
    d = pd.Timestamp(day).date()
    words = dict(split.labels)
    if not words:
        return str(d)
    if d == split.test_date:
        return f"test: {words['test']}"
    if d == split.calibration_date:
        return f"calibration: {words['calibration']}"
    return f"train: {words['train']}" if len(split.train_dates) == 1 and "train" in words else str(d)


def _in_units_all(value, unit: str):
    """Every text value of a record (not its keys) in the run's unit."""
    if isinstance(value, dict):
        return {k: _in_units_all(v, unit) for k, v in value.items()}
    if isinstance(value, list):
        return [_in_units_all(v, unit) for v in value]
    return in_units(value, unit) if isinstance(value, str) else value


def _unit(run: TrainingRun) -> str:
    """What a row is, in the reports' words (``train --table ... --unit``; families otherwise)."""
    return run.assembled.provenance.get("unit", "families")


def _card_metadata(run: TrainingRun) -> dict:
    config, result = run.config, run.result
    m = result.model.metadata
    return {
        "name": config.mlflow.registered_model,
        "purpose": (f"Rank families for early help: the chance of {config.outcome.description.lower()} in the next "
                    f"{config.outcome.horizon_months} months." if "label" not in run.assembled.provenance else
                    f"Rank the rows of {run.assembled.provenance['table']} by the chance of the outcome in its column "
                    f"{run.assembled.provenance['label']!r}" + (f" ({run.assembled.provenance['horizon_months']} months ahead)."
                                                                if run.assembled.provenance.get("horizon_months") else ".")),
        "intended_use": ("Assist place-based teams to choose which families to offer early help; a practitioner decides."
                         if "label" not in run.assembled.provenance else
                         "Evaluate a ranking of the table's rows with honest validation, baselines, calibration and a fairness audit; "
                         "it is not a model for the weekly lists (it holds no feature definitions to rebuild its inputs)."),
        "out_of_scope": "Any punitive or eligibility decision; families who objected; anyone outside the cohort.",
        "model": f"{result.chosen} ({m['kind']}), calibrated ({m['calibration']}) on {m['calibration_date']}",
        "outcome": config.outcome.description if "label" not in run.assembled.provenance else f"column {run.assembled.provenance['label']!r}",
        "training_data": f"{m.get('training_data') or m['train_dates'][0] + ' to ' + m['train_dates'][-1]} "
                         f"(of {len(run.assembled.data.y):,} labelled rows in all)",
        "evaluation_data": run.assembled.provenance.get("validation")
                           or f"rolling-origin test snapshots: {', '.join(str(s.test_date) for s in result.splits)}",
        "baseline": result.margin.sentence,
        "replaces": _replaces(run.gate.get("champion")),
        "data_sources": sources_began(run.assembled.provenance.get("sources")),
        "human_oversight": ("Weekly lists are reviewed by team leads; the ethics panel approves each model (placerisk approve)."
                            if "label" not in run.assembled.provenance else "The data scientist who trained it reads the run and its audit."),
    }


def sources_began(sources: dict | None) -> str | None:
    """When each partner's records begin, in words: the first event, or for a partner that joined the data-sharing
    agreement late, the day it joined (nothing of it counts before; its history is known from then)."""
    if not sources:
        return None
    parts = []
    for source, d in sources.items():
        name = source.replace("_", " ")
        if not d.get("records"):
            parts.append(f"{name}: no records" + (f" (joined {d['joined']})" if d.get("joined") else ""))
        elif d.get("joined") and d.get("first_event") and d["first_event"] < d["joined"]:
            parts.append(f"{name}: joined the data-sharing agreement on {d['joined']}; nothing of it counts before then "
                         f"(its history from {d['first_event']} is known from that day)")
        else:
            parts.append(f"{name}: records from {d['first_event']}" + (f" (joined {d['joined']})" if d.get("joined") else ""))
    return "; ".join(parts)


def _replaces(against: dict | None) -> str | None:
    """Which version this one would replace if approved, and why (the comparison at training)."""
    if against is None:
        return None
    return f"version {against.get('version')} (the champion when it was trained), if approved; {verdict_text(against)}"
