"""The rows a training run works on: features, labels, dates and what is kept beside them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class TrainingData:
    """Labelled rows, one per (family, as-of date).

    ``X`` holds model inputs only. ``family_id`` breaks ranking ties and is
    never a model input nor logged; ``team`` (the place-based team whose area
    the family lives in: the lists are per team), ``sensitive`` (audit
    attributes) and ``oracle`` (true probabilities, synthetic data only) ride
    alongside.
    """

    X: pd.DataFrame
    y: np.ndarray
    as_of_date: np.ndarray
    family_id: np.ndarray
    sensitive: pd.DataFrame | None = None
    oracle: np.ndarray | None = None
    team: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = len(self.X)
        for name in ("y", "as_of_date", "family_id", "sensitive", "oracle", "team"):
            value = getattr(self, name)
            if value is not None and len(value) != n:
                raise ValueError(f"{name}: got {len(value)} rows; expected {n}, one per row of X")
        y = np.asarray(self.y)
        if not np.isin(y, (0, 1)).all():
            bad = np.unique(y[~np.isin(y, (0, 1))])[:3].tolist()
            raise ValueError(f"y: got values {bad}; expected 0 or 1 on every labelled row")

    @property
    def dates(self) -> list[dt.date]:
        return sorted({pd.Timestamp(d).date() for d in np.unique(self.as_of_date)})

    def rows(self, dates) -> np.ndarray:
        """Positions of the rows dated on any of ``dates``."""
        wanted = np.array([np.datetime64(d, "D") for d in dates])
        return np.flatnonzero(np.isin(self.as_of_date.astype("datetime64[D]"), wanted))

    @classmethod
    def from_frames(cls, X: pd.DataFrame, meta: pd.DataFrame, *, label: str = "label", time: str = "as_of_date", id: str = "family_id",
                    sensitive: list[str] | None = None, oracle: pd.Series | None = None, team: str | None = None) -> TrainingData:
        """Keep rows with a label; align ``meta`` (and ``oracle``) with ``X`` row by row."""
        for name, other in (("meta", meta), ("oracle", oracle)):
            if other is not None and len(other) != len(X):
                raise ValueError(f"{name}: got {len(other)} rows; expected {len(X)}, one per row of X")
        keep = meta[label].notna().to_numpy()
        meta = meta.loc[keep]
        raw = pd.to_numeric(meta[label], errors="coerce")
        if raw.isna().any() or not raw.isin([0, 1]).all():
            bad = meta[label][raw.isna() | ~raw.isin([0, 1])].iloc[0]
            shown = f"{bad:g}" if isinstance(bad, (int, float)) else repr(bad)
            raise ValueError(f"{label}: got values [{shown}]; expected 0 or 1 on every labelled row")
        return cls(
            X=X.loc[keep].reset_index(drop=True),
            y=meta[label].to_numpy().astype(np.int8),
            as_of_date=pd.to_datetime(meta[time]).to_numpy().astype("datetime64[D]"),
            family_id=meta[id].astype(str).to_numpy(),
            sensitive=meta[sensitive].reset_index(drop=True) if sensitive else None,
            oracle=None if oracle is None else np.asarray(oracle, dtype=np.float64)[keep],
            team=None if team is None else meta[team].astype(str).to_numpy(),
        )
