"""The latent family state (a monthly Markov chain) and the exact oracle.

Each family moves between states 0 (stable), 1 (struggling), 2 (escalating)
and 3 (crisis). The chance of moving up grows with the family's lasting
vulnerability, its area's deprivation and its current state; the chance of
moving down is roughly constant. Every event stream's rate rises with the
state, so problems that build up show in the records before a crisis.

Because the chain is Markov and events are Poisson given the state path, the
probability that a family has an outcome event within a horizon, given all
that is true up to the month before an as-of date, can be computed exactly by
a forward recursion over the states (``oracle_probability``).
"""

from __future__ import annotations

import numpy as np

from placerisk.datatools.synth.catalogue import (
    DOWN_INTERCEPT,
    DOWN_VULNERABILITY,
    N_STATES,
    UP_DEPRIVATION,
    UP_INTERCEPT,
    UP_STATE,
    UP_VULNERABILITY,
)

BURN_IN_MONTHS = 36


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def transition_probabilities(vulnerability: np.ndarray, depz: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Monthly up and down probabilities, each (families x states)."""
    s = np.arange(N_STATES)[None, :]
    up = _sigmoid(UP_INTERCEPT + UP_VULNERABILITY * vulnerability[:, None] + UP_DEPRIVATION * depz[:, None] + UP_STATE * s)
    down = np.broadcast_to(_sigmoid(DOWN_INTERCEPT + DOWN_VULNERABILITY * vulnerability)[:, None], up.shape).copy()
    up[:, -1] = 0.0
    down[:, 0] = 0.0
    return up, down


def simulate_states(up: np.ndarray, down: np.ndarray, n_months: int, rng: np.random.Generator) -> np.ndarray:
    """State of each family in each month (int8, families x months), after a burn-in."""
    n = up.shape[0]
    rows = np.arange(n)
    state = np.zeros(n, dtype=np.int64)
    out = np.empty((n, n_months), dtype=np.int8)
    for t in range(-BURN_IN_MONTHS, n_months):
        u = rng.random(n)
        p_up = up[rows, state]
        p_down = down[rows, state]
        state = state + (u < p_up) - ((u >= p_up) & (u < p_up + p_down))
        if t >= 0:
            out[:, t] = state
    return out


def step(alpha: np.ndarray, up: np.ndarray, down: np.ndarray) -> np.ndarray:
    """One month of the chain applied to a distribution over states (families x states)."""
    stay = alpha * (1.0 - up - down)
    moved = stay.copy()
    moved[:, 1:] += alpha[:, :-1] * up[:, :-1]
    moved[:, :-1] += alpha[:, 1:] * down[:, 1:]
    return moved


def oracle_probability(
    previous_state: np.ndarray,
    up: np.ndarray,
    down: np.ndarray,
    hazard: np.ndarray,
) -> np.ndarray:
    """P(at least one outcome event in the horizon | the state the month before).

    ``hazard[f, s, h]`` is family f's expected number of outcome events in
    horizon month h if it were in state s that month.
    """
    n = len(previous_state)
    alpha = np.zeros((n, N_STATES))
    alpha[np.arange(n), previous_state] = 1.0
    for h in range(hazard.shape[2]):
        alpha = step(alpha, up, down)
        alpha = alpha * np.exp(-hazard[:, :, h])
    return 1.0 - alpha.sum(axis=1)
