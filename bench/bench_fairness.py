"""Benchmark the fairness audit (issue 5).

1. 1,000,000 scored rows, 5 sensitive features (ethnicity 6 groups, sex 4, age band 5,
   deprivation quintile 5, team 7) plus ethnicity x sex, 200 resamples: wall time
   (median of repeats) and the process's peak resident memory. Target: 60 s.
2. 20,000 rows, in the same process: our audit against fairlearn
   ``MetricFrame(..., n_boot=200)`` with the same 5 metrics on one feature (ethnicity);
   the ratio of medians. Our full 5-feature audit at 20,000 rows is timed too.

    python bench/bench_fairness.py --results bench/results/fairness.json
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from placerisk.fairness import FairnessPolicy, audit

TARGET_SECONDS = 60
FEATURES = {"ethnicity": 6, "sex": 4, "age_band": 5, "deprivation_quintile": 5, "team": 7}


def synthetic(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    sf = pd.DataFrame({name: rng.integers(0, g, n) for name, g in FEATURES.items()})
    sf["ethnicity"] = rng.choice(["White", "Asian", "Black", "Mixed", "Other", "Not stated"], n,
                                 p=[0.7, 0.1, 0.08, 0.05, 0.04, 0.03])
    sf["sex"] = rng.choice(["Female", "Male", "Other", None], n, p=[0.49, 0.49, 0.005, 0.015])
    y = (rng.random(n) < 0.04).astype(np.int8)
    score = 1 / (1 + np.exp(-(rng.normal(size=n) + 1.8 * y - 3 + 0.2 * (sf["ethnicity"] == "Black"))))
    return y, score, sf


def timed(fn, repeat: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(round(time.perf_counter() - start, 3))
    return statistics.median(times), times


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--fairlearn-repeat", type=int, default=1)
    parser.add_argument("--results", type=Path)
    args = parser.parse_args()
    out = {"python": platform.python_version(), "machine": platform.machine(), "cpus": __import__("os").cpu_count()}

    y, score, sf = synthetic(args.rows)
    k = args.rows // 100
    rss_before = peak_rss_gb()
    median, times = timed(lambda: audit(y, score, sf, k=k, intersections=[("ethnicity", "sex")],
                                        policy=FairnessPolicy(n_boot=200), random_state=0), args.repeat)
    out["large"] = {"rows": args.rows, "k": k, "features": list(FEATURES) + ["ethnicity x sex"], "n_boot": 200,
                    "seconds_median": median, "seconds": times, "target_seconds": TARGET_SECONDS,
                    "meets_target": median <= TARGET_SECONDS, "peak_rss_gb_before": round(rss_before, 3),
                    "peak_rss_gb": round(peak_rss_gb(), 3)}
    print(json.dumps(out["large"]), flush=True)

    from fairlearn.metrics import (
        MetricFrame,
        false_negative_rate,
        false_positive_rate,
        selection_rate,
        true_positive_rate,
    )
    from sklearn.metrics import precision_score

    from placerisk.fairness import selection_mask

    y, score, sf = synthetic(20_000, seed=1)
    k = 200
    metrics = {"selection_rate": selection_rate, "recall": true_positive_rate,
               "false_negative_rate": false_negative_rate, "false_positive_rate": false_positive_rate,
               "precision": lambda t, p: precision_score(t, p, zero_division=0)}
    policy = FairnessPolicy(n_boot=200, primary_metrics=("false_negative_rate", "recall"),
                            secondary_metrics=("selection_rate", "false_positive_rate", "precision"))
    y_pred = selection_mask(score, k=k).astype(int)
    eth = sf[["ethnicity"]]
    ours, ours_times = timed(lambda: audit(y, score, eth, k=k, policy=policy), args.repeat)
    full, full_times = timed(lambda: audit(y, score, sf, k=k, intersections=[("ethnicity", "sex")],
                                           policy=FairnessPolicy(n_boot=200)), args.repeat)
    theirs, their_times = timed(lambda: MetricFrame(metrics=metrics, y_true=y, y_pred=y_pred,
                                                    sensitive_features=eth["ethnicity"], n_boot=200,
                                                    ci_quantiles=[0.025, 0.975], random_state=0),
                                args.fairlearn_repeat)
    out["small"] = {"rows": 20_000, "k": k, "n_boot": 200, "metrics": list(metrics), "feature": "ethnicity",
                    "ours_seconds_median": ours, "ours_seconds": ours_times,
                    "ours_all_features_seconds_median": full, "ours_all_features_seconds": full_times,
                    "fairlearn_seconds_median": theirs, "fairlearn_seconds": their_times,
                    "speedup_vs_fairlearn": round(theirs / ours, 1)}
    print(json.dumps(out["small"]), flush=True)
    if args.results:
        args.results.parent.mkdir(parents=True, exist_ok=True)
        args.results.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
