"""`placerisk monitor [--on DATE]`: the published weeks against the outcomes known since, and what practitioners decided.

Writes ``<output_dir>/monitor/<date>/`` in one step: ``report.html`` (status first, charts over time),
``report.json`` and the tables as CSV. A red status is appended to the decisions log; the next
weekly run puts the latest status in its manifest and VRU summary. A second run on the same date
needs ``--force`` and keeps the earlier report beside. See ``placerisk.app.monitor_report``.
"""

from __future__ import annotations

import argparse

from placerisk.app.monitor_report import write
from placerisk.config import load_config


def run(args: argparse.Namespace) -> int:
    return write(load_config(args.config), args)
