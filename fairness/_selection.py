"""The operating point: which rows are put on the list, with a deterministic tie-break."""

from __future__ import annotations

import numpy as np

BAD_OPERATING_POINT = "Give exactly one of k and threshold; got k={k!r} and threshold={threshold!r}."
BAD_K = "k must be an integer between 1 and {n} (the number of rows); got {k!r}."
BAD_THRESHOLD = "threshold must be a finite number; got {threshold!r}."


def ranking(y_score) -> np.ndarray:
    """Row positions in list order: score descending, then original row position ascending.

    Parameters
    ----------
    y_score : array-like of shape (n,)

    Returns
    -------
    ndarray of int64
        ``order[0]`` is the first family on the list. Equal scores keep their
        input order (a stable sort), so callers that sort rows by a stable id
        first get the same list on every run.
    """
    return np.argsort(-np.asarray(y_score, dtype=float), kind="stable")


def selection_mask(y_score, *, k=None, threshold=None) -> np.ndarray:
    """Boolean mask of the selected rows: the top ``k`` by score, or ``score >= threshold``.

    Exactly one of ``k`` and ``threshold`` must be given. Ties at the k-th score
    are broken by original row position (earlier rows first); see :func:`ranking`.

    Examples
    --------
    >>> selection_mask([0.2, 0.9, 0.5, 0.9], k=2).tolist()
    [False, True, False, True]
    >>> selection_mask([0.2, 0.9, 0.5, 0.9], k=1).tolist()
    [False, True, False, False]
    """
    scores = np.asarray(y_score, dtype=float).ravel()
    n = scores.size
    if (k is None) == (threshold is None):
        raise ValueError(BAD_OPERATING_POINT.format(k=k, threshold=threshold))
    if threshold is not None:
        if isinstance(threshold, bool) or not np.isfinite(threshold):
            raise ValueError(BAD_THRESHOLD.format(threshold=threshold))
        return scores >= threshold
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= k <= n:
        raise ValueError(BAD_K.format(n=n, k=k))
    mask = np.zeros(n, dtype=bool)
    mask[ranking(scores)[: int(k)]] = True
    return mask
