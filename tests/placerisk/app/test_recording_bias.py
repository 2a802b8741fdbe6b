"""The audit finds recording bias where we planted it: the model's lists against the oracle's, with and without bias.

Police contact of Black families is recorded 1.5 times as often for the same behaviour (outcomes
unbiased), or not at all more often (1.0). The Black group's listed-share ratio to the White group
under the model's lists is compared with the oracle's lists' ratio (the true probabilities, ranked by
the same allocation), pooled over three test snapshots of 20,000 families. The measurement itself is
``bench/recording_bias.py`` (its figures over more seeds: ``bench/results/recording-bias.json``).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

SCRIPT = Path(__file__).resolve().parents[3] / "bench" / "recording_bias.py"
# The excess: the model's ratio over the oracle's, minus 1. Unbiased data gives a small one, of either sign
# (the model ranks on recorded events, the oracle on the truth); a planted bias of 1.5 gives more.
# Over six seeds with the ten partners (bench/results/recording-bias.json) the excess without bias stays below 0.12
# (median -0.01) and with it above 0.12 (median +0.18), and on every seed the biased population's excess is the
# larger, by 0.07 or more (same seed: same true need).
PLANTED = 0.1      # with the bias, the excess is above this
UNBIASED = 0.15    # without it, below this

def _measure():
    spec = importlib.util.spec_from_file_location("recording_bias", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.measure


@pytest.mark.parametrize("seed", [1, 2])
def test_the_model_lists_the_over_recorded_group_more_than_the_oracle_only_when_bias_is_planted(tmp_path, seed):
    measure = _measure()
    biased = measure(tmp_path / "biased", factor=1.5, seed=seed, families=20_000)
    fair = measure(tmp_path / "fair", factor=1.0, seed=seed, families=20_000)
    assert biased["group_listed_model"] >= 100 and fair["group_listed_model"] >= 100  # enough listed families to tell
    assert biased["ratio_model"] > biased["ratio_oracle"] * (1 + PLANTED), biased
    assert fair["ratio_model"] < fair["ratio_oracle"] * (1 + UNBIASED), fair
    assert biased["excess"] > fair["excess"] + 0.05
    assert abs(biased["ratio_oracle"] - fair["ratio_oracle"]) < 0.1  # the truth is the same: only the records differ
