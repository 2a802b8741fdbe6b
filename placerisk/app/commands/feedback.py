"""`placerisk feedback --file F`: practitioners' decisions on listed families, checked and appended to the store.

A file holding a direct identifier in any cell is refused whole (exit 1, nothing stored); rows that
break the contract are quarantined with their reasons and the rest are stored.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from placerisk.app import feedback
from placerisk.app.catalog import Catalog
from placerisk.config import load_config
from placerisk.scoring.feedback import DECISIONS


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    path = Path(args.file)
    try:
        result = feedback.ingest(config, path)
    except feedback.Refused as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    store = Catalog(config).feedback_store
    print(f"feedback from {path}: {result.rows:,} rows, {len(result.accepted):,} stored in {store}, "
          f"{result.rows - len(result.accepted):,} quarantined")
    if len(result.accepted):
        counts = result.accepted["decision"].value_counts()
        print("  " + ", ".join(f"{DECISIONS[d]}: {int(counts[d])}" for d in DECISIONS if d in counts))
    if result.ignored:
        print(f"  warning: column(s) {', '.join(result.ignored)} are not in the contract and were not stored (see docs/feedback.md)")
    for row in result.quarantined.head(20).itertuples():
        print(f"  quarantined: row {row.row}, column {row.column!r}: {row.reason}")
    if len(result.quarantined) > 20:
        print(f"  ... and {len(result.quarantined) - 20} more reasons")
    if result.quarantine:
        print(f"  the quarantined rows with their reasons: {result.quarantine} (fix them and send them again)")
    for partner, target in result.partner_reports.items():
        print(f"  data reported wrong to {partner}: {target}")
    return 0
