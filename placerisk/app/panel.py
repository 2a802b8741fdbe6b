"""What a training run prepares for the ethics panel: mitigation options audited on every test snapshot,
the trade-off table, the comparison with the oracle's lists, and the gate record.

Every option is a :class:`~placerisk.models.allocation.Mitigation` the weekly scorer can apply
without outcomes; each is audited here, on the same test snapshots and through the same
allocation as the unmitigated lists, so ``approve --mitigation`` decides on a re-audit that
already exists and is hashed with the rest of the gate record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from placerisk.app.promotion import UNMITIGATED
from placerisk.fairness import AuditResult, oracle_comparison
from placerisk.models.allocation import MITIGATION_KINDS, Mitigation
from placerisk.training import TrainingData
from placerisk.training.audit import AuditSettings, audit_snapshot, snapshot_lists
from placerisk.training.pipeline import TestPredictions

NOT_MITIGATED = ("team",)  # a team's list is its own capacity: a gap between teams is a capacity decision, not a ranking one


def options_for(audits: Sequence[AuditResult], attributes: Sequence[str]) -> list[Mitigation]:
    """Mitigations worth auditing: every kind, for each attribute with a red (primary, outside) finding on any snapshot."""
    red = {f.feature for a in audits for f in a.findings if f.red}
    return [Mitigation(kind, a) for a in attributes if a in red and a not in NOT_MITIGATED for kind in MITIGATION_KINDS]


def audit_options(predictions: Sequence[TestPredictions], data: TrainingData, settings: AuditSettings,
                  unmitigated: Sequence[AuditResult], say) -> dict[str, list[AuditResult]]:
    """``{option: one audit per test snapshot}``: the unmitigated audits, then each mitigation's."""
    out = {UNMITIGATED: list(unmitigated)}
    if settings.allocation is None or data.team is None or data.sensitive is None:
        return out
    for option in options_for(unmitigated, list(data.sensitive.columns)):
        say(f"fairness: re-auditing the chosen model with {option.name} on every test snapshot")
        out[option.name] = [audit_snapshot(p, data, settings, option) for p in predictions]
    return out


def tradeoffs(options: Mapping[str, Sequence[AuditResult]], metric: str) -> pd.DataFrame:
    """One row per option, on the latest test snapshot: list size, precision, recall, the spread of ``metric``'s ratio
    to the reference group, and the light over every snapshot (a table for :func:`placerisk.fairness.render_all`)."""
    rows = []
    for name, audits in options.items():
        latest = audits[-1]
        o = latest.table("overall", published=False).iloc[0]
        d = latest.table("disparities", published=False)
        d = d[(d["metric"] == metric) & d["ratio"].notna() & (d["min_count"] >= latest.policy.min_cell_count)]
        worst = d.loc[(np.log(d["ratio"].clip(lower=1e-12))).abs().idxmax()] if len(d) else None
        lights = [a.traffic_light for a in audits]
        red = sorted({f.id for a in audits for f in a.findings if f.red})
        how = "the lists as trained" if name == UNMITIGATED else Mitigation.parse(name).description
        rows.append({"option": name, "selected": int(o["selected"]), "true_positives": int(o["tp"]), "false_positives": int(o["fp"]),
                     "false_negatives": int(o["fn"]), "precision": o["tp"] / o["selected"] if o["selected"] else float("nan"),
                     "recall": o["recall"], f"min_ratio_{metric}": float(d["ratio"].min()) if len(d) else float("nan"),
                     f"max_ratio_{metric}": float(d["ratio"].max()) if len(d) else float("nan"),
                     "worst_group": None if worst is None else f"{worst['group']} ({worst['feature']})", "groups_compared": len(d),
                     "note": f"{how}; lights by snapshot: {', '.join(lights)}; red findings: {len(red)}"
                             + ("" if name == UNMITIGATED else f"; choose with approve --mitigation {name}")})
    return pd.DataFrame(rows)


def oracle_tables(predictions: Sequence[TestPredictions], data: TrainingData, settings: AuditSettings) -> list[pd.DataFrame] | None:
    """Per test snapshot, each group's listed share under the model beside the oracle's lists (synthetic data only)."""
    if data.oracle is None or settings.allocation is None or data.team is None or data.sensitive is None:
        return None
    out = []
    for preds in predictions:
        model = snapshot_lists(preds, data, settings.allocation).listed
        truth = snapshot_lists(preds, data, settings.allocation, oracle=True).listed
        out.append(oracle_comparison(data.sensitive.iloc[preds.rows].reset_index(drop=True), model, truth, policy=settings.policy,
                                     intersections=settings.intersections))
    return out
