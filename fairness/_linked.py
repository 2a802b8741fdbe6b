"""Secondary suppression across every published table of one audit (linked tables).

One report publishes counts of the same families in several tables: the overall row, a
by-group table per sensitive feature and per intersection, and calibration rows (group x
score band). Suppressing within each table is not enough: with an intersection, a group's
total minus the other intersection cells inside it gives back a hidden cell. This module
checks the whole report at once (the model is in ``_linked_system``) and hides more where
needed.

Rule
----
A count is *sensitive* when it is below ``min_cell_count``, or it is a confusion cell of a
group whose confusion cells are withheld (one of them is below the limit); a structural zero
(e.g. every group's listed count when nobody is listed) is not. The published pattern is
safe when

1. no sensitive count is determined by the published counts, by any linear combination; and
2. where one equation fixes the sum of hidden counts of one sign and one of them is below
   the limit, that sum reaches the limit (the within-table rule, in every equation).

A failure that rests on the overall row alone (always published) cannot be helped and is
left. Otherwise, round by round, :func:`linked_secondary` hides one more block per failure,
chosen among the published counts the failure rests on: a calibration row, the confusion
cells of a group (withheld, margins kept) or a group's counts in full. It prefers
calibration rows, then withheld over full, then the feature with more groups
(intersections before their parts), then the smallest group, and never hides the overall
row. Then each added block is taken back, last first, whenever the pattern stays safe
without it, so no block is left that is not needed.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from placerisk.fairness._linked_system import CAL, CONFUSION, N, CountSystem, Links


def _bundle_for(system: CountSystem, var: int):
    """The block hidden to hide ``var``, and its preference key (smaller first); None for the overall row."""
    if var < system.cal_base:
        row, column = divmod(var, 8)
        f = int(system.row_feature[row])
        if f == 0:
            return None
        kind = "withheld" if column in CONFUSION else "full"
        key = (1 if kind == "withheld" else 2, -int(system.feature_groups[f]), system.bg_values[row, N], row)
        return (kind, row), key
    j = (var - system.cal_base) // CAL
    f = int(system.row_feature[system.cal_row_of[j]])
    return ("calibration", j), (3 if f == 0 else 0, -int(system.feature_groups[f]), system.cal_values[j, N], j)


def _mask(system: CountSystem, base: np.ndarray, bundles) -> np.ndarray:
    hidden = base.copy()
    for kind, index in bundles:
        if kind == "calibration":
            hidden[system.cal_base + index * CAL: system.cal_base + (index + 1) * CAL] = True
        else:
            columns = CONFUSION if kind == "withheld" else range(8)
            hidden[[index * 8 + c for c in columns]] = True
    return hidden


def linked_secondary(links: Links, withheld: np.ndarray, in_full: np.ndarray, calibration_hidden: np.ndarray,
                     min_cell_count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Further rows to hide so that no sensitive count follows from the report's published counts.

    Parameters
    ----------
    links : Links
    withheld, in_full : ndarray of bool, shape (rows,)
        By-group rows (the overall row first) whose confusion cells, or all counts, are
        already hidden by the within-table rules.
    calibration_hidden : ndarray of bool, shape (calibration rows,)
        Calibration rows already hidden.
    min_cell_count : int

    Returns
    -------
    withheld, in_full, calibration : ndarray of bool
        Rows to hide in addition (confusion cells; all counts; calibration rows).
    """
    with _one_thread():
        return _linked_secondary(links, withheld, in_full, calibration_hidden, min_cell_count)


@contextmanager
def _one_thread():
    """Small dense solves run faster on one BLAS thread (and do not fight other work for cores)."""
    try:
        from threadpoolctl import threadpool_limits  # installed with scikit-learn
    except ImportError:  # pragma: no cover
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _linked_secondary(links, withheld, in_full, calibration_hidden, min_cell_count):
    system = CountSystem(links, min_cell_count)
    limit = min_cell_count
    if withheld.shape != (system.n_rows,) or calibration_hidden.shape != (system.n_cal,):
        raise ValueError(f"linked_secondary got {withheld.shape[0]} by-group and {calibration_hidden.shape[0]} "
                         f"calibration rows; expected {system.n_rows} and {system.n_cal} (from the links).")
    n_split = system.n_vars - system.m_base
    structural = system.structural
    bg_small = (system.bg_values < limit) & ~structural[:system.cal_base].reshape(-1, 8)
    cal_small = (system.cal_values < limit) & ~structural[system.cal_base:system.m_base].reshape(-1, CAL)
    bg_hidden = system.bg_values < limit
    bg_hidden[:, list(CONFUSION)] |= withheld[:, None]
    bg_hidden |= in_full[:, None]
    cal_hidden = calibration_hidden[:, None] | (system.cal_values < limit).any(axis=1, keepdims=True)
    cal_hidden = np.repeat(cal_hidden, CAL, axis=1)
    # split-band counts are never published: failures() always treats them as unknown
    base = np.concatenate([bg_hidden.ravel(), cal_hidden.ravel(), np.zeros(n_split, bool)])
    # a withheld group's four cells are sensitive when one of them is small (and not a structural zero)
    bg_sensitive = bg_small.copy()
    bg_sensitive[:, list(CONFUSION)] |= bg_small[:, list(CONFUSION)].any(axis=1, keepdims=True)
    small = np.concatenate([bg_small.ravel(), cal_small.ravel(), np.zeros(n_split, bool)])
    sensitive = np.concatenate([bg_sensitive.ravel(), cal_small.ravel(), np.zeros(n_split, bool)]) & ~structural
    ignored: set = set()  # equations whose one-sign sum follows from the overall row alone

    def check(hidden):  # the cheap check first: what it finds is real
        return system.failures(hidden, sensitive, small, ignored, quick=True) or \
            system.failures(hidden, sensitive, small, ignored)

    added: list = []
    hidden = base
    while found := check(hidden):  # each round hides a published count or gives up on one failure
        covered: set = set()
        for failure in found:  # one block per failure, unless a block already chosen touches it
            resting_on = system.candidates(failure, hidden)
            options = [o for o in (_bundle_for(system, u) for u in sorted(resting_on)) if o is not None]
            if not options:  # it follows from the overall row (and the list's structure) alone
                if failure[0] == "sum":
                    ignored.add(failure[1])
                else:
                    sensitive[failure[1]] = small[failure[1]] = False
                continue
            if resting_on & covered:
                continue
            bundle = min(options, key=lambda o: o[1])[0]
            added.append(bundle)
            covered |= set(np.flatnonzero(_mask(system, np.zeros_like(base), [bundle])).tolist())
        hidden = _mask(system, base, added)
    for bundle in reversed(list(added)):
        trial = [b for b in added if b != bundle]
        if not check(_mask(system, base, trial)):
            added = trial
    out_w, out_f = np.zeros(system.n_rows, bool), np.zeros(system.n_rows, bool)
    out_c = np.zeros(system.n_cal, bool)
    for kind, index in added:
        {"withheld": out_w, "full": out_f, "calibration": out_c}[kind][index] = True
    return out_w & ~withheld & ~in_full, out_f & ~in_full, out_c & ~calibration_hidden

