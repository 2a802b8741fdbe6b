"""`placerisk findings`: what the panel must decide on for a version, read from its training run's gate record."""

from __future__ import annotations

import argparse

import mlflow

from placerisk.app import challenge, promotion, registry, tracking
from placerisk.config import load_config
from placerisk.errors import UserError
from placerisk.fairness import SERIOUSNESS


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    tracking.connect(config)
    client = mlflow.MlflowClient()
    model = args.model or config.mlflow.registered_model
    version = registry.version(client, model, args.version, tracking.tracking_uri(config))
    record, why = registry.gate_record(client, version)
    if record is None:
        raise UserError(f"version {version.version} of {model}: {why}")
    try:
        option = promotion.option_name(args.mitigation)
    except ValueError as err:
        raise UserError(f"--{err}") from None
    if option not in record["options"]:
        raise UserError(f"--mitigation: got {option!r}; expected one of the options audited at training: {', '.join(record['options'])}")
    inputs = promotion.inputs_from_record(record, option)
    if args.red_ids:
        print(",".join(inputs.red_findings))
        return 0
    print(f"{model} version {version.version} ({record['model']}), run {version.run_id}")
    for name in record["options"]:
        light = promotion.inputs_from_record(record, name).fairness_light
        print(f"  allocation {name}: traffic light {light} over {len(record['options'][name])} test snapshot(s)")
    shown: dict[str, dict] = {}  # one line per finding id: the most serious snapshot's sentence, and every snapshot it is in
    for snapshot in record["options"][option]:
        for f in snapshot["findings"]:
            entry = shown.setdefault(f["id"], {**f, "splits": []})
            entry["splits"].append(snapshot["split"])
            if SERIOUSNESS[f["status"]] < SERIOUSNESS[entry["status"]]:
                entry.update({k: f[k] for k in ("status", "sentence", "primary")})
    shown = dict(sorted(shown.items(), key=lambda item: (not promotion.is_red(item[1]), SERIOUSNESS[item[1]["status"]])))
    print(f"findings under {option} ({len(shown)}; red = a primary metric outside tolerance):")
    for fid, f in shown.items():
        red = "RED  " if promotion.is_red(f) else "     "
        print(f"  {red}{fid} [{', '.join(f['splits'])}]: {f['sentence']}")
    print("\n".join(challenge.summary_lines(record.get("champion"))))
    in_use = registry.alias_holder(client, model, "champion")
    if in_use != str(version.version):  # the champion itself is not judged against itself
        reasons_champion = promotion.champion_reasons(inputs, in_use)
        if reasons_champion:
            print("against the champion: " + "; ".join(reasons_champion))
    reasons = promotion.reasons_against(inputs, accepted=inputs.red_findings)
    if reasons:
        print("whatever the panel accepts, it cannot be promoted: " + "; ".join(reasons))
    return 0
