"""Benchmark `placerisk score`: 1,000,000 families, features built, scored, every team's list with reasons written.

A champion is trained once on a smaller population (`--train-families`, default 50,000, the default
config: same feature definitions, same LightGBM grid) and approved by a benchmark panel; then a fresh
population of `--families` is generated and validated (not timed against the target), and the whole
`placerisk score` command is timed as a subprocess with its peak memory (the process tree, see
bench_foundation). The split between feature building, scoring, explaining and writing comes from
the command's own progress lines.

    python bench/bench_scoring.py --families 1000000
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_foundation import approved_champion, config_for, fresh_population, run, write_results

TARGET = {"seconds": 60, "peak_gb": 8.0}
STEPS = (("champion and checks", "features:"), ("features", "features built"), ("scoring and lists", "scored and listed"),
         ("explaining", "reasons for "), ("writing", "published"))


def _split(output: str) -> dict[str, float]:
    """Seconds per step, from the progress lines' elapsed times (each step ends where the next line is printed)."""
    times = {}
    for line in output.splitlines():
        m = re.match(r"\[\s*([\d.]+) s\] (.*)", line)
        if m:
            for name, start in STEPS:
                if m.group(2).startswith(start) and name not in times:
                    times[name] = float(m.group(1))
    marks = [times.get(n) for n, _ in STEPS]
    out, previous = {}, 0.0
    for (name, _), mark in zip(STEPS, marks, strict=True):
        if mark is not None:
            out[name] = round(mark - previous, 1)
            previous = mark
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--families", type=int, default=1_000_000)
    parser.add_argument("--train-families", type=int, default=50_000)
    parser.add_argument("--as-of", default="2026-03-30")
    parser.add_argument("--workdir", default="/tmp/placerisk-bench-score")
    parser.add_argument("--results", default="bench/results/scoring.json")
    args = parser.parse_args()
    exe = str(Path(sys.executable).with_name("placerisk"))
    work = Path(args.workdir)
    champion = approved_champion(args.train_families, work / "train")
    data, validation, synth, validate = fresh_population(args.families, work / "score")
    scoring = config_for(champion, data, work / "score")
    score = run([exe, "score", "--config", str(scoring), "--data", str(data), "--validation", str(validation), "--as-of", args.as_of])
    if score["exit"] != 0:
        print(score["output"][-3000:])
        return 1
    result = {"python": platform.python_version(), "families": args.families, "train_families": args.train_families,
              "synth_seconds": synth["seconds"], "validate_seconds": validate["seconds"],
              "score": {"seconds": score["seconds"], "peak_gb": score["peak_gb"], "target": TARGET, "split_seconds": _split(score["output"]),
                        "meets_target": score["seconds"] <= TARGET["seconds"] and score["peak_gb"] <= TARGET["peak_gb"]},
              "progress": [line for line in score["output"].splitlines() if line.startswith("[")]}
    write_results(args.results, result)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
