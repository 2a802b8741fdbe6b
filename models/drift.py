"""Population stability: has the scored population moved away from the one the model was built on?

The reference is pinned at training from the calibration snapshot (the latest labelled cohort of the
run, which the estimator did not fit, so a model's in-sample over-confidence cannot pass for drift) and
travels in the model bundle. Every weekly run compares its cohort with it:

- for the score and every model input, the **population stability index** over the reference's
  deciles: ``PSI = sum((a - e) * ln(a / e))`` over the bins, ``e`` the reference share and ``a`` the
  share now, each floored at :data:`EPSILON` (an empty bin would otherwise make it infinite);
- for the cohort's size and its make-up by each audit attribute, the same index over the groups.

Bins: the reference's deciles (``numpy.quantile`` at 0.1 ... 0.9, repeated edges merged), with each
edge a bin of its own between the intervals: a count that is mostly zero has its zeros in one bin
(the edge 0) and the values above in others, so families moving from 0 to 1 move bins. Missing
values have a bin of their own. Bands follow the credit-risk convention: below 0.10 stable,
0.10 to 0.25 a moderate shift, 0.25 and above a significant shift that warrants a look.

Written here rather than taken from a drift library: the index is a dozen lines, the maintained
library does not import with pandas 3 and installs about a gigabyte.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

EPSILON = 1e-4
MODERATE, SIGNIFICANT = 0.10, 0.25
DECILES = np.linspace(0.1, 0.9, 9)
MISSING = "(missing)"
SCORE = "(score)"  # the calibrated probability's column in a reference (no feature has brackets in its name)


def band(psi: float) -> str:
    """``stable`` (below 0.10), ``moderate`` (0.10 to 0.25) or ``significant`` (0.25 and above)."""
    return "significant" if psi >= SIGNIFICANT else "moderate" if psi >= MODERATE else "stable"


def psi(expected, actual, *, epsilon: float = EPSILON) -> float:
    """The population stability index of two share vectors over the same bins (each summing to 1)."""
    e = np.maximum(np.asarray(expected, dtype=np.float64), epsilon)
    a = np.maximum(np.asarray(actual, dtype=np.float64), epsilon)
    if e.shape != a.shape or e.ndim != 1:
        raise ValueError(f"shares: got shapes {e.shape} and {a.shape}; expected two vectors over the same bins")
    return float(np.sum((a - e) * np.log(a / e)))


def decile_edges(values) -> np.ndarray:
    """The reference's inner decile edges (repeated ones merged); missing values are left out."""
    v = np.asarray(values, dtype=np.float64)
    v = v[~np.isnan(v)]
    return np.unique(np.quantile(v, DECILES)) if v.size else np.array([])


def binned_counts(values, edges: np.ndarray) -> np.ndarray:
    """Counts of ``values`` in the bins of ``edges``, then missing: ``2 * len(edges) + 1`` bins, each edge a bin of its own
    between the open intervals (below the first edge, exactly the first edge, between the first two, ...), so a mass
    point such as the zeros of a count is its own bin and a shift out of it is seen."""
    v = np.asarray(values, dtype=np.float64)
    missing = np.isnan(v)
    present = v[~missing]
    index = np.searchsorted(edges, present, side="left")
    on_edge = (index < len(edges)) & (edges[np.minimum(index, max(len(edges) - 1, 0))] == present) if len(edges) else np.zeros(present.size, bool)
    counts = np.bincount(2 * index + on_edge, minlength=2 * len(edges) + 1)
    return np.append(counts, missing.sum()).astype(np.int64)


def binned_shares(values, edges: np.ndarray) -> np.ndarray:
    """``binned_counts`` as shares of all values."""
    v = np.asarray(values, dtype=np.float64)
    if v.size == 0:
        raise ValueError("values: got none; expected at least one row to measure")
    return binned_counts(v, edges) / v.size


def interval_counts(values, edges: np.ndarray) -> np.ndarray:
    """The first binning (``len(edges) + 1`` intervals, a value on an edge in the one above, then missing), kept so that a
    reference pinned with it before edges had bins of their own is still compared bin for bin."""
    v = np.asarray(values, dtype=np.float64)
    missing = np.isnan(v)
    counts = np.bincount(np.searchsorted(edges, v[~missing], side="right"), minlength=len(edges) + 1)
    return np.append(counts, missing.sum()).astype(np.int64)


def interval_shares(values, edges: np.ndarray) -> np.ndarray:
    return interval_counts(values, edges) / max(np.asarray(values).size, 1)


