"""The audited metrics: names, formulas from confusion counts, and plain-English wording."""

from __future__ import annotations

import numpy as np

# Rates computed from the four confusion cells of a group.  Each entry gives the
# numerator cells and the denominator cells; the complement (denominator minus
# numerator) is also a count the rate reveals, so suppression checks all three.
RATE_CELLS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "selection_rate": (("tp", "fp"), ("tp", "fp", "fn", "tn")),
    "recall": (("tp",), ("tp", "fn")),
    "false_negative_rate": (("fn",), ("tp", "fn")),
    "false_positive_rate": (("fp",), ("fp", "tn")),
    "precision": (("tp",), ("tp", "fp")),
    "false_omission_rate": (("fn",), ("fn", "tn")),
    "base_rate": (("tp", "fn"), ("tp", "fp", "fn", "tn")),
}

#: Metrics a policy may name, in report order (``base_rate`` is descriptive only).
METRICS = (
    "false_negative_rate",
    "recall",
    "selection_rate",
    "false_positive_rate",
    "precision",
    "false_omission_rate",
    "roc_auc",
)

#: Accepted synonyms, mapped to the canonical name used in every table.
ALIASES = {"true_positive_rate": "recall", "tpr": "recall", "fnr": "false_negative_rate",
           "fpr": "false_positive_rate", "demographic_parity": "selection_rate", "auc": "roc_auc"}

LABELS = {
    "false_negative_rate": "false-negative rate",
    "recall": "recall (true-positive rate)",
    "selection_rate": "selection rate",
    "false_positive_rate": "false-positive rate",
    "precision": "precision",
    "false_omission_rate": "false omission rate",
    "roc_auc": "ROC AUC",
    "base_rate": "observed outcome rate",
}

# "{who}" is a noun phrase naming families (e.g. "families in deprivation quintile 1"); the ratio follows the phrase,
# then the comparison and the reference group's phrase.
PHRASES = {
    "false_negative_rate": ("{who} who are in need are missed (false-negative rate)", "as often as"),
    "recall": ("{who} who are in need are found (recall)", "as often as"),
    "selection_rate": ("{who} are put on the list (selection rate)", "as often as"),
    "false_positive_rate": ("{who} who are not in need are put on the list (false-positive rate)", "as often as"),
    "precision": ("{who}, when listed, turn out to be in need (precision)", "as often as"),
    "false_omission_rate": ("{who}, when not listed, turn out to be in need (false omission rate)", "as often as"),
    "roc_auc": ("The score ranks those in need above the others among {who} (ROC AUC)", "as well as among"),
}


def canonical(name: str) -> str:
    """Return the canonical metric name for ``name`` (an alias or a canonical name)."""
    return ALIASES.get(name, name)


def count_dependencies(metric: str) -> tuple[str, ...]:
    """Confusion cells (``tp``, ``fp``, ``fn``, ``tn``) whose sums a metric reveals.

    A rate reveals its numerator, its denominator and their difference; every one
    of these must reach the minimum cell count before the rate may be published.
    """
    if metric == "roc_auc":
        return ("positives", "negatives")
    num, den = RATE_CELLS[metric]
    rest = tuple(c for c in den if c not in num)
    return ("+".join(num), "+".join(den), "+".join(rest))


def rates(tp, fp, fn, tn) -> dict[str, np.ndarray]:
    """Every rate of :data:`RATE_CELLS` from confusion counts (any broadcastable shapes).

    A rate whose denominator is zero is NaN (fairlearn reports 0 there).
    """
    cells = {"tp": np.asarray(tp, dtype=float), "fp": np.asarray(fp, dtype=float),
             "fn": np.asarray(fn, dtype=float), "tn": np.asarray(tn, dtype=float)}
    out = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        for name, (num, den) in RATE_CELLS.items():
            numerator = sum(cells[c] for c in num)
            denominator = sum(cells[c] for c in den)
            out[name] = np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1), np.nan)
    return out
