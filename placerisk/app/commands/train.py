"""`placerisk train`: assemble rows, split in time, compare candidates, audit, decide the gate's inputs, log to MLflow."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import pandas as pd

from placerisk.app import challenge, champion, panel, promotion, specs, train_plan, tracking
from placerisk.app.catalog import Catalog
from placerisk.app.own_table import from_table
from placerisk.app.progress import Progress
from placerisk.app.run_log import TrainingRun, log_training_run
from placerisk.app.training_rows import Assembled, from_extracts
from placerisk.config import Config, load_config
from placerisk.errors import UserError, raised_on_purpose
from placerisk.features import OutcomeSpec
from placerisk.training import TrainingResult, describe, train_and_evaluate
from placerisk.training.audit import AuditSettings, audit_candidates, worst_light

SUMMARY_METRICS = ("precision_at_list", "recall_at_list", "precision_at_k", "recall_at_k", "precision_at_list_global", "average_precision", "roc_auc",
                   "brier", "calibration_error",
                   "top_decile_lift", "share_of_oracle_precision_at_list", "share_of_oracle_precision_at_k")


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    say = Progress()
    if args.table and args.unit != "families":
        say = _in_units(say, args.unit)
    specs.fairness_policy(config)  # a policy the audit would refuse fails now, not after the training
    outcome = specs.outcome(config)
    _check_table_flags(args)
    _check_unit(args.unit)
    extracts = None
    if args.table:
        outcome = _table_outcome(args, outcome)
        assembled = _from_table(args, outcome, say)
        temporal = bool(args.time)
    else:
        catalog = Catalog(config)
        data_dir = catalog.data_dir(args.data)
        extracts = (data_dir, catalog.validation(data_dir, args.validation))
        assembled = from_extracts(config, *extracts, say)
        temporal = True
    if assembled.unlabelled:
        say(f"{assembled.unlabelled:,} rows have no label yet (outcome window not complete) and are not used")
    try:
        return train(config, assembled, temporal=temporal, say=say, register=not args.no_register, outcome=outcome,
                     own=args if args.table else None, extracts=extracts)
    except ValueError as err:  # the domain's own checks: too few snapshots, a part with one class, a reference group not in the data
        if raised_on_purpose(err):
            raise UserError(str(err)) from err
        raise


TABLE_ONLY = ("id", "label", "time", "sensitive", "horizon_months", "allowance_days", "holdout_from", "top_k", "top_share")


def _check_unit(unit: str) -> None:
    from placerisk.fairness import check_unit

    try:
        check_unit(unit)
    except ValueError as err:
        raise UserError(str(err)) from None


def _in_units(say, unit: str):
    """``say`` with the run's sentences in the table's unit (people, pupils...) instead of families."""
    from placerisk.fairness import in_units

    return lambda text: say(in_units(text, unit))


def _check_table_flags(args: argparse.Namespace) -> None:
    """Flags that only mean something with --table (or with --time) are refused without it, by name."""
    given = [f"--{n.replace('_', '-')}" for n in TABLE_ONLY if getattr(args, n, None) is not None]
    if not args.table and (given or args.period != "auto" or args.unit != "families" or args.max_levels != 20):
        extra = [f for f, v in (("--period", args.period != "auto"), ("--unit", args.unit != "families"), ("--max-levels", args.max_levels != 20)) if v]
        raise UserError(f"{', '.join(given + extra)}: only with --table FILE (training on your own table); the extracts' run takes "
                        "these from the config")
    if args.table and not args.time and (args.holdout_from or args.period != "auto" or args.horizon_months is not None
                                         or args.allowance_days is not None):
        raise UserError("--holdout-from, --period, --horizon-months and --allowance-days need --time COL: without a time column the "
                        "split is by id")


def _table_outcome(args: argparse.Namespace, outcome: OutcomeSpec) -> OutcomeSpec:
    if not args.id or not args.label:
        raise UserError("--table needs --id COL and --label COL (and optionally --time COL, --sensitive COLS)")
    if args.time and args.horizon_months is None:
        raise UserError("--time needs --horizon-months N: how many months ahead the label looks (it decides which snapshots may "
                        "train a model tested on a later one; there is no default)")
    return OutcomeSpec(events=outcome.events,
                       horizon_months=outcome.horizon_months if args.horizon_months is None else args.horizon_months,
                       recording_allowance_days=outcome.recording_allowance_days if args.allowance_days is None else args.allowance_days)


def _from_table(args: argparse.Namespace, outcome: OutcomeSpec, say) -> Assembled:
    sensitive = [c.strip() for c in (args.sensitive or "").split(",") if c.strip()]
    assembled = from_table(Path(args.table), id_col=args.id, label=args.label, time=args.time, sensitive=sensitive, say=say,
                           known_after_days=31 * outcome.horizon_months + outcome.recording_allowance_days,
                           period=args.period if args.time else None, max_levels=args.max_levels)
    if not args.time:
        say("warning: no --time column: a 60/20/20 split by id, not a temporal validation; results may be optimistic")
    return dataclasses.replace(assembled, provenance={**assembled.provenance, "unit": args.unit,
                                                      **({"horizon_months": outcome.horizon_months} if args.time else {})})


def _operating_point(config: Config, data, splits, own: argparse.Namespace | None, say) -> tuple[int, int, str]:
    """``(k, list_k, lists)``: the teams' capacity (k a week, list_k over training.list_weeks) for the extracts; for a table,
    one list of ``--top-k`` rows or ``--top-share`` of a test part (default a tenth), never more than the smallest test part."""
    smallest = min(len(data.rows([s.test_date])) for s in splits)
    if own is None:
        k = config.total_weekly_capacity
        return k, k * config.training.list_weeks, ""
    share = own.top_share if own.top_share is not None else None if own.top_k else 0.1
    wanted = own.top_k if own.top_k else max(1, round(share * smallest))
    list_k = min(wanted, smallest)
    what = f"--top-k {own.top_k}" if own.top_k else f"{share:g} of the smallest test part" + (" (the default)" if own.top_share is None else "")
    say(f"operating point: the top {list_k:,} rows of each test part ({what}; the smallest test part has {smallest:,} rows)")
    if wanted > smallest:
        say(f"warning: {what} asks for {wanted:,} rows, more than the smallest test part ({smallest:,}): the list is cut to the test part")
    if list_k > smallest / 2:
        say(f"warning: the list holds more than half of a test part ({list_k:,} of {smallest:,}): precision at the list then tends to "
            "the base rate for every candidate; ask for a smaller list (--top-k or --top-share)")
    return list_k, list_k, what


def train(config: Config, assembled: Assembled, *, temporal: bool, say, register: bool, outcome: OutcomeSpec,
          own: argparse.Namespace | None = None, extracts: tuple | None = None) -> int:
    """Split, compare, audit, record; prints the summary and the command that promotes the chosen model."""
    holdout = None if own is None else own.holdout_from
    assembled, splits, final = train_plan.splits(config, assembled, temporal, outcome, holdout_from=holdout)
    data, t = assembled.data, config.training
    plan = describe([*splits, final])
    say("split plan:\n" + plan)
    if assembled.provenance.get("validation"):
        say(f"validation: {assembled.provenance['validation']}")
    k, list_k, point = _operating_point(config, data, splits, own, say)
    allocation = specs.allocation(config) if data.team is not None else None
    candidates = train_plan.candidates(config, list(data.X.columns))
    lists = "each team's own top families" if allocation else "the global top k"
    say(f"candidates: {', '.join(s.name for s in candidates)}; " + (f"k = {k} (total weekly capacity); lists: {lists}" if not point
                                                                    else f"the list: the top {list_k:,} rows ({point})"))
    smallest = min(len(data.rows([s.test_date])) for s in splits)
    if not point and list_k >= smallest:
        say(f"warning: the list ({list_k:,} = {k} x {t.list_weeks} weeks) is not smaller than a test snapshot ({smallest:,} rows): "
            "precision at the list is then the base rate for every candidate; lower training.list_weeks or use more families")
    result = train_and_evaluate(
        data, splits, final, candidates, k=k, list_k=list_k, shares=tuple(t.top_shares), calibration=t.calibration, select_by=t.select_by,
        primary_metric=t.primary_metric, random_state=t.seed, n_jobs=t.threads, descriptions=assembled.descriptions,
        feature_definitions=assembled.feature_definitions, allocation=allocation, progress=say,
    )
    if assembled.provenance.get("categorical"):  # the bundle encodes raw text columns as training did (models.categorical)
        result.model.metadata["categorical"] = assembled.provenance["categorical"]
    settings = _audit_settings(config, assembled, allocation, list_k)
    audits = _audit(config, assembled, result, settings, say)
    lights = {name: worst_light(a) for name, a in audits.items()}
    chosen = result.result(result.chosen)
    options = panel.audit_options(chosen.predictions, data, settings, audits.get(result.chosen, []), say) if audits else {}
    against = _against_champion(config, extracts, assembled, result, settings, audits.get(result.chosen, []), k, list_k, say)
    record = promotion.gate_record(
        model=result.chosen, margin=result.margin.to_dict(), primary_metric=result.primary_metric, temporal=temporal,
        list_within_snapshots=list_k < smallest, required=_required(config, data, own), split_names=[s.name for s in splits],
        options=options or {promotion.UNMITIGATED: []}, allocation=None if allocation is None else allocation.to_dict(),
        audit_policy=promotion.audit_policy(settings.policy, config.fairness.sensitive_features, config.fairness.intersections),
        champion=against)
    table = result.table()
    _print_summary(result, table, lights, point, assembled.provenance.get("unit", "families"))
    if against is not None:
        print("\n".join(challenge.summary_lines(against)) + "\n")
    extras = {"options": options, "oracle": panel.oracle_tables(chosen.predictions, data, settings), "settings": settings}
    run = TrainingRun(config, assembled, result, table, audits, lights, plan, list_k, record, say, extras)
    run_id, version = log_training_run(run, register=register)
    _print_outcome(config, result, run_id, version, record)
    return 0


def _against_champion(config: Config, extracts, assembled: Assembled, result: TrainingResult, settings: AuditSettings, audits, k: int,
                      list_k: int, say) -> dict | None:
    """The champion in use re-evaluated against this run's chosen model (``app.challenge``); None when there is no champion."""
    try:
        champ = champion.current(config)
    except UserError as err:  # a champion the weekly run would refuse too: said, and recorded, so that approve asks the panel
        say(f"warning: the champion could not be loaded, so it is not compared: {err}")
        return challenge.not_compared(champion.holder(config), str(err))
    if champ is None:
        return None
    if extracts is None:
        return challenge.not_compared(champ.version, "trained on a table, not on the extracts the champion's definitions read")
    try:
        return challenge.compare(config, *extracts, champ, assembled, result, settings, audits, k=k, list_k=list_k, say=say)
    except UserError as err:  # e.g. its definitions read a cohort that differs from today's: said, recorded, decided by the panel
        say(f"warning: the champion could not be re-evaluated: {err}")
        return challenge.not_compared(champ.version, str(err))


