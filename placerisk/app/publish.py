"""Publishing a week's lists (`placerisk score`, and the first step of `placerisk weekly`): the champion scores the cohort and
every team gets its weekly list, published in one step.

Everything is written to a folder beside the target and moved into place in one rename; an
as-of date already published is refused without ``--force``, and a forced re-run keeps the
earlier one beside it. A refusal (no champion, changed definitions, unvalidated or changed
extracts, a date the data does not reach) publishes nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json

import numpy as np

from placerisk.app import champion, scored_week, tracking, weekly
from placerisk.app.build import open_build
from placerisk.app.catalog import LIST_FILES, Catalog
from placerisk.app.decisions import append, now
from placerisk.app.outputs import staged_folder
from placerisk.app.progress import Progress
from placerisk.config import Config
from placerisk.errors import UserError
from placerisk.models.allocation import allocate
from placerisk.scoring.lists import OPEN_ENGAGEMENT, counts_by_team, held_table, left_table, listed_table, supported_table
from placerisk.scoring.outputs import csv_bytes, summary_page, team_page, workbook_bytes
from placerisk.scoring.summary import listed_shares


def publish(config: Config, args: argparse.Namespace) -> int:
    """Score and publish the lists of ``args.as_of`` (``args``: ``as_of``, ``data``, ``validation``, ``force``); 0 when published."""
    say = Progress()
    catalog = Catalog(config)
    data_dir = catalog.data_dir(args.data)
    folder = catalog.lists(args.as_of)
    if (folder / "manifest.json").is_file() and not args.force:
        raise UserError(f"the lists for {args.as_of} are already published in '{folder}': pass --force to publish them again "
                        "(the earlier lists are kept beside)")
    champ = champion.champion(config)
    fs = champion.check_definitions(config, champ.risk)
    champion.check_config(config, champ)
    policy = champ.policy.with_weeks(1)  # one week of the approved policy: each team's weekly capacity
    say(f"champion: {champ.model} version {champ.version} ({champ.risk.name}); lists: each team's top families up to its weekly capacity"
        + (f", with {policy.mitigation.name}" if policy.mitigation else ""))
    with open_build(config, data_dir, catalog.validation(data_dir, args.validation), say) as build:
        provenance = build.provenance()
        fits = champion.data_warnings(build.fetch, fs, build.report, args.as_of)
        for week in scored_week.scored(build, args.as_of, champ.risk):
            cohort, groups = week.cohort, week.groups
            supported, objected = weekly.family_flags(build.con, args.as_of, cohort["family_id"].to_numpy())
            fb, feedback = weekly.feedback_flags(config, catalog, cohort, args.as_of, provenance["data_fingerprint"])
            lists = allocate(cohort["score"], rank_score=cohort["rank_score"], team=cohort["team"], family_id=cohort["family_id"],
                             policy=policy, supported=supported | fb.engaged, held=fb.held,
                             objected=cohort["family_id"].isin(objected).to_numpy(), groups=groups)
            say(f"scored and listed {len(cohort):,} families in the cohort on {args.as_of}: {lists.n_listed:,} listed"
                + (f" ({feedback['held']:,} held and {feedback['engaged']:,} engaged after feedback)" if feedback["decisions_in_force"] else "")
                + "; explaining them")
            rows = np.flatnonzero(lists.listed)
            reasons = weekly.reasons_for(build.fetch, fs, champ.risk, week.inputs_of(rows), cohort["family_id"].to_numpy()[rows], args.as_of)
            say(f"reasons for {lists.n_listed:,} listed families, with their most recent records; drift against training")
            rule_listed = weekly.baseline_lists(week.baseline_score, cohort, lists)
            monitoring = weekly.monitoring_frame(cohort, groups, lists, week.baseline_score, rule_listed)
            drift = week.drift(champ.risk)
    last_week, previous = weekly.previous_lists(catalog, args.as_of)
    why_supported = np.where(supported, OPEN_ENGAGEMENT, fb.engaged_why)
    tables = {"listed": listed_table(cohort, lists, reasons, previous, back=fb.back_why),
              "supported": supported_table(cohort, lists, why=why_supported),
              "left": left_table(previous, cohort, lists, objected, held_why=fb.held_why), "held": held_table(cohort, lists, fb.held_why)}
    counts = counts_by_team(tables["listed"], tables["supported"], tables["left"], lists)
    after = {"feedback": feedback, "drift": drift, "monitor": weekly.monitor_status(catalog, args.as_of), "data_fit": fits}
    manifest = _manifest(config, champ, args, provenance, counts, last_week, after)
    for warning in fits:
        say(f"warning: the champion's data: {warning}")
    for warning in drift.get("warnings", [])[:5]:
        say(f"warning: drift: {warning}")
    say("writing and publishing the lists")
    with staged_folder(folder, overwrite=args.force, kind="weekly lists", owned=set(LIST_FILES), keep_previous=True, flag="--force") as staging:
        _write(staging, config, tables, counts, groups, lists, manifest, args.as_of)
        Catalog.monitoring(staging).parent.mkdir()
        monitoring.to_parquet(Catalog.monitoring(staging), index=False)
    append(catalog.ledger, {"event": "published", "as_of": args.as_of.isoformat(), "folder": str(folder), "model": champ.model,
                            "version": champ.version, "forced": bool(args.force), "listed": int(counts["listed"].sum())})
    say("published")
    _print(folder, counts, catalog)
    return 0


def _manifest(config: Config, champ, args, provenance: dict, counts, last_week, after: dict) -> dict:
    d = champ.decision
    return {
        "as_of": args.as_of.isoformat(), "published_at": now(),
        "model": {"name": champ.model, "version": champ.version, "uri": champ.uri, "run_id": champ.run_id, "candidate": champ.risk.name},
        "approval": {"by": d.get("by"), "at": d.get("at"), "note": d.get("why"), "accepted_findings": d.get("accepted_findings") or [],
                     "mitigation": d.get("mitigation") or "none"},
        "allocation_policy": {**champ.policy.to_dict(), "weekly_list": "one week of the approved policy: each team's weekly capacity"},
        "champion_history": [{k: r.get(k) for k in ("at", "version", "previous", "by", "why")} for r in champ.history],
        "config_hash": weekly.config_hash(config), "data": provenance, "code": tracking.code_version(),
        "previous_week": None if last_week is None else last_week.isoformat(),
        "teams": counts.to_dict("records"),
        "feedback": after["feedback"], "monitor": after["monitor"], "drift": after["drift"],
        "data_fit": {"status": "warnings" if after["data_fit"] else "fits", "warnings": after["data_fit"]},
    }


def _write(staging, config: Config, tables: dict, counts, groups, lists, manifest: dict, as_of: dt.date) -> None:
    catalog = Catalog(config)
    facts = {"model": f"{manifest['model']['name']} version {manifest['model']['version']}", "approved_by": manifest["approval"]["by"],
             "accepted_findings": ", ".join(manifest["approval"]["accepted_findings"]), "data_end": manifest["data"]["data_end"],
             "first_run": manifest["previous_week"] is None, "round_to": config.fairness.round_to, "min_cell_count": config.fairness.min_cell_count,
             "hold_weeks": config.feedback.hold_weeks, "band_rise": config.feedback.band_rise}
    for team, cap in lists.policy.capacities:
        mine = {name: t[t["Team"] == team].reset_index(drop=True) for name, t in tables.items()}
        folder = catalog.team_folder(staging, team)
        folder.mkdir(parents=True)
        (folder / "list.csv").write_bytes(csv_bytes(mine["listed"]))
        (folder / "left.csv").write_bytes(csv_bytes(mine["left"]))
        (folder / "supported.csv").write_bytes(csv_bytes(mine["supported"]))
        (folder / "held.csv").write_bytes(csv_bytes(mine["held"]))
        (folder / "list.xlsx").write_bytes(workbook_bytes(mine["listed"], mine["left"], mine["supported"], as_of, team, held=mine["held"]))
        (folder / "list.html").write_text(team_page(team, as_of, mine["listed"], mine["left"], mine["supported"], {**facts, "places": cap},
                                                    held=mine["held"]), encoding="utf-8")
    shares = listed_shares(groups, np.asarray(lists.listed), min_cell_count=config.fairness.min_cell_count, round_to=config.fairness.round_to)
    (staging / "summary.html").write_text(summary_page(as_of, counts, shares, facts, after=manifest), encoding="utf-8")
    (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8")


def _print(folder, counts, catalog: Catalog) -> None:
    print(f"published the weekly lists in {folder}:")
    for r in counts.itertuples():
        print(f"  {r.team:<12} {r.listed:>4} listed ({r.new} new), {r.left} left, {r.supported} already supported, {r.held} held: "
              f"{catalog.team_folder(folder, r.team) / 'list.html'}")
    print(f"  VRU summary across teams: {folder / 'summary.html'}; manifest: {folder / 'manifest.json'}")
