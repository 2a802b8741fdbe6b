"""Benchmark the check that extracts are unchanged since validation (run by `features` and `train`).

Generates and validates a synthetic population, then, in one process, times the
earlier check (each file's size and modification time) against the current one
(size, then the SHA-256 of every byte), alternating, and reports medians.

    python bench/bench_validation_check.py --families 1000000
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_foundation import fresh_population, write_results

from placerisk.app.catalog import ValidationPaths
from placerisk.app.extracts import load_validation
from placerisk.config import parse_config
from placerisk.datatools.contracts.validate import file_fingerprint


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--families", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--workdir", default="/tmp/placerisk-bench-check")
    parser.add_argument("--results", default="bench/results/validation-check.json")
    args = parser.parse_args()
    data, validation, _, _ = fresh_population(args.families, args.workdir)
    config = parse_config({"config_version": 1, "data": {"dir": str(data)}})
    report = json.loads((validation / "report.json").read_text())

    def size_and_time() -> None:
        for f in report["files"]:
            now = file_fingerprint(Path(f["path"]), content=False)
            assert (now["bytes"], now["mtime_ns"]) == (f["fingerprint"]["bytes"], f["fingerprint"]["mtime_ns"])

    def content() -> None:
        load_validation(ValidationPaths(validation), data, config)

    times: dict[str, list[float]] = {"size_and_time": [], "content_sha256": []}
    for _ in range(args.repeat):
        for name, check in (("size_and_time", size_and_time), ("content_sha256", content)):
            started = time.perf_counter()
            check()
            times[name].append(round(time.perf_counter() - started, 4))
    total = sum(Path(f["path"]).stat().st_size for f in report["files"])
    result = {"python": platform.python_version(), "families": args.families, "extract_bytes": total,
              **{name: {"median_s": statistics.median(runs), "runs": runs} for name, runs in times.items()},
              "content_mb_per_s": round(total / 1e6 / statistics.median(times["content_sha256"]), 1)}
    write_results(args.results, result)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