def _required(config: Config, data, own) -> list[str]:
    """The attributes every test snapshot must be audited on: the config's, or for a table the ones given with --sensitive."""
    if own is None:
        return list(config.fairness.sensitive_features)
    return [] if data.sensitive is None else [str(c) for c in data.sensitive.columns]


def _audit_settings(config: Config, assembled: Assembled, allocation, list_k: int) -> AuditSettings:
    intersections = [tuple(i) for i in config.fairness.intersections]
    if assembled.data.sensitive is not None:
        known = set(assembled.data.sensitive.columns)
        intersections = [i for i in intersections if set(i) <= known]
    return AuditSettings(policy=specs.fairness_policy(config), k=list_k, allocation=allocation, intersections=tuple(intersections),
                         group_names=specs.group_names(config) if allocation is not None else None, random_state=config.training.seed)


def _audit(config: Config, assembled: Assembled, result: TrainingResult, settings: AuditSettings, say) -> dict:
    where = (f"each team's top families for {config.training.list_weeks} weeks" if settings.allocation is not None
             else f"top {settings.k:,}")
    say(f"fairness audit of every candidate on every test snapshot: {where}, {settings.policy.n_boot} resamples")
    return audit_candidates(result, assembled.data, settings)


def _print_summary(result: TrainingResult, table: pd.DataFrame, lights: dict[str, str], point: str = "", unit: str = "families") -> None:
    from placerisk.fairness import in_units

    means = table[table["split"] == "mean"].set_index("candidate")
    cols = [c for c in SUMMARY_METRICS if c in means.columns]
    shown = means[cols].round(3)
    shown.insert(0, "baseline", means["baseline"].map({True: "yes", False: ""}))
    if lights:
        shown["fairness"] = [lights.get(n, "") for n in shown.index]
    k, list_k = int(means["k"].iloc[0]), int(means["list_k"].iloc[0])
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        if point:
            print(f"\nmean over {len(result.splits)} split(s) (the list = the top {list_k:,} rows of a test part: {point}):")
        else:
            print(f"\nmean over {len(result.splits)} split(s) (k = {k}, one week's lists; list = {list_k}, {list_k // k} weeks' lists; "
                  "each team's own lists unless *_global, the global top list, shown for comparison only):")
        print(shown.to_string())
    verdict = "beats" if result.beats_baselines else "does NOT beat"
    print(f"\nchosen: {result.chosen}; it {verdict} the best baseline ({result.best_baseline}) on {result.primary_metric}")
    print(f"{in_units(result.margin.sentence, unit)}\n")


