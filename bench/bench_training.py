"""Benchmark `placerisk train`: features for 12 snapshots, every candidate on every split, audit, MLflow.

Generates and validates a synthetic population (not timed against the target),
then times the whole `placerisk train` command as a subprocess; peak memory is
the largest resident total of the process tree (see bench_foundation). The
summary (mean metrics per candidate, the chosen model, the fairness light)
comes from the command's own output.

    python bench/bench_training.py --families 200000
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_foundation import fresh_population, run, write_results

TARGET = {"seconds": 600, "peak_gb": 10.0}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--families", type=int, default=200_000)
    parser.add_argument("--workdir", default="/tmp/placerisk-bench-train")
    parser.add_argument("--results", default="bench/results/training.json")
    args = parser.parse_args()
    exe = str(Path(sys.executable).with_name("placerisk"))
    work = Path(args.workdir)
    data, validation, synth, validate = fresh_population(args.families, work)
    config = work / "placerisk.yaml"
    config.write_text(f"config_version: 1\ndata:\n  dir: {data}\n  output_dir: {work}\n")
    train = run([exe, "train", "--config", str(config), "--data", str(data), "--validation", str(validation)])
    if train["exit"] != 0:
        print(train["output"])
        return 1
    summary = train["output"][train["output"].find("mean over"):]
    result = {
        "python": platform.python_version(),
        "families": args.families,
        "synth_seconds": synth["seconds"],
        "validate_seconds": validate["seconds"],
        "train": {"seconds": train["seconds"], "peak_gb": train["peak_gb"], "target": TARGET,
                  "meets_target": train["seconds"] <= TARGET["seconds"] and train["peak_gb"] <= TARGET["peak_gb"]},
        "summary": summary,
        "progress": [line for line in train["output"].splitlines() if line.startswith("[")],  # where the time went, step by step
    }
    write_results(args.results, result)
    print(json.dumps({k: v for k, v in result.items() if k != "summary"}, indent=2))
    print(summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
