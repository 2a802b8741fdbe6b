"""`placerisk approve`: the ethics panel's decision on a model version, checked by the promotion gate.

The gate decides on what the version's training run recorded (its hashed ``gate.json``, see
:mod:`placerisk.app.promotion`), never on editable tags. The panel may approve although red
findings stand, by naming each one (``--accept``), and may choose a mitigation audited at
training (``--mitigation``); both become part of the record, and the mitigation part of the
allocation policy the weekly lists use. Every decision, refusals included, is a line in the
append-only decisions log and tags on the version; an approval also logs the model card and
ATRS record with the decision added, and moves the ``champion`` alias.
"""

from __future__ import annotations

import argparse
import json

import mlflow

from placerisk.app import challenge, promotion, registry, specs, tracking
from placerisk.app.catalog import Catalog
from placerisk.app.decisions import append
from placerisk.config import load_config
from placerisk.errors import UserError
from placerisk.models.allocation import AllocationPolicy


def _accepted(args: argparse.Namespace) -> list[str]:
    return list(dict.fromkeys(a.strip() for a in (args.accept or "").split(",") if a.strip()))


def _option(args: argparse.Namespace) -> str:
    try:
        return promotion.option_name(args.mitigation)
    except ValueError as err:
        raise UserError(f"--{err}") from None


def _gate(client, config, model: str, version, args: argparse.Namespace, accepted: list[str], option: str) -> tuple[list[str], dict | None]:
    """``(reasons against, the gate record)``, from the run's own records."""
    number = str(version.version)
    holder = registry.alias_holder(client, model, "candidate")
    if holder != number:
        held = f"version {holder} holds it" if holder else "no version holds it"
        return [f"version {number} does not hold the 'candidate' alias ({held}): only the latest model trained by "
                "`placerisk train` can be approved"], None
    record, why = registry.gate_record(client, version)
    if record is None:
        return [why], None
    params = registry.run_params(client, version.run_id)
    if params.get("model_source") != version.source:
        return [f"version {number}'s model ({version.source}) is not the model its training run {version.run_id} logged "
                f"({params.get('model_source', 'none recorded')}): only a version registered by `placerisk train` can be promoted"], None
    inputs = promotion.inputs_from_record(record, option)
    reasons = promotion.reasons_against(inputs, accepted)
    reasons += promotion.champion_reasons(inputs, registry.alias_holder(client, model, "champion"), args.accept_below_champion)
    reasons += promotion.policy_differences(record, _policy_in_force(config))
    if params.get("code_state") not in ("clean", "installed") and not args.allow_dirty:
        reasons.append(f"its code cannot be identified (code state: {params.get('code_state', 'not recorded')}; a working tree with "
                       "uncommitted or untracked changes, or no git to tell): retrain from a commit, or approve with --allow-dirty "
                       "(recorded with the decision)")
    return reasons, record


def _policy_in_force(config) -> dict:
    return promotion.audit_policy(specs.fairness_policy(config), config.fairness.sensitive_features, config.fairness.intersections)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    tracking.connect(config)
    client = mlflow.MlflowClient()
    if not args.reviewer.strip() or not args.note.strip():
        raise UserError("--reviewer and --note must not be empty: every decision says who and why")
    accepted, option = _accepted(args), _option(args)
    if args.decision == "reject" and (accepted or option != promotion.UNMITIGATED or args.allow_dirty or args.accept_below_champion):
        raise UserError("--accept, --mitigation, --allow-dirty and --accept-below-champion go with --decision approve; a rejection "
                        "takes only its note")
    model = args.model or config.mlflow.registered_model
    version = registry.version(client, model, args.version, tracking.tracking_uri(config))
    number = str(version.version)  # the registry's own spelling: "01" or "candidate" is version 1 everywhere below
    record = {"model": model, "version": number, "by": args.reviewer, "decision": args.decision, "note": args.note,
              "run_id": version.run_id, "accepted_findings": accepted, "mitigation": option, "allow_dirty": bool(args.allow_dirty),
              "accepted_below_champion": bool(args.accept_below_champion)}
    log = Catalog(config).decisions_log
    if args.decision == "reject":
        return _reject(client, model, args, number, registry.alias_holder(client, model, "champion"), log, record)
    reasons, gate = _gate(client, config, model, version, args, accepted, option)
    if gate is not None:
        print("\n".join(challenge.summary_lines(gate.get("champion"))))
    if reasons:
        append(log, {**record, "event": "decision", "outcome": "refused", "why": "; ".join(reasons)})
        print(f"refused: version {number} of {model} cannot become champion: " + "; ".join(reasons) + ". Recorded in " + str(log))
        return 1
    policy = AllocationPolicy.from_dict({**gate["allocation"], "mitigation": option}).to_dict() if gate.get("allocation") else None
    return _approve(client, model, version, {**record, "allocation_policy": policy, "replaces": _replaces(gate.get("champion"))}, log)


