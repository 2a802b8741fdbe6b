"""Text inputs as indicators, the same at training and when a bundle scores: one 0/1 column ``column=level`` per level.

A value is normalised by stripping surrounding spaces; an empty or missing cell is the level
``(missing)``. The bundle records each column's levels, so a frame holding the raw text column is
encoded exactly as training did, and a level training never saw is refused rather than scored as
"none of the levels".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MISSING_LEVEL = "(missing)"


def normalise(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip()
    return text.mask(text.fillna("") == "", MISSING_LEVEL).fillna(MISSING_LEVEL)


def indicator_name(column: str, level: str) -> str:
    return f"{column}={level}"


def indicators(values: pd.Series, column: str, levels: list[str]) -> dict[str, pd.Series]:
    """``{column=level: 0/1 float32}`` for each of ``levels``; ValueError naming a value outside them."""
    text = normalise(values)
    unknown = sorted(set(text.unique()) - set(levels))
    if unknown:
        raise ValueError(f"column {column!r}: got {unknown[0]!r}; expected one of the levels it was trained on: {levels[:10]}")
    return {indicator_name(column, level): (text == level).astype(np.float32) for level in levels}


def encode(X: pd.DataFrame, levels: dict[str, list[str]]) -> pd.DataFrame:
    """``X`` with every raw text column of ``levels`` replaced by its indicators (columns already encoded are left as they are)."""
    raw = [c for c in levels if c in X.columns]
    if not raw:
        return X
    parts = {name: series for c in raw for name, series in indicators(X[c], c, levels[c]).items()}
    return pd.concat([X.drop(columns=raw), pd.DataFrame(parts, index=X.index)], axis=1)