def counts_like(values, ref: dict) -> np.ndarray:
    """How many of ``values`` fall in each bin of the reference ``ref``, binned as it was (its shares' length tells which
    binning pinned it). Counts, not shares, so that batches (one per Spark task) can be added up."""
    edges = np.asarray(ref["edges"], dtype=np.float64)
    return interval_counts(values, edges) if len(ref["shares"]) == len(edges) + 2 else binned_counts(values, edges)


def category_shares(values, categories: list[str]) -> tuple[list[str], np.ndarray]:
    """``(categories, shares)``: the reference's categories in order, then any new one (sorted), missing as :data:`MISSING`."""
    text = pd.Series(values).astype("string").fillna(MISSING)
    counts = text.value_counts()
    counts.index = counts.index.astype(str)
    names = list(categories) + sorted(set(counts.index) - set(categories))
    return names, np.array([counts.get(c, 0) for c in names], dtype=np.float64) / max(len(text), 1)


@dataclass
class DriftReference:
    """What the model was built on: decile edges and shares per numeric column, shares per group, the cohort's size."""

    rows: int
    numeric: dict[str, dict] = field(default_factory=dict)      # column -> {"edges": [...], "shares": [...]}
    categorical: dict[str, dict] = field(default_factory=dict)  # attribute -> {"categories": [...], "shares": [...]}
    date: str | None = None

    @classmethod
    def fit(cls, numeric: pd.DataFrame, categorical: pd.DataFrame | None = None, *, date: str | None = None) -> DriftReference:
        """Pin the reference from one population: every column of ``numeric`` (the score and the inputs), of ``categorical`` (groups)."""
        for frame in (numeric, categorical):
            if frame is not None and frame.columns.duplicated().any():
                raise ValueError(f"columns: got {frame.columns[frame.columns.duplicated()][0]!r} twice; expected each column once")
        ref = cls(rows=len(numeric), date=date)
        for name in numeric.columns:
            edges = decile_edges(numeric[name])
            ref.numeric[str(name)] = {"edges": edges.tolist(), "shares": binned_shares(numeric[name], edges).tolist()}
        for name in ([] if categorical is None else categorical.columns):
            cats, shares = category_shares(categorical[name], [])
            ref.categorical[str(name)] = {"categories": cats, "shares": shares.tolist()}
        return ref

    def compare(self, numeric: pd.DataFrame, categorical: pd.DataFrame | None = None) -> pd.DataFrame:
        """One row per measured column: ``kind`` (numeric or group), ``column``, ``psi``, ``band``; the reference's columns only."""
        counts = {name: counts_like(numeric[name], ref) for name, ref in self.numeric.items() if name in numeric.columns}
        return self.compare_counts(counts, len(numeric), categorical)

    def compare_counts(self, counts: dict[str, np.ndarray], rows: int, categorical: pd.DataFrame | None = None) -> pd.DataFrame:
        """``compare`` from each numeric column's bin counts (``counts_like``, added up over batches) among ``rows`` rows."""
        if rows == 0 and counts:
            raise ValueError("values: got none; expected at least one row to measure")
        out = [("numeric", name, psi(ref["shares"], np.asarray(counts[name]) / max(rows, 1))) for name, ref in self.numeric.items() if name in counts]
        for name, ref in self.categorical.items():
            if categorical is not None and name in categorical.columns:
                cats, now = category_shares(categorical[name], ref["categories"])
                expected = np.append(ref["shares"], np.zeros(len(cats) - len(ref["categories"])))
                out.append(("group", name, psi(expected, now)))
        table = pd.DataFrame(out, columns=["kind", "column", "psi"])
        return table.assign(band=table["psi"].map(band))

    def makeup(self, categorical: pd.DataFrame) -> pd.DataFrame:
        """Each group's share of the reference and of ``categorical`` now: ``attribute``, ``group``, ``reference``, ``now``."""
        rows = []
        for name, ref in self.categorical.items():
            if name in categorical.columns:
                cats, now = category_shares(categorical[name], ref["categories"])
                expected = list(ref["shares"]) + [0.0] * (len(cats) - len(ref["categories"]))
                rows += [(name, c, float(e), float(a)) for c, e, a in zip(cats, expected, now, strict=True)]
        return pd.DataFrame(rows, columns=["attribute", "group", "reference", "now"])

    def to_dict(self) -> dict:
        return {"rows": self.rows, "date": self.date, "numeric": self.numeric, "categorical": self.categorical}

    @classmethod
    def from_dict(cls, d: dict) -> DriftReference:
        return cls(rows=int(d["rows"]), numeric=dict(d.get("numeric", {})), categorical=dict(d.get("categorical", {})), date=d.get("date"))
