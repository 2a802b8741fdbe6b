"""Challenger against champion in a training run: the model in use, re-evaluated on the new run's test snapshots.

The champion's bundle rebuilds its features with its own definitions (which may differ from
today's config), and is scored and allocated as the weekly run would have: its own calibrated
scores, each team's lists, its approved mitigation in the fairness audit. The comparison, JSON-ready,
goes into the run's gate record (so ``approve`` decides on what was hashed at training):

- the primary metric with the baselines' margin rule (better in every split, or a paired
  bootstrap interval above 0), judged only on the test snapshots the champion was not fitted
  on (its training outcome windows overlap the others, which favours it; shown, not judged on),
  and calibration (Brier score, calibration error), per split;
- the fairness findings side by side (``training.champion.finding_changes``);
- list churn per team on the latest test snapshot, the deployed challenger against the champion,
  one week's lists each (``training.champion.list_churn``);
- which test snapshots the champion had seen outcomes of (it was fitted on outcome windows that
  overlap them, which favours it), and what changed in the definitions since it was trained.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from placerisk.app import champion, specs
from placerisk.app.build import open_build
from placerisk.app.catalog import ValidationPaths
from placerisk.config import Config
from placerisk.errors import UserError
from placerisk.models.allocation import allocate
from placerisk.training import TrainingResult, evaluate
from placerisk.training.audit import AuditSettings, audit_snapshot
from placerisk.training.champion import finding_changes, list_churn, saw_outcomes
from placerisk.training.margin import SplitScores, margin
from placerisk.training.pipeline import TestPredictions

SHOWN = ("precision_at_list", "recall_at_list", "precision_at_k", "average_precision", "roc_auc", "brier", "calibration_error")


def not_compared(champ_version: str | None, why: str) -> dict:
    """The record of a run that could not compare itself with the champion (``approve`` then needs the panel's explicit say)."""
    return {"version": champ_version, "evaluated": False, "why": why}


def compare(config: Config, data_dir, validation: ValidationPaths, champ: champion.Champion, assembled, result: TrainingResult,
            settings: AuditSettings, challenger_audits: list, *, k: int, list_k: int, say) -> dict:
    """The champion against the chosen candidate on the run's test snapshots (see the module docstring)."""
    changed = champion.definition_changes(config, champ.risk)
    retargeted = champion.config_changes(config, champ)
    if retargeted:
        say(f"warning: the champion was trained for another outcome or cohort: {'; '.join(retargeted)}; it is compared on today's labels")
    theirs = champion.definitions(champ.risk)
    say(f"champion: version {champ.version} ({champ.risk.name}) re-evaluated on the same test snapshots with its own feature "
        "definitions" + (f"; they differ from the config's: {'; '.join(changed)}" if changed else " (the config's, unchanged)"))
    dates = [s.test_date for s in result.splits]
    with open_build(config, data_dir, validation, say, feature_set=theirs) as build:
        frames = {d: table.to_pandas(date_as_object=True) for d, table in build.tables(dates, argument="training.last_snapshot")}
        fits = champion.data_warnings(build.fetch, theirs, build.report, build.data_end)
    for warning in fits:
        say(f"warning: the champion's data: {warning}")
    data, chosen = assembled.data, result.result(result.chosen)
    preds = [_champion_scores(champ.risk, frames[s.test_date], data, p) for s, p in zip(result.splits, chosen.predictions, strict=True)]
    allocation = settings.allocation
    metrics = [_metrics(data, p, k, list_k, config, allocation) for p in preds]
    seen = saw_outcomes(_trained_on(champ.risk), dates, specs.outcome(config).label_complete)
    every = _margin(config, result, data, range(len(dates)), chosen.predictions, preds, champ.version, k, list_k, allocation)
    fair = [i for i, saw in enumerate(seen) if not saw]
    verdict = every if len(fair) == len(dates) else None if not fair else _margin(
        config, result, data, fair, chosen.predictions, preds, champ.version, k, list_k, allocation)
    record = {
        "version": champ.version, "run_id": champ.run_id, "candidate": champ.risk.name, "approved_at": champ.decision.get("at"),
        "evaluated": True, "definitions_changed": changed, "config_changed": retargeted, "definitions_hash": theirs.fingerprint(), "data_fit": fits,
        "metric": result.primary_metric, "margin": None if verdict is None else verdict.to_dict(),
        "beats": verdict is not None and bool(verdict.beats), "margin_every_split": every.to_dict(),
        "saw_outcomes": [s.name for s, seen_it in zip(result.splits, seen, strict=True) if seen_it],
        "fair_splits": [result.splits[i].name for i in fair],
        "splits": [{"split": s.name, "test": str(s.test_date), "challenger": _shown(c), "champion": _shown(m)}
                   for s, c, m in zip(result.splits, chosen.metrics, metrics, strict=True)],
        "fairness": _fairness(data, preds, settings, challenger_audits, champ),
        "churn": _churn(config, data, result, preds[-1], champ),
    }
    if record["saw_outcomes"]:
        say(f"note: the champion was fitted on outcomes overlapping {', '.join(record['saw_outcomes'])}, which favours it there; "
            + ("the margin rule is judged on the others" if fair else "no test snapshot is free of them, so no fair comparison"))
    say(verdict_text(record))
    return record


def verdict_text(record: dict) -> str:
    """The comparison's verdict in one sentence."""
    if not record.get("evaluated"):
        return f"not compared with the champion (version {record.get('version')}): {record.get('why')}"
    if record["margin"] is not None:
        return record["margin"]["sentence"] + ("" if not record["saw_outcomes"] else f" (on {', '.join(record['fair_splits'])}: the "
                                               "snapshots the champion was not fitted on)")
    return (f"not shown to beat the champion (version {record['version']}): it was fitted on outcomes overlapping every test snapshot "
            f"({', '.join(record['saw_outcomes'])}), so no fair comparison is possible; over them all, which favours the champion: "
            + record["margin_every_split"]["sentence"])


def _trained_on(risk) -> list[dt.date]:
    """The snapshots the champion was trained and calibrated on (empty for a bundle that does not say)."""
    m = risk.metadata or {}
    out = []
    for text in [*(m.get("train_dates") or []), m.get("calibration_date")]:
        try:
            out.append(dt.date.fromisoformat(str(text)))
        except ValueError:
            continue
    return out


def _champion_scores(risk, frame: pd.DataFrame, data, challenger: TestPredictions) -> TestPredictions:
    """The champion's scores on the rows of one test snapshot, in the challenger's row order."""
    ids = data.family_id[challenger.rows].astype(str)
    indexed = frame.assign(family_id=frame["family_id"].astype(str)).set_index("family_id")
    missing = pd.Index(ids).difference(indexed.index)
    if len(missing):
        raise UserError(f"the champion's features do not cover {len(missing):,} families of a test snapshot: its cohort differs from "
                        "today's; it cannot be compared row for row")
    X = indexed.loc[ids, list(risk.feature_names)].reset_index(drop=True)
    return TestPredictions(challenger.rows, risk.rank_score(X), risk.predict_proba(X))


def _metrics(data, p: TestPredictions, k: int, list_k: int, config: Config, allocation) -> dict:
    rows = p.rows
    return evaluate(data.y[rows], p.rank_score, p.probability, k=k, list_k=list_k, shares=tuple(config.training.top_shares),
                    tiebreak=data.family_id[rows], oracle=None if data.oracle is None else data.oracle[rows], allocation=allocation,
                    team=None if allocation is None else data.team[rows])


def _shown(metrics: dict) -> dict:
    return {m: (None if not np.isfinite(v) else round(float(v), 6)) for m, v in metrics.items() if m in SHOWN}


def _margin(config: Config, result: TrainingResult, data, which, challenger, champion_preds, version: str, k: int, list_k: int,
            allocation):
    """The baselines' margin rule, challenger against champion, on the splits numbered ``which``."""
    scores = [SplitScores(result.splits[i].name, data.y[challenger[i].rows], data.family_id[challenger[i].rows], challenger[i].rank_score,
                          champion_preds[i].rank_score, None if allocation is None else data.team[challenger[i].rows]) for i in which]
    return margin(scores, metric=result.primary_metric, candidate=result.chosen, baseline=f"version {version}", k=k, list_k=list_k,
                  confidence=result.margin.confidence, n_resamples=result.margin.n_resamples, random_state=config.training.seed,
                  allocation=allocation, opponent="the champion")


def _fairness(data, preds, settings: AuditSettings, challenger_audits: list, champ: champion.Champion) -> dict:
    """Findings side by side: the champion under its approved mitigation (as its lists were made), the challenger unmitigated."""
    if data.sensitive is None or data.sensitive.empty or not challenger_audits:
        return {"audited": False, "why": "no audit attributes in the data"}
    mitigation = champ.policy.mitigation
    audits = [audit_snapshot(p, data, settings, mitigation) for p in preds]
    return {"audited": True, "champion_option": "none" if mitigation is None else mitigation.name, "challenger_option": "none",
            **finding_changes(audits, challenger_audits)}


def _churn(config: Config, data, result: TrainingResult, champion_latest: TestPredictions, champ: champion.Champion) -> dict:
    """Each team's one-week list on the latest test snapshot: the champion's (its mitigation) against the deployed challenger's."""
    if data.team is None:
        return {"measured": False, "why": "no teams in the data"}
    rows = champion_latest.rows
    week = specs.allocation(config).with_weeks(1)
    model = result.model
    X = data.X.iloc[rows].reset_index(drop=True)
    groups = None if data.sensitive is None else data.sensitive.iloc[rows].reset_index(drop=True)
    common = {"team": data.team[rows], "family_id": data.family_id[rows], "groups": groups}
    before = allocate(champion_latest.probability, rank_score=champion_latest.rank_score,
                      policy=week.with_mitigation(champ.policy.mitigation), **common)
    after = allocate(model.predict_proba(X), rank_score=model.rank_score(X), policy=week, **common)
    date = result.splits[-1].test_date
    return {"measured": True, "date": str(date), "list": "one week's list per team (weekly capacity from the config)",
            "champion_option": "none" if champ.policy.mitigation is None else champ.policy.mitigation.name, "challenger_option": "none",
            "teams": list_churn(data.team[rows], before.listed, after.listed, week.teams)}


def summary_lines(record: dict | None) -> list[str]:
    """The comparison in a few lines, for ``train`` and ``approve``."""
    if record is None:
        return ["champion: none in use; nothing to compare with"]
    if not record.get("evaluated"):
        return [f"champion: version {record.get('version')} not compared: {record.get('why')}"]
    lines = [f"champion: version {record['version']} ({record['candidate']}) against this challenger, on the same test snapshots:"]
    for s in record["splits"]:
        a, b = s["challenger"], s["champion"]
        lines.append(f"  {s['split']} ({s['test']}): " + ", ".join(f"{m} {_num(a.get(m))} vs {_num(b.get(m))}" for m in
                                                                    (record["metric"], "brier", "calibration_error") if m in a))
    lines.append(f"  {verdict_text(record)}")
    f = record.get("fairness", {})
    if f.get("audited"):
        lines.append(f"  fairness: light {f['champion_light']} (champion) vs {f['challenger_light']} (challenger); findings appear "
                     f"{len(f['appear'])}, disappear {len(f['disappear'])}, change light {len(f['changed'])}")
    c = record.get("churn", {})
    if c.get("measured"):
        lines.append(f"  list churn on {c['date']} (one week's lists): " + "; ".join(
            f"{t['team']} {t['share_changed']:.0%} changed (+{t['added']} -{t['dropped']}, Jaccard {t['jaccard']:.2f})" for t in c["teams"]))
    if record.get("definitions_changed"):
        lines.append(f"  its feature definitions differ from the config's: {'; '.join(record['definitions_changed'])}")
    if record.get("config_changed"):
        lines.append(f"  it was trained for another outcome or cohort: {'; '.join(record['config_changed'])}")
    return lines


def _num(v) -> str:
    return "n/a" if v is None else f"{v:.3f}"