def _print_outcome(config: Config, result: TrainingResult, run_id: str, version: str | None, record: dict) -> None:
    print(f"MLflow run {run_id} in {tracking.tracking_uri(config)}")
    name = config.mlflow.registered_model
    inputs = promotion.inputs_from_record(record)
    reasons = promotion.reasons_against(inputs, accepted=inputs.red_findings)  # what stands even if the panel accepts every red finding
    if version is not None:
        print(f"registered {name} version {version} ({result.chosen}) with alias 'candidate'")
    if reasons:
        print(f"warning: {result.chosen} cannot be promoted: " + "; ".join(reasons))
        return
    if version is None:
        return
    command = f"placerisk approve --model {name} --version {version} --decision approve --reviewer NAME --note TEXT"
    if inputs.champion is not None and not inputs.beats_champion:
        print(f"warning: {result.chosen} does not beat the champion (version {inputs.champion}) by the required margin"
              + (f" ({inputs.champion_why})" if inputs.champion_why else "") + ": approve refuses it unless the panel accepts that "
              "explicitly (--accept-below-champion, with its reasons in the note)")
        command += " --accept-below-champion"
    if inputs.red_findings:
        print(f"fairness: traffic light {inputs.fairness_light}; red finding(s) {', '.join(inputs.red_findings)}. The ethics panel reads the "
              "report (MLflow run, fairness/), then may approve, accepting the findings it judges acceptable, with its reasons as the note:")
        print(f"  {command} --accept {','.join(inputs.red_findings)}")
        others = [o for o in inputs.options if o != promotion.UNMITIGATED]
        if others:
            print(f"  or choose a mitigation audited on the same test snapshots: --mitigation {' | '.join(others)}")
    else:
        print(f"promote with: {command}")
