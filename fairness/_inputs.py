"""Input checks and group encoding shared by the audit, proxy check and mitigation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

MISSING = "Missing"
INTERSECTION_SEPARATOR = " x "
LABEL_SEPARATOR = ", "

BAD_LENGTH = "{name} has {got} rows; expected {expected} (the number of rows of y_true)."
BAD_Y_TRUE = "y_true must hold only 0 and 1 (or False and True); got values {got}."
BAD_Y_SCORE = "y_score must be finite numbers; got {got} missing or infinite values."
EMPTY_INPUT = "y_true is empty; expected at least one row."
BAD_SENSITIVE = "sensitive_features must be a pandas DataFrame (one column per feature) or a named Series; got {got}."
NO_SENSITIVE = "sensitive_features has no columns; expected at least one sensitive feature."
DUPLICATE_COLUMNS = ("sensitive_features has duplicate column names {got}; expected each sensitive feature once "
                     "(e.g. 'sex,ethnicity', not 'sex,sex').")
DUPLICATE_IN_INTERSECTION = ("intersection {got!r} names column {column!r} more than once; expected distinct "
                             "columns (e.g. ('ethnicity', 'sex')).")
BAD_INTERSECTION = "intersections must be tuples of at least two column names of sensitive_features ({columns}); got {got!r}."


@dataclass(frozen=True)
class GroupFeature:
    """One sensitive feature (or intersection) encoded as integer group codes.

    Attributes
    ----------
    name : str
        Column name, or the member names joined by " x " for an intersection.
    labels : tuple of str
        Group labels; ``codes`` index into it.
    codes : ndarray of int64
        Group code per row.
    """

    name: str
    labels: tuple[str, ...]
    codes: np.ndarray

    @property
    def counts(self) -> np.ndarray:
        return np.bincount(self.codes, minlength=len(self.labels))


def check_labels_and_scores(y_true, y_score) -> tuple[np.ndarray, np.ndarray]:
    """Validate and return ``y_true`` as int8 0/1 and ``y_score`` as float64 (copies, never views)."""
    y_t = np.asarray(y_true).ravel()
    if y_t.size == 0:
        raise ValueError(EMPTY_INPUT)
    y_s = np.array(y_score, dtype=float).ravel()
    if y_s.size != y_t.size:
        raise ValueError(BAD_LENGTH.format(name="y_score", got=y_s.size, expected=y_t.size))
    if y_t.dtype.kind not in "biuf":
        raise ValueError(BAD_Y_TRUE.format(got=sorted(map(str, pd.unique(y_t)))[:5]))
    values = np.unique(y_t)
    if not np.isin(values, [0, 1]).all():
        raise ValueError(BAD_Y_TRUE.format(got=values[:5].tolist()))
    bad = int((~np.isfinite(y_s)).sum())
    if bad:
        raise ValueError(BAD_Y_SCORE.format(got=bad))
    return y_t.astype(np.int8), y_s


def _sorted_labels(values: pd.Series) -> list:
    if isinstance(values.dtype, pd.CategoricalDtype):
        present = set(values.dropna().unique())
        return [c for c in values.cat.categories if c in present]
    uniques = list(values.dropna().unique())
    try:
        return sorted(uniques)
    except TypeError:
        return sorted(uniques, key=str)


def encode_column(values: pd.Series, name: str) -> GroupFeature:
    """Encode one column; missing values become the explicit group "Missing"."""
    ordered = _sorted_labels(values)
    labels = [str(v) for v in ordered]
    codes = pd.Categorical(values, categories=ordered).codes.astype(np.int64)
    if (codes < 0).any():
        if MISSING in labels:
            codes[codes < 0] = labels.index(MISSING)
        else:
            codes[codes < 0] = len(labels)
            labels.append(MISSING)
    return GroupFeature(name=str(name), labels=tuple(labels), codes=codes)


def intersect(members: Sequence[GroupFeature]) -> GroupFeature:
    """The intersection of several encoded features; only combinations that occur are kept."""
    combined = np.zeros(members[0].codes.size, dtype=np.int64)
    for feature in members:
        combined = combined * len(feature.labels) + feature.codes
    present, codes = np.unique(combined, return_inverse=True)
    labels = []
    for value in present:
        parts = []
        for feature in reversed(members):
            value, code = divmod(int(value), len(feature.labels))
            parts.append(feature.labels[code])
        labels.append(LABEL_SEPARATOR.join(reversed(parts)))
    name = INTERSECTION_SEPARATOR.join(f.name for f in members)
    return GroupFeature(name=name, labels=tuple(labels), codes=codes.astype(np.int64))


def as_frame(sensitive_features, n_rows: int) -> pd.DataFrame:
    """Check ``sensitive_features`` is a DataFrame (or named Series) with ``n_rows`` rows."""
    if isinstance(sensitive_features, pd.Series):
        if sensitive_features.name is None:
            raise ValueError(BAD_SENSITIVE.format(got="a Series without a name"))
        sensitive_features = sensitive_features.to_frame()
    if not isinstance(sensitive_features, pd.DataFrame):
        raise TypeError(BAD_SENSITIVE.format(got=type(sensitive_features).__name__))
    if sensitive_features.shape[1] == 0:
        raise ValueError(NO_SENSITIVE)
    if len(sensitive_features) != n_rows:
        raise ValueError(BAD_LENGTH.format(name="sensitive_features", got=len(sensitive_features), expected=n_rows))
    names = pd.Index([str(c) for c in sensitive_features.columns])
    if names.has_duplicates:
        raise ValueError(DUPLICATE_COLUMNS.format(got=sorted(set(names[names.duplicated()]))))
    return sensitive_features


def encode_features(sensitive_features, n_rows: int, intersections=()) -> list[GroupFeature]:
    """Encode every column of ``sensitive_features`` and then each requested intersection."""
    frame = as_frame(sensitive_features, n_rows)
    encoded = {str(c): encode_column(frame[c], str(c)) for c in frame.columns}
    out = list(encoded.values())
    for combo in intersections:
        if isinstance(combo, str) or len(combo) < 2 or any(str(c) not in encoded for c in combo):
            raise ValueError(BAD_INTERSECTION.format(columns=", ".join(encoded), got=combo))
        names = [str(c) for c in combo]
        repeated = next((c for c in names if names.count(c) > 1), None)
        if repeated is not None:
            raise ValueError(DUPLICATE_IN_INTERSECTION.format(got=tuple(combo), column=repeated))
        out.append(intersect([encoded[str(c)] for c in combo]))
    return out
