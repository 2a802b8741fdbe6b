"""A synthetic person-level feature table of the shape data scientists bring (for `train --table` tests and the worked example).

One row per person, each screened on its own day over two years, seven numeric inputs, one text input
(a charge degree, "F" or "M"), two audit attributes and a two-year outcome drawn from a known logistic
model, so a model has something real to find and a single rule something to compete with. No real
person is behind any row.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

START, DAYS = dt.date(2013, 1, 1), 730


def person_table(rows: int = 7_000, seed: int = 0) -> pd.DataFrame:
    """``person_id``, ``screened`` (a date), seven numbers, ``charge_degree``, ``race``, ``sex`` and ``two_year_outcome`` (0/1)."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 70, rows)
    priors = rng.poisson(np.where(age < 30, 2.0, 3.5))
    juv_fel, juv_misd, juv_other = rng.poisson(0.1, rows), rng.poisson(0.15, rows), rng.poisson(0.2, rows)
    days_in_custody = rng.gamma(0.6, 40, rows).round()
    months_since_last = rng.integers(0, 120, rows)
    degree = np.where(rng.uniform(size=rows) < 0.64, "F", "M")
    race = rng.choice(["Group A", "Group B", "Group C", "Group D"], rows, p=[0.5, 0.34, 0.1, 0.06])
    sex = np.where(rng.uniform(size=rows) < 0.8, "M", "F")
    logit = (-0.9 - 0.04 * (age - 35) + 0.18 * priors + 0.5 * (juv_fel + juv_misd) + 0.002 * days_in_custody
             - 0.006 * months_since_last + 0.25 * (degree == "F"))
    outcome = (rng.uniform(size=rows) < 1 / (1 + np.exp(-logit))).astype(int)
    screened = [START + dt.timedelta(days=int(d)) for d in rng.integers(0, DAYS, rows)]
    return pd.DataFrame({"person_id": [f"p{i:05d}" for i in range(rows)], "screened": screened, "age": age, "priors_count": priors,
                         "juv_fel_count": juv_fel, "juv_misd_count": juv_misd, "juv_other_count": juv_other,
                         "days_in_custody": days_in_custody, "months_since_last_charge": months_since_last, "charge_degree": degree,
                         "race": race, "sex": sex, "two_year_outcome": outcome})
