"""`placerisk train`: assemble rows, split in time, compare candidates, audit, log to MLflow, register the bundle."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import hashlib
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from placerisk.config import Config, load_config
from placerisk.errors import UserError

SUMMARY_METRICS = ("precision_at_list", "recall_at_list", "precision_at_k", "recall_at_k", "average_precision", "roc_auc", "brier", "calibration_error",
                   "top_decile_lift", "share_of_oracle_precision_at_list", "share_of_oracle_precision_at_k")


class Progress:
    """One line per step with elapsed seconds, on stderr: readable in a terminal and in CI logs alike."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    def __call__(self, message: str) -> None:
        print(f"[{time.perf_counter() - self.started:7.1f} s] {message}", file=sys.stderr, flush=True)


def fairness_policy(config: Config):
    from fairness import FairnessPolicy

    f = config.fairness
    return FairnessPolicy(primary_metrics=tuple(f.primary_metrics), ratio_low=f.tolerance.ratio_low, ratio_high=f.tolerance.ratio_high,
                          reference_group=f.reference_group, min_cell_count=f.min_cell_count, round_to=f.round_to,
                          n_boot=f.bootstrap_resamples, ci_level=f.confidence)


def candidates_from_config(config: Config, feature_names: list[str]):
    from training import CandidateSpec

    t = config.training
    specs = []
    for name, rule in t.baselines.items():
        missing = [c for c in (*rule.features, *rule.tiebreak) if c not in feature_names]
        if missing:
            if len(feature_names) and all("__" in c for c in feature_names):
                raise UserError(f"training.baselines.{name}: feature(s) {missing} are not built; expected names such as {feature_names[:2]}")
            continue  # a table without these columns: the rule does not apply
        specs.append(CandidateSpec(f"rule: {name}", "rule", rule.description, ({"columns": rule.features, "tiebreak": rule.tiebreak},)))
    if t.best_single_feature:
        specs.append(CandidateSpec("best single feature", "best_single_feature", "The one feature that best ranks the training rows"))
    if t.logistic:
        specs.append(CandidateSpec("logistic regression", "logistic", "L2-regularised logistic regression", tuple(t.logistic)))
    if t.lightgbm:
        specs.append(CandidateSpec("lightgbm", "lightgbm", "Gradient-boosted trees (LightGBM)", tuple(t.lightgbm)))
    return specs


def _holdout_by_id(assembled):
    """Without a time column: 60/20/20 train/calibrate/test by a hash of the id (never temporal; said so).

    Returns the rows with a part code in place of the date, the split and the final fit."""
    from training import Split

    data = assembled.data
    bucket = np.array([int(hashlib.sha256(i.encode()).hexdigest()[:8], 16) % 10 for i in data.family_id])
    days = np.where(bucket < 6, 0, np.where(bucket < 8, 1, 2)).astype("datetime64[D]")
    d0, d1, d2 = (dt.date(1970, 1, 1) + dt.timedelta(days=i) for i in range(3))
    parted = dataclasses.replace(assembled, data=dataclasses.replace(data, as_of_date=days), dates=[d0, d1, d2])
    return parted, [Split("holdout", (d0,), d1, d2)], Split("final", (d0, d2), d1, None)


def _splits(config: Config, assembled, temporal: bool, outcome):
    from features.cohort import add_months
    from training import check_split, final_split, rolling_origin

    if not temporal:
        return _holdout_by_id(assembled)
    if len(assembled.dates) < 3:
        raise UserError(f"got {len(assembled.dates)} snapshot date(s); expected at least 3 for a temporal validation "
                        "(older ones to train, a later one to calibrate, a later one still to test)")
    splits = rolling_origin(assembled.dates, n_splits=min(config.training.splits, len(assembled.dates) - 2), label_known=outcome.label_complete)
    final = final_split(assembled.dates, label_known=outcome.label_complete, data_end=assembled.data_end)
    for s in splits:
        check_split(s, lambda d: add_months(d, outcome.horizon_months) + dt.timedelta(days=outcome.recording_allowance_days))
    return assembled, splits, final


