"""Tiny synthetic scored populations for the fairness tests (no real data)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def make_population(n=4000, seed=0, gap=0.0):
    """Scores, outcomes and two sensitive features; ``gap`` lowers group B's scores for families in need."""
    rng = np.random.default_rng(seed)
    eth = rng.choice(["A", "B", "C"], size=n, p=[0.6, 0.3, 0.1])
    sex = rng.choice(["F", "M"], size=n)
    y = (rng.random(n) < 0.15).astype(int)
    score = rng.normal(size=n) + 1.5 * y - gap * y * (eth == "B")
    return y, score, pd.DataFrame({"ethnicity": eth, "sex": sex})


@pytest.fixture
def population():
    return make_population()
