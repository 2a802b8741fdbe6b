"""The audit finds what recording bias does, and does not find it where there is none.

Synthetic populations where police contact of one ethnic group (Asian, about 9% of families) is
recorded 1.5 times as often for the same behaviour, against the same populations (same seeds)
without recording bias. A model trained on the recorded data puts too many of that group's
families on the list who would not have had the outcome: the audit must flag the false-positive
rate ratio against White families, and the flagged ratio must lie above what the same population
shows without the bias.

Without the bias the audit must raise nothing on the policy's primary metrics (false-negative
rate, recall) for the group. It may still flag a smaller false-positive or selection-rate
difference: minority families live more often in deprived areas here, as in the census, so some
of that difference is real (measured: in one of three seeds its interval lay above 1.25). That is a
finding about the population, not chance and not the bias, so it is not asserted away.
"""

from __future__ import annotations

import contextlib
import io

import pandas as pd
import pytest
import yaml

from placerisk.fairness import FairnessPolicy, audit
from placerisk.models import logistic_regression
from placerisk.cli import main

pytestmark = pytest.mark.slow

FAMILIES = 80_000
TRAIN_DATES = ["2023-01-01", "2023-04-01", "2023-07-01", "2023-10-01"]
TEST_DATE = "2025-01-01"


def _audit(tmp_path, seed: int, factor: float):
    tmp_path.mkdir(parents=True)
    cfg = tmp_path / "placerisk.yaml"
    cfg.write_text(yaml.safe_dump({"config_version": 1, "data": {"dir": "data", "output_dir": "out"},
                                   "synth": {"recording_bias": {"factor": factor, "ethnicity": ["Asian"], "deprivation_deciles": []}}}))
    args = ["--config", str(cfg)]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["synth", *args, "--families", str(FAMILIES), "--seed", str(seed)]) == 0
        assert main(["validate", *args]) == 0
        assert main(["features", *args, "--as-of", *TRAIN_DATES, TEST_DATE, "--out", str(tmp_path / "f.parquet")]) == 0
    frame = pd.read_parquet(tmp_path / "f.parquet")
    features = [c for c in frame.columns if "__" in c]
    train = frame[frame["as_of_date"].astype(str) != TEST_DATE]
    test = frame[frame["as_of_date"].astype(str) == TEST_DATE].sort_values("family_id")
    model = logistic_regression(C=0.1).fit(train[features].astype(float), train["label"].astype(int))
    score = model.predict_proba(test[features].astype(float))[:, 1]
    result = audit(test["label"].astype(int).to_numpy(), score, test[["ethnicity"]].reset_index(drop=True), k=len(test) // 20,
                   policy=FairnessPolicy(reference_group={"ethnicity": "White"}), random_state=seed)
    table = result.table("disparities", published=False)
    row = table[(table["feature"] == "ethnicity") & (table["group"] == "Asian") & (table["metric"] == "false_positive_rate")].iloc[0]
    findings = {(f.group, f.metric): f for f in result.findings if f.feature == "ethnicity"}
    return findings, float(row["ratio"]), float(row["ratio_low"])


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_recording_bias_is_flagged_and_its_absence_is_not(tmp_path, seed):
    biased, biased_ratio, _ = _audit(tmp_path / "biased", seed, 1.5)
    fpr = biased.get(("Asian", "false_positive_rate"))
    assert fpr is not None and fpr.status == "outside" and fpr.ratio_low > 1.25, fpr
    fair, fair_ratio, _ = _audit(tmp_path / "fair", seed, 1.0)
    # The same population (same seed, same true need) without the bias: the flagged ratio is higher with it. Its interval's
    # lower bound need not clear the unbiased ratio: with the ten partners the unbiased ratio is itself high (1.53 and 1.29
    # on seeds 12 and 13; minority families live more often in deprived areas, which several partners' records follow),
    # and the lower bound lay 0.12 and 0.02 below it there (0.01 below on seed 12 with the first six partners alone).
    assert biased_ratio > fair_ratio, (biased_ratio, fair_ratio)
    primary = {key for key, f in fair.items() if key[0] == "Asian" and f.primary and f.status == "outside"}
    assert primary == set(), [fair[k].sentence for k in primary]
