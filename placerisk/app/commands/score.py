"""`placerisk score --as-of DATE`: the champion scores the cohort and every team gets its weekly list, published in one step.

Everything is written to a folder beside the target and moved into place in one rename; an
as-of date already published is refused without ``--force``, and a forced re-run keeps the
earlier one beside it. A refusal (no champion, changed definitions, unvalidated or changed
extracts, a date the data does not reach) publishes nothing. See ``placerisk.app.publish``.
"""

from __future__ import annotations

import argparse

from placerisk.app.publish import publish
from placerisk.config import load_config


def run(args: argparse.Namespace) -> int:
    return publish(load_config(args.config), args)