def train(args: argparse.Namespace) -> int:
    from features import OutcomeSpec
    from placerisk import train_data
    from placerisk.inputs import outcome_from_config

    config = load_config(args.config)
    say = Progress()
    fairness_policy(config)  # a policy the audit would refuse fails now, not after the training
    outcome = outcome_from_config(config)
    if args.table:
        if not args.id or not args.label:
            raise UserError("--table needs --id COL and --label COL (and optionally --time COL, --sensitive COLS)")
        outcome = OutcomeSpec(events=outcome.events,
                              horizon_months=outcome.horizon_months if args.horizon_months is None else args.horizon_months,
                              recording_allowance_days=outcome.recording_allowance_days if args.allowance_days is None else args.allowance_days)
        sensitive = [c.strip() for c in (args.sensitive or "").split(",") if c.strip()]
        assembled = train_data.from_table(Path(args.table), id_col=args.id, label=args.label, time=args.time, sensitive=sensitive, say=say,
                                          known_after_days=31 * outcome.horizon_months + outcome.recording_allowance_days)
        temporal = bool(args.time)
        if not temporal:
            say("warning: no --time column: a 60/20/20 split by id, not a temporal validation; results may be optimistic")
        data_dir = None
    else:
        data_dir = Path(args.data) if args.data else config.data.dir
        validation = Path(args.validation) if args.validation else config.data.output_dir / "validation"
        assembled = train_data.from_extracts(config, data_dir, validation, say)
        temporal = True
    if assembled.unlabelled:
        say(f"{assembled.unlabelled:,} rows have no label yet (outcome window not complete) and are not used")
    try:
        return run(config, assembled, temporal=temporal, say=say, register=not args.no_register, outcome=outcome)
    except ValueError as err:  # a split without enough snapshots, a part with one class, a reference group not in the data
        raise UserError(str(err)) from err


def run(config: Config, assembled, *, temporal: bool, say, register: bool = True, outcome=None) -> int:
    from placerisk.inputs import outcome_from_config
    from training import describe, train_and_evaluate
    from training.audit import audit_candidates, worst_light

    outcome = outcome or outcome_from_config(config)
    assembled, splits, final = _splits(config, assembled, temporal, outcome)
    data = assembled.data
    plan = describe([*splits, final])
    say("split plan:\n" + plan)
    t = config.training
    k = config.total_weekly_capacity
    specs = candidates_from_config(config, list(data.X.columns))
    say(f"candidates: {', '.join(s.name for s in specs)}; k = {k} (total weekly capacity)")
    smallest = min(len(data.rows([s.test_date])) for s in splits)
    if k * t.list_weeks >= smallest:
        say(f"warning: the list ({k * t.list_weeks:,} = {k} x {t.list_weeks} weeks) is not smaller than a test snapshot ({smallest:,} rows): "
            "precision at the list is then the base rate for every candidate; lower training.list_weeks or use more families")
    result = train_and_evaluate(
        data, splits, final, specs, k=k, list_k=k * t.list_weeks, shares=tuple(t.top_shares), calibration=t.calibration, select_by=t.select_by,
        primary_metric=t.primary_metric, random_state=t.seed, n_jobs=t.threads, descriptions=assembled.descriptions,
        feature_definitions=assembled.feature_definitions, progress=say,
    )
    audit_k = k * config.training.list_weeks
    policy = fairness_policy(config)
    say(f"fairness audit: top {audit_k:,} per test snapshot ({config.training.list_weeks} weeks of lists), {policy.n_boot} resamples")
    intersections = [tuple(i) for i in config.fairness.intersections]
    if data.sensitive is not None:
        known = set(data.sensitive.columns)
        intersections = [i for i in intersections if set(i) <= known]
    audits = audit_candidates(result, data, k=audit_k, policy=policy, intersections=intersections, random_state=t.seed)
    lights = {name: worst_light(a) for name, a in audits.items()}
    table = result.table()
    _print_summary(result, table, lights)
    from placerisk import tracking

    run_id, version = tracking_log(config, assembled, result, table, audits, lights, plan, audit_k, temporal=temporal, register=register, say=say)
    print(f"MLflow run {run_id} in {tracking.tracking_uri(config)}")
    if version is not None:
        print(f"registered {config.mlflow.registered_model} version {version} ({result.chosen}) with alias 'candidate'; "
              f"promote with: placerisk approve --model {config.mlflow.registered_model} --version {version} --reviewer NAME --decision approve --note TEXT")
    if not result.beats_baselines:
        print(f"warning: {result.chosen} does not beat the best baseline ({result.best_baseline}) on {result.primary_metric}: it cannot be promoted")
    return 0


def _print_summary(result, table: pd.DataFrame, lights: dict[str, str]) -> None:
    means = table[table["split"] == "mean"].set_index("candidate")
    cols = [c for c in SUMMARY_METRICS if c in means.columns]
    shown = means[cols].round(3)
    shown.insert(0, "baseline", means["baseline"].map({True: "yes", False: ""}))
    if lights:
        shown["fairness"] = [lights.get(n, "") for n in shown.index]
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(f"\nmean over {len(result.splits)} split(s) (k = {int(means['k'].iloc[0])}, one week's lists; "
              f"list = {int(means['list_k'].iloc[0])}, {int(means['list_k'].iloc[0]) // int(means['k'].iloc[0])} weeks' lists):")
        print(shown.to_string())
    verdict = "beats" if result.beats_baselines else "does NOT beat"
    print(f"\nchosen: {result.chosen}; it {verdict} the best baseline ({result.best_baseline}) on {result.primary_metric}\n")


