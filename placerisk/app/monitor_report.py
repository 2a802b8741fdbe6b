"""The monitor's report (`placerisk monitor`, and the last step of `placerisk weekly`): the published weeks against the
outcomes known since, and what practitioners decided.

Writes ``<output_dir>/monitor/<date>/`` in one step: ``report.html`` (status first, charts over time),
``report.json`` and the tables as CSV. A red status is appended to the decisions log; the next
weekly run puts the latest status in its manifest and VRU summary. Nothing is written over: a
second run on the same date needs ``--force`` and keeps the earlier report beside.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from dataclasses import asdict

import numpy as np
import pandas as pd

from placerisk.app import monitor, published
from placerisk.app.build import open_build
from placerisk.app.catalog import MONITOR_FILES, Catalog
from placerisk.app.decisions import append, now
from placerisk.app.outputs import staged_folder
from placerisk.app.progress import Progress
from placerisk.config import Config
from placerisk.errors import UserError
from placerisk.models.allocation import LISTED
from placerisk.scoring import monitor as measures
from placerisk.scoring.charts import calibration_plot, lines_over_weeks
from placerisk.scoring.feedback import ALL_WEEKS, OVERRIDES, override_rates
from placerisk.scoring.outputs import monitor_page


def write(config: Config, args: argparse.Namespace) -> int:
    """Measure and write the report of ``args.on`` (``args``: ``on``, ``data``, ``validation``, ``force``); 0 when written."""
    say = Progress()
    catalog = Catalog(config)
    weeks = published.weeks(catalog)
    if not weeks:
        raise UserError(f"no weekly lists are published in '{catalog.lists_root}': publish some first (placerisk score --as-of DATE)")
    on = args.on or dt.datetime.now(dt.UTC).date()
    out = catalog.monitor(on)
    if (out / "report.json").is_file() and not args.force:
        raise UserError(f"a monitor report for {on} is already in '{out}': pass --force to write it again (the earlier one is kept beside)")
    data_dir = catalog.data_dir(args.data)
    report, tables = measure(config, catalog, weeks, data_dir, args.validation, on, say)
    say("writing the report")
    with staged_folder(out, overwrite=args.force, kind="monitor report", owned=set(MONITOR_FILES), keep_previous=True, flag="--force") as staging:
        for name, table in tables.items():
            table.to_csv(staging / f"{name}.csv", index=False, lineterminator="\n")
        (staging / "report.json").write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
        (staging / "report.html").write_text(monitor_page(report, tables, _charts(tables)), encoding="utf-8")
    if report["status"] == "red":
        append(catalog.decisions_log, {"event": "monitor", "status": "red", "model": report["model"]["name"],
                                       "version": report["model"]["version"], "reasons": report["reasons"], "report": str(out / "report.html")})
    print(f"monitor on {on}: {report['status']} ({len(report['weeks_monitored'])} week(s) with outcomes known, "
          f"{len(report['weeks_waiting'])} waiting for theirs)")
    for reason in report["reasons"] + report["override_warnings"]:
        print(f"  {reason}")
    print(f"  report: {out / 'report.html'}")
    return 0


def measure(config: Config, catalog: Catalog, weeks, data_dir, validation, on: dt.date, say) -> tuple[dict, dict[str, pd.DataFrame]]:
    """The report and its tables (pure apart from reading the published weeks, the extracts and the feedback store)."""
    with open_build(config, data_dir, catalog.validation(data_dir, validation), say, duckdb_only=True) as build:
        monitored, waiting = monitor.split_weeks(catalog, weeks, build.outcome, build.data_end)
        frame = monitor.load(catalog, monitored, monitored_only=True)
        say(f"{len(monitored)} published week(s) have their outcomes by {build.data_end} (the horizon and the late-record allowance "
            f"have passed); {len(waiting)} wait for theirs; following {len(frame):,} listed or sampled families")
        frame["label"] = monitor.outcomes(build.con, build.outcome, build.data_end, frame[["week", "family_id"]]) if len(frame) else []
        data_end, provenance = build.data_end, build.provenance()
    attributes = [c for c in frame.columns if c not in (*monitor.META, "week", "label")]
    settings = measures.Settings(config.monitoring.window_weeks, config.monitoring.min_precision, config.monitoring.calibration.ratio_low,
                                 config.monitoring.calibration.ratio_high, config.monitoring.confidence, config.fairness.min_cell_count)
    precision = measures.precision_by_team(frame)
    statuses = measures.team_status(precision, settings, frame) if len(precision) else []
    by_group = measures.precision_by_group(frame, attributes, min_cell_count=config.fairness.min_cell_count, round_to=config.fairness.round_to)
    cal = measures.calibration(frame, frame["sample"].to_numpy(dtype=bool) if len(frame) else np.zeros(0, bool))
    listed = pd.concat([frame.loc[frame["status"] == LISTED].drop(columns="label"), monitor.load(catalog, waiting, monitored_only=False)],
                       ignore_index=True)  # the monitored weeks' listed rows are in ``frame`` already
    decisions = monitor.decisions_now(catalog)
    overrides = _overrides(config, listed, decisions, attributes)
    manifest = published.manifest(catalog, weeks[-1])
    status = measures.overall(statuses)
    reasons = [r for s in statuses for r in s.reasons]
    report = {
        "on": on.isoformat(), "written_at": now(), "status": status, "reasons": reasons, "data_end": data_end.isoformat(), "data": provenance,
        "model": {"name": manifest["model"]["name"], "version": manifest["model"]["version"],
                  "versions_monitored": sorted({str(published.manifest(catalog, w)["model"]["version"]) for w in monitored})},
        "weeks_monitored": [w.isoformat() for w in monitored], "weeks_waiting": [w.isoformat() for w in waiting],
        "settings": asdict(settings), "caveat": measures.HELPED_CAVEAT,
        "teams": [asdict(s) for s in statuses], "override_warnings": overrides["warnings"], "feedback_decisions": len(decisions),
        "rule": "the best rule baseline found at training, its own lists: each team's top families by the rule, same places, "
                "same families supported, held or objected, no mitigation",
    }
    tables = {"precision": precision, "precision_by_group": by_group, "calibration": cal,
              "overrides_by_team": overrides["by_team"], "overrides_by_group": overrides["by_group"]}
    return report, tables


def _overrides(config: Config, listed: pd.DataFrame, decisions: pd.DataFrame, attributes: list[str]) -> dict:
    cell, round_to = config.fairness.min_cell_count, config.fairness.round_to
    by_team = override_rates(listed, decisions, by="team", min_cell_count=cell, round_to=round_to)
    parts = [override_rates(listed, decisions, by=a, min_cell_count=cell, round_to=round_to).rename(columns={a: "group"}).assign(attribute=a)
             for a in attributes]
    by_group = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["week", "group", "listed", "decision", "count",
                                                                                          "share", "attribute"])
    keys = ["week", "family_id"]
    merged = listed[keys].merge(decisions[keys + ["decision"]], on=keys, how="left") if len(listed) else pd.DataFrame(columns=[*keys, "decision"])
    count = int(merged["decision"].isin(OVERRIDES).sum()) if len(merged) else 0
    share = count / len(merged) if len(merged) else 0.0
    warnings = measures.override_warnings(by_team, by_group, share, min_override_share=config.feedback.min_override_share,
                                          group_ratio=config.feedback.group_ratio, min_listed=cell, overrides=count) if len(by_team) else []
    return {"by_team": by_team, "by_group": by_group, "warnings": warnings}


def _charts(tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    precision = tables["precision"]
    overrides = tables["overrides_by_team"]
    weekly = overrides[overrides["week"] != ALL_WEEKS] if len(overrides) else overrides
    wide = (weekly[weekly["decision"].isin(["override", "none"])].pivot_table(index=["week", "team"], columns="decision", values="share")
            .reset_index() if len(weekly) else pd.DataFrame())
    return {
        "precision": lines_over_weeks(precision, series={"precision": "the model's lists", "rule_precision": "the rule's lists"},
                                      title="Precision at capacity by week", ylabel="share with the outcome") if len(precision) else "",
        "overrides": lines_over_weeks(wide, series={"override": "overridden", "none": "no decision recorded"},
                                      title="Practitioners' decisions by week", ylabel="share of listed families") if len(wide) else "",
        "calibration": calibration_plot(tables["calibration"], "Calibration (sampled families, all monitored weeks)"),
    }
