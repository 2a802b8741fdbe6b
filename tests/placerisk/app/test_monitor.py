"""The monitor's edges that need no population: the calibration sample."""

import numpy as np
import pandas as pd

from placerisk.app.monitor import calibration_sample


def test_calibration_sample_is_fixed_by_the_family_ids():
    ids = pd.Series([f"{i:016x}" for i in range(1000)])
    first = calibration_sample(ids, 100)
    assert first.sum() == 100 and np.array_equal(first, calibration_sample(ids.sample(frac=1, random_state=1).sort_index(), 100))
    assert calibration_sample(ids, 5000).all()