def _replaces(against: dict | None) -> dict | None:
    """The champion this approval replaces, and what the comparison at training said (for the decisions log and the card)."""
    if against is None:
        return None
    return {"version": against.get("version"), "compared": bool(against.get("evaluated")), "comparison": challenge.verdict_text(against)}


def _approve(client, model: str, version, record: dict, log) -> int:
    number = record["version"]
    written = append(log, {**record, "event": "decision", "outcome": "recorded"})  # first: if the log cannot be written, nothing changes
    tags = {"decision": "approve", "decision_by": record["by"], "decision_note": record["note"], "decision_at": written["at"],
            "accepted_findings": ",".join(record["accepted_findings"]) or "none", "mitigation": record["mitigation"],
            "accepted_below_champion": str(record["accepted_below_champion"]).lower(),
            "allocation_policy": json.dumps(record["allocation_policy"], sort_keys=True)}
    for key, value in tags.items():
        client.set_model_version_tag(model, number, key, value)
    files = registry.log_decision_files(client, version, written)
    previous = registry.alias_holder(client, model, "champion")
    append(log, {"event": "alias", "model": model, "alias": "champion", "version": number, "previous": previous,
                 "by": record["by"], "why": record["note"], "accepted_findings": record["accepted_findings"],
                 "mitigation": record["mitigation"], "allocation_policy": record["allocation_policy"]})  # a change is never made without its record
    client.set_registered_model_alias(model, "champion", number)
    was = f" (was version {previous})" if previous else ""
    print(f"approved: {model} version {number} is now 'champion'{was}; recorded in {log}")
    if record["accepted_below_champion"]:
        print(f"  accepted below the champion: it is not shown to beat version {previous} on the primary metric; the panel's reasons: "
              f"{record['note']}")
    if record["accepted_findings"]:
        print(f"  accepted findings (they stand, judged acceptable by {record['by']}): {', '.join(record['accepted_findings'])}")
    print(f"  allocation: {record['mitigation']} (mitigation); the weekly lists use this policy")
    if files:
        print(f"  model card and ATRS record with the decision: {', '.join(files)} in run {version.run_id}")
    return 0


def _reject(client, model: str, args: argparse.Namespace, number: str, previous: str | None, log, record: dict) -> int:
    written = append(log, {**record, "event": "decision", "outcome": "recorded"})
    for key, value in {"decision": "reject", "decision_by": args.reviewer, "decision_note": args.note, "decision_at": written["at"]}.items():
        client.set_model_version_tag(model, number, key, value)
    if previous != number:
        print(f"recorded: version {number} of {model} rejected by {args.reviewer}; aliases unchanged")
        return 0
    # The panel withdrew the model in use: it stops being the champion.
    append(log, {"event": "alias", "model": model, "alias": "champion", "version": None, "previous": previous,
                 "by": args.reviewer, "why": f"rejected: {args.note}"})
    client.delete_registered_model_alias(model, "champion")
    print(f"recorded: version {number} of {model} rejected by {args.reviewer}; it was the champion, so there is "
          "now no champion")
    return 0