def tracking_log(config: Config, assembled, result, table, audits, lights, plan: str, audit_k: int, *, temporal: bool, register: bool, say):
    """Log the parent run, one nested run per candidate, and register the chosen bundle."""
    from placerisk import tracking

    experiment_id = tracking.connect(config)
    import mlflow

    from fairness import model_card, render_all
    from models.pyfunc import RiskModelPyfunc, signature
    from placerisk.decisions import append
    from training import plots

    data = assembled.data
    code = tracking.code_version()
    chosen_light = lights.get(result.chosen, "none")  # "none": nothing was audited, which never passes
    chosen_audits = audits.get(result.chosen, [])
    audited = [c for c in (data.sensitive.columns if data.sensitive is not None else [])  # audited on every test snapshot
               if chosen_audits and all(c in a.method.get("features", []) for a in chosen_audits)]
    missing = [f for f in config.fairness.sensitive_features if f not in audited]
    passed = chosen_light in ("green", "amber") and not missing
    with mlflow.start_run(experiment_id=experiment_id, run_name=f"train {dt.date.today().isoformat()}") as parent:
        mlflow.set_tags({"placerisk.command": "train", "placerisk.version": code["placerisk"], "git_commit": code.get("git_commit", "unknown"),
                         "git_dirty": str(code.get("git_dirty", "unknown")).lower(), "chosen": result.chosen,
                         "beats_baselines": str(result.beats_baselines).lower(), "fairness_light": chosen_light})
        mlflow.log_params({"k": int(result.model.metadata["k"]), "splits": len(result.splits), "snapshots": len(assembled.dates),
                           "primary_metric": result.primary_metric, "calibration": config.training.calibration,
                           "select_by": config.training.select_by, "seed": config.training.seed, "audit_k": audit_k,
                           "rows": len(data.y), "features": data.X.shape[1]})
        mlflow.log_text(tracking.resolved_config_yaml(config), "config/resolved_config.yaml")
        mlflow.log_dict({"splits": [s.to_dict() for s in result.splits], "final": result.final_split.to_dict(),
                         "rows_per_date": {str(d): int(n) for d, n in zip(*np.unique(data.as_of_date, return_counts=True), strict=True)}},
                        "split_plan.json")
        mlflow.log_text(plan + "\n", "split_plan.txt")
        mlflow.log_dict({**assembled.provenance, "code": code, "unlabelled_rows": assembled.unlabelled}, "data_provenance.json")
        mlflow.log_text(table.drop(columns=["baseline"]).to_csv(index=False), "metrics_by_split.csv")
        for i in range(len(result.splits)):
            _log_figure(plots.precision_at_k_curve(result, data, i, int(result.model.metadata["k"])), f"plots/precision_at_k_split{i + 1}.png")
        for c in result.candidates:
            with mlflow.start_run(experiment_id=experiment_id, run_name=c.spec.name, nested=True):
                mlflow.set_tags({"candidate": c.spec.name, "kind": c.spec.kind, "baseline": str(c.spec.is_baseline).lower()})
                mlflow.log_dict({"description": c.spec.description, "grid": list(c.spec.grid), "chosen_per_split": c.params,
                                 "search_per_split": c.searches}, "candidate.json")
                for step, m in enumerate(c.metrics, start=1):
                    mlflow.log_metrics({f"test_{key}": float(v) for key, v in m.items() if np.isfinite(v)}, step=step)
                mlflow.log_metrics({f"mean_{key}": float(v) for key, v in c.mean().items() if np.isfinite(v)})
                _log_figure(plots.calibration_plot(result, data, c.spec.name), "plots/calibration.png")
                candidate_audits = audits.get(c.spec.name, [])
                for i, (split, audit) in enumerate(zip(result.splits, candidate_audits, strict=False)):
                    context = {"model": c.spec.name, "data": f"test snapshot {split.test_date}",
                               "operating_point": f"top {audit_k} families by score ({config.training.list_weeks} weeks of lists)"}
                    extra = {}
                    if c.spec.name == result.chosen and i == len(candidate_audits) - 1:
                        extra = _proxy_and_mitigation(config, data, c.predictions[i], audit_k, say)
                    for fname, text in render_all(audit, context, **extra).items():
                        mlflow.log_text(text, f"fairness/{split.name.replace(' ', '')}/{fname}")
                if c.spec.name in lights:
                    mlflow.set_tag("fairness_light", lights[c.spec.name])
        mlflow.log_metrics({f"mean_{key}": float(v) for key, v in result.result(result.chosen).mean().items() if np.isfinite(v)})
        imp = plots.importance(result.model)
        mlflow.log_text(imp.to_csv(index=False), "feature_importance.csv")
        _log_figure(plots.importance_plot(imp, f"feature importance: {result.chosen}"), "plots/feature_importance.png")
        if chosen_audits:
            card = model_card(_card_metadata(config, assembled, result), chosen_audits[-1])
            mlflow.log_text(card, "model_card.md")
        version = None
        if register:
            say("logging the model bundle")
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*input example was not provided", category=UserWarning)
                info = mlflow.pyfunc.log_model(name="model", python_model=RiskModelPyfunc(result.model), signature=signature(result.model.feature_names),
                                               pip_requirements=tracking.pip_requirements(),
                                               registered_model_name=config.mlflow.registered_model)
            version = info.registered_model_version
            client = mlflow.MlflowClient()
            name = config.mlflow.registered_model
            tags = {"candidate": result.chosen, "beats_baselines": str(result.beats_baselines).lower(), "best_baseline": str(result.best_baseline),
                    "primary_metric": result.primary_metric, "fairness_light": chosen_light,
                    "fairness_passed": str(passed).lower(), "fairness_audited": ",".join(audited) or "none",
                    "fairness_missing": ",".join(missing) or "none", "validation": "temporal" if temporal else "holdout (not temporal)",
                    "run_id": parent.info.run_id,
                    "feature_definitions_hash": str(assembled.provenance.get("feature_definitions_hash", "none")),
                    "data_fingerprint": str(assembled.provenance.get("data_fingerprint", assembled.provenance.get("table_fingerprint")))}
            for key, value in tags.items():
                client.set_model_version_tag(name, version, key, value)
            client.set_registered_model_alias(name, "candidate", version)
            append(config.mlflow.decisions_log, {"event": "alias", "model": name, "alias": "candidate", "version": str(version),
                                                 "why": f"trained by placerisk train (run {parent.info.run_id})"})
        return parent.info.run_id, version


