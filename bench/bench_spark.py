"""Benchmark the two engines: `placerisk validate`, `features` and `score` on DuckDB and on Spark (local mode), at several sizes.

For each population size a fresh synthetic population is generated and validated once on DuckDB (not
timed; features and score read that report), then each command, validate included, runs as a
subprocess on each engine, timed with the peak memory of its process tree (Spark's JVM is
a child of the command, so it is counted). The engines alternate within each size, so a slow spell of the machine hits both. A champion is trained once on a smaller population and
approved by a benchmark panel, as in bench_scoring.py. The results file records each run, the
Spark/DuckDB ratio per size, a linear fit of time and memory against population size, and where Spark on a cluster
would overtake DuckDB on this machine by extrapolation (the assumptions are written into the results).

    python bench/bench_spark.py --sizes 100000 300000 1000000 --results bench/results/spark.json
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_foundation import approved_champion, config_for, fresh_population, run, write_results

ENGINES = ("duckdb", "spark")
COMMANDS = ("validate", "features", "score")


def engine_config(base: Path, engine: str, driver_memory: str) -> Path:
    """``base`` with the engine section set; written beside it."""
    text = base.read_text()
    if engine == "spark":
        text += (f"engine:\n  name: spark\n  memory_limit: 4GB\n  spark:\n    master: local[{os.cpu_count()}]\n    app_name: placerisk-bench\n"
                 f"    arrow_batch_size: 10000\n    conf:\n      spark.driver.memory: {driver_memory}\n"
                 f"      spark.sql.shuffle.partitions: {4 * (os.cpu_count() or 1)}\n")
    out = base.with_name(f"{engine}.yaml")
    out.write_text(text)
    return out


def linear(sizes: list[int], values: list[float]) -> dict:
    """``value = fixed + per_million * size / 1e6`` by least squares, and the growth exponent between the two largest sizes
    (1 = linear; below 1 while fixed costs still dominate)."""
    mx, my = statistics.fmean(sizes), statistics.fmean(values)
    slope = sum((x - mx) * (y - my) for x, y in zip(sizes, values, strict=True)) / sum((x - mx) ** 2 for x in sizes)
    (n1, v1), (n2, v2) = sorted(zip(sizes, values, strict=True))[-2:]
    return {"fixed": round(my - slope * mx, 2), "per_million": round(slope * 1e6, 2),
            "growth_exponent_top_two": round(math.log(max(v2, 1e-9) / max(v1, 1e-9)) / math.log(n2 / n1), 3)}


def crossover(duck: dict, spark: dict, cores_here: int, cluster_cores: int) -> float | None:
    """Families beyond which Spark on ``cluster_cores`` would be faster than DuckDB on this machine, assuming Spark's
    per-family cost divides evenly over the cores and its fixed cost stays as measured; None when it never is."""
    if duck["per_million"] <= 0 or spark["per_million"] <= 0:  # sizes too small: fixed costs and noise, no growth to extrapolate
        return None
    spark_per = spark["per_million"] * cores_here / cluster_cores
    if spark_per >= duck["per_million"]:
        return None
    return max(0.0, (spark["fixed"] - duck["fixed"]) / (duck["per_million"] - spark_per) * 1e6)


CLUSTER_CORES = (16, 64, 256)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    parser.add_argument("--train-families", type=int, default=50_000)
    parser.add_argument("--as-of", default="2026-03-30")
    parser.add_argument("--driver-memory", default="8g")
    parser.add_argument("--workdir", default="/tmp/placerisk-bench-spark")
    parser.add_argument("--results", default="bench/results/spark.json")
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES),
                        help="run only these engines, replacing their runs at these sizes in the existing results file (a re-measure)")
    args = parser.parse_args()
    exe = str(Path(sys.executable).with_name("placerisk"))
    work = Path(args.workdir)
    champion = approved_champion(args.train_families, work / "train")
    runs = []
    if set(args.engines) != set(ENGINES):  # a re-measure: keep the other runs of the results file
        kept = json.loads(Path(args.results).read_text())["runs"]
        runs = [r for r in kept if not (r["engine"] in args.engines and r["families"] in args.sizes)]
    for size in sorted(args.sizes):
        data, validation, _, _ = fresh_population(size, work / f"n{size}")
        base = config_for(champion, data, work / f"n{size}")
        for engine in args.engines:
            config = engine_config(base, engine, args.driver_memory)
            checked = run([exe, "validate", "--config", str(config), "--data", str(data), "--out", str(work / f"n{size}" / f"validation-{engine}"),
                           "--overwrite"])
            common = ["--config", str(config), "--data", str(data), "--validation", str(validation), "--as-of", args.as_of]
            features = run([exe, "features", *common, "--out", str(work / f"n{size}" / f"features-{engine}.parquet"), "--overwrite"])
            score = run([exe, "score", *common, "--force"])
            for name, r in (("validate", checked), ("features", features), ("score", score)):
                if r["exit"] != 0:
                    print(r["output"][-3000:])
                    return 1
                runs.append({"families": size, "engine": engine, "command": name, "seconds": r["seconds"], "peak_gb": r["peak_gb"]})
                print(json.dumps(runs[-1]), flush=True)
    result = {"python": platform.python_version(), "cores": os.cpu_count(), "as_of": args.as_of, "train_families": args.train_families,
              "spark": {"master": f"local[{os.cpu_count()}]", "driver_memory": args.driver_memory}, "runs": runs,
              "ratios": [], "scaling": {}}
    sizes = sorted({r["families"] for r in runs})
    runs.sort(key=lambda r: (r["families"], ENGINES.index(r["engine"]), COMMANDS.index(r["command"])))
    for size in sizes:
        for command in COMMANDS:
            duck, spark = (next(r for r in runs if r["families"] == size and r["engine"] == e and r["command"] == command) for e in ENGINES)
            result["ratios"].append({"families": size, "command": command, "spark_over_duckdb_seconds": round(spark["seconds"] / duck["seconds"], 2),
                                     "spark_over_duckdb_peak_gb": round(spark["peak_gb"] / duck["peak_gb"], 2)})
    cores = os.cpu_count() or 1
    for command in COMMANDS:
        curves = {}
        for engine in ENGINES:
            mine = sorted((r["families"], r["seconds"], r["peak_gb"]) for r in runs if r["engine"] == engine and r["command"] == command)
            curves[engine] = {"seconds": linear([m[0] for m in mine], [m[1] for m in mine]),
                              "peak_gb": linear([m[0] for m in mine], [m[2] for m in mine])}
        meets = {str(c): crossover(curves["duckdb"]["seconds"], curves["spark"]["seconds"], cores, c) for c in CLUSTER_CORES}
        result["scaling"][command] = {**curves, "spark_faster_beyond_families_on_cluster_cores": {
            c: None if m is None else round(m) for c, m in meets.items()}}
    result["scaling"]["assumptions"] = (
        "time = fixed + per-family cost x families, fitted by least squares over the sizes run; on a cluster Spark's per-family "
        f"cost is taken as measured here on {cores} cores divided evenly over the cluster's cores (ideal scaling, no extra "
        "shuffle cost) and its fixed cost as measured; DuckDB stays on this machine")
    write_results(args.results, result)
    print(json.dumps({k: result[k] for k in ("ratios", "scaling")}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
