"""`placerisk approve`: the ethics panel's decision on a model version, checked by the promotion gate.

A decision is recorded as model-version tags and a line in the append-only
decisions log. Approval moves the ``champion`` alias only when the gate
(:mod:`placerisk.app.promotion`) finds no reason against the version; otherwise
it is refused, with the reasons, and the refusal is logged too.
"""

from __future__ import annotations

import argparse

import mlflow
from mlflow.exceptions import MlflowException

from placerisk.app import promotion, tracking
from placerisk.app.catalog import Catalog
from placerisk.app.decisions import append
from placerisk.config import load_config
from placerisk.errors import UserError


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    tracking.connect(config)
    client = mlflow.MlflowClient()
    if not args.reviewer.strip() or not args.note.strip():
        raise UserError("--reviewer and --note must not be empty: every decision says who and why")
    try:
        version = client.get_model_version(args.model, str(args.version))
    except MlflowException as err:
        if err.error_code != "RESOURCE_DOES_NOT_EXIST":
            raise
        raise UserError(f"model {args.model!r} version {args.version!r} not found in {tracking.tracking_uri(config)}") from None
    number = str(version.version)  # the registry's own spelling: "01" is version 1 everywhere below
    record = {"model": args.model, "version": number, "by": args.reviewer, "decision": args.decision, "note": args.note,
              "run_id": version.run_id}
    log = Catalog(config).decisions_log
    reasons = promotion.reasons_against(promotion.from_tags(version.tags)) if args.decision == "approve" else []
    if reasons:
        append(log, {**record, "event": "decision", "outcome": "refused", "why": "; ".join(reasons)})
        print(f"refused: version {number} of {args.model} cannot become champion: " + "; ".join(reasons) + ". Recorded in " + str(log))
        return 1
    written = append(log, {**record, "event": "decision", "outcome": "recorded"})  # first: if the log cannot be written, nothing changes
    for key, value in {"decision": args.decision, "decision_by": args.reviewer, "decision_note": args.note, "decision_at": written["at"]}.items():
        client.set_model_version_tag(args.model, number, key, value)
    try:
        previous = str(client.get_model_version_by_alias(args.model, "champion").version)
    except MlflowException:
        previous = None
    if args.decision == "reject":
        return _reject(client, args, number, previous, log)
    append(log, {"event": "alias", "model": args.model, "alias": "champion", "version": number, "previous": previous,
                 "by": args.reviewer, "why": args.note})  # written first: a change is never made without its record
    client.set_registered_model_alias(args.model, "champion", number)
    was = f" (was version {previous})" if previous else ""
    print(f"approved: {args.model} version {number} is now 'champion'{was}; recorded in {log}")
    return 0


def _reject(client, args: argparse.Namespace, number: str, previous: str | None, log) -> int:
    if previous != number:
        print(f"recorded: version {number} of {args.model} rejected by {args.reviewer}; aliases unchanged")
        return 0
    # The panel withdrew the model in use: it stops being the champion.
    append(log, {"event": "alias", "model": args.model, "alias": "champion", "version": None, "previous": previous,
                 "by": args.reviewer, "why": f"rejected: {args.note}"})
    client.delete_registered_model_alias(args.model, "champion")
    print(f"recorded: version {number} of {args.model} rejected by {args.reviewer}; it was the champion, so there is "
          "now no champion")
    return 0