def _log_figure(fig, path: str) -> None:
    """Log a figure, then free it (pyplot keeps every open figure alive)."""
    import matplotlib.pyplot as plt
    import mlflow

    mlflow.log_figure(fig, path)
    plt.close(fig)


def _proxy_and_mitigation(config: Config, data, preds, audit_k: int, say) -> dict:
    """For the chosen model's latest test snapshot: which inputs stand in for each sensitive feature,
    and what mitigating the first sensitive feature would cost in precision (options for the panel)."""
    from fairness import mitigation_tradeoffs, proxy_check
    from training.audit import by_family_id

    if data.sensitive is None or data.sensitive.empty:
        return {}
    say("fairness: proxy check and mitigation options for the chosen model")
    rows, scores = by_family_id(preds, data)
    sens = data.sensitive.iloc[rows].reset_index(drop=True)
    out = {}
    try:  # options for the panel: a failure here must not lose the trained run
        out["proxy"] = proxy_check(data.X.iloc[rows].reset_index(drop=True), sens, random_state=config.training.seed)
        first = next((f for f in config.fairness.sensitive_features if f in sens.columns), sens.columns[0])
        out["mitigation"] = mitigation_tradeoffs(data.y[rows], scores, sens[first], k=min(audit_k, len(rows)),
                                                 policy=fairness_policy(config), random_state=config.training.seed)
    except ValueError as err:
        say(f"warning: fairness options left out of the report: {err}")
    return out


def _card_metadata(config: Config, assembled, result) -> dict:
    m = result.model.metadata
    return {
        "name": config.mlflow.registered_model,
        "purpose": f"Rank families for early help: the chance of {config.outcome.description.lower()} in the next {config.outcome.horizon_months} months.",
        "intended_use": "Assist place-based teams to choose which families to offer early help; a practitioner decides.",
        "out_of_scope": "Any punitive or eligibility decision; families who objected; anyone outside the cohort.",
        "model": f"{result.chosen} ({m['kind']}), calibrated ({m['calibration']}) on {m['calibration_date']}",
        "outcome": config.outcome.description,
        "training_data": f"snapshots {m['train_dates'][0]} to {m['train_dates'][-1]} ({len(assembled.data.y):,} labelled family-snapshots)",
        "evaluation_data": f"rolling-origin test snapshots: {', '.join(str(s.test_date) for s in result.splits)}",
        "baseline": f"best baseline: {result.best_baseline}; beats it on {result.primary_metric}: {result.beats_baselines}",
        "human_oversight": "Weekly lists are reviewed by team leads; the ethics panel approves each model (placerisk approve).",
    }
