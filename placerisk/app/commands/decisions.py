"""`placerisk decisions`: the history of every panel decision and alias change, and who was champion on a date."""

from __future__ import annotations

import argparse
import datetime as dt

from placerisk.app.catalog import Catalog
from placerisk.app.decisions import champion_on, read
from placerisk.config import load_config
from placerisk.errors import UserError


def _when(text: str) -> dt.datetime:
    """A date (the end of that day, UTC) or an ISO date and time (UTC when no zone is given)."""
    try:
        return dt.datetime.combine(dt.date.fromisoformat(text.strip()), dt.time.max, tzinfo=dt.UTC)
    except ValueError:
        pass
    try:
        when = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"--on: got {text!r}; expected a date (YYYY-MM-DD, meaning the end of that day, UTC) or a date and time "
                        "(YYYY-MM-DDTHH:MM:SS, UTC unless a zone is given)") from None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _conditions(r: dict, accepted: str = "accepted ", mitigation: str = "mitigation ") -> str:
    """"; accepted F-..; mitigation NAME" for a record that carries them (each part after its label)."""
    out = f"; {accepted}{', '.join(r['accepted_findings'])}" if r.get("accepted_findings") else ""
    return out + (f"; {mitigation}{r['mitigation']}" if r.get("mitigation") not in (None, "none") else "")


def _line(r: dict) -> str:
    extra = _conditions(r)
    if r.get("event") == "alias":
        what = f"alias {r.get('alias')} -> version {r.get('version')}" if r.get("version") else f"alias {r.get('alias')} removed"
        return f"{r['at']}  {r.get('model')}  {what} (was {r.get('previous') or 'none'}), by {r.get('by')}{extra}: {r.get('why')}"
    if r.get("event") == "monitor":
        return f"{r['at']}  {r.get('model')}  monitor {r.get('status')} for version {r.get('version')}: {' '.join(r.get('reasons') or [])} ({r.get('report')})"
    why = f" ({r['why']})" if r.get("why") else ""
    return f"{r['at']}  {r.get('model')}  {r.get('decision')} version {r.get('version')}: {r.get('outcome')}{why}, by {r.get('by')}{extra}: {r.get('note')}"


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    log = Catalog(config).decisions_log
    model = args.model or config.mlflow.registered_model
    records = [r for r in read(log) if r.get("model") == model]
    if args.on is not None:
        when = _when(args.on)
        held = champion_on(records, model, when)
        if held is None:
            print(f"{model} had no champion on {args.on} (as at {when.isoformat(timespec='seconds')}; decisions log {log})")
            return 0
        extra = _conditions(held, "accepted findings: ", "mitigation: ")
        print(f"{model} champion on {args.on} (as at {when.isoformat(timespec='seconds')}): version {held['version']}, since {held['at']}, "
              f"by decision of {held.get('by')}{extra}; note: {held.get('why')}")
        return 0
    if not records:
        print(f"no decisions recorded for {model} in {log}")
        return 0
    for r in records:
        print(_line(r))
    return 0
