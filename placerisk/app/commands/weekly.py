"""`placerisk weekly [--as-of DATE]`: the week's routine in one command, for a scheduler: score and publish (drift is measured
as the lists are made), then the outcome monitor. It stops at the first step that fails, with that step's own error and exit
status, and records how far it got in the lists' ledger.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from placerisk.app.catalog import Catalog
from placerisk.app.decisions import append
from placerisk.app.monitor_report import write
from placerisk.app.publish import publish
from placerisk.config import load_config
from placerisk.errors import UserError


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    as_of = args.as_of or dt.datetime.now(dt.UTC).date()
    common = {"config": args.config, "data": args.data, "validation": args.validation}
    steps = (("score, publish and measure drift", publish, argparse.Namespace(**common, as_of=as_of, force=args.force)),
             ("monitor outcomes", write, argparse.Namespace(**common, on=as_of, force=args.force)))
    done = []
    for name, step, step_args in steps:
        print(f"weekly run for {as_of}: {name}")
        try:
            code = step(config, step_args)
        except UserError as err:
            print(f"error: {err}", file=sys.stderr)
            code = 2
        if code != 0:
            append(Catalog(config).ledger, {"event": "weekly", "as_of": as_of.isoformat(), "completed": done, "stopped_at": name,
                                            "exit": code})
            print(f"weekly run for {as_of} stopped at '{name}' (exit {code}); completed: {', '.join(done) or 'nothing'}", file=sys.stderr)
            return code
        done.append(name)
    append(Catalog(config).ledger, {"event": "weekly", "as_of": as_of.isoformat(), "completed": done, "stopped_at": None, "exit": 0})
    print(f"weekly run for {as_of} complete: {', '.join(done)}")
    return 0
