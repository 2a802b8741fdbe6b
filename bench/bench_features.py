"""Benchmark `placerisk features` (issue 3).

1. CLI wall time and peak memory (process tree) for 1 and for 12 monthly as-of dates.
2. In the same process, median of repeated runs:
   - the engine (feature_tables, result written to Parquet) for one as-of date;
   - a hand-written reference query: 24 windowed counts (6 event types x 4 windows) per family,
     one as-of date, over the same events; our ratio to it;
3. On a 100,000-family sample: the pandas reference implementation against the engine.
4. The ten partners against the first six on the same data: one-date CLI runs alternated (ten, six, ten, six ...),
   each pair's wall-time ratio and the median of those ratios.

    python bench/bench_features.py --families 1000000 --results bench/results/features.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_foundation import run
from placerisk.datatools.synth.catalogue import LATER_SOURCES as LATER

ROOT = Path(__file__).resolve().parents[1]
AS_OF = dt.date(2024, 1, 1)
TWELVE = [dt.date(2023, m, 1) for m in range(1, 13)]
TARGETS = {"one_date": {"seconds": 30, "peak_gb": 6.0}, "twelve_dates": {"seconds": 180}}


def ensure_data(work: Path, families: int, rate_scale: float = 1.0) -> tuple[Path, Path]:
    tag = f"{families}" + (f"-x{rate_scale:g}" if rate_scale != 1.0 else "")
    data, validation = work / f"data-{tag}", work / f"validation-{tag}"
    exe = [sys.executable, "-m", "placerisk"]
    if not (data / "manifest.json").exists():
        subprocess.run(exe + ["synth", "--families", str(families), "--rate-scale", str(rate_scale), "--out", str(data), "--overwrite"], check=True)
    # Always validate (untimed): features refuse a report from other contracts or other files.
    subprocess.run(exe + ["validate", "--data", str(data), "--out", str(validation), "--overwrite"], check=True, stdout=subprocess.DEVNULL)
    return data, validation


def cli(data: Path, validation: Path, dates: list[dt.date], out: Path, config: Path | None = None) -> dict:
    cmd = [sys.executable, "-m", "placerisk", "features", *(["--config", str(config)] if config else []), "--data", str(data),
           "--validation", str(validation), "--as-of", *[d.isoformat() for d in dates], "--out", str(out), "--overwrite"]
    r = run(cmd)
    if r["exit"] != 0:
        raise SystemExit(r["output"])
    return {k: v for k, v in r.items() if k != "output"}


def _median_time(fn, repeat: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(round(time.perf_counter() - t, 3))
    return statistics.median(times), times


def in_process(data: Path, validation: Path, out: Path, repeat: int) -> dict:
    import pyarrow.parquet as pq

    from placerisk.features import feature_tables
    from placerisk.config import load_config
    from placerisk.datatools.contracts.checks import literal
    from placerisk.app.catalog import ValidationPaths
    from placerisk.app.extracts import load_validation, register_inputs
    from placerisk.app.specs import cohort as cohort_from_config
    from placerisk.app.specs import feature_set as feature_set_from_config
    from placerisk.app.specs import outcome as outcome_from_config

    config = load_config(None)
    report = load_validation(ValidationPaths(validation), data, config)

    def engine():
        con = duckdb.connect()
        _, end = register_inputs(con, config, report)
        [(_, table)] = feature_tables(con, feature_set_from_config(config), [AS_OF], cohort=cohort_from_config(config),
                                      outcome=outcome_from_config(config), data_end=end)
        pq.write_table(table, out, compression="zstd")
        con.close()

    types = ["police.violence_victim", "police.violence_suspect", "police.asb", "health.assault_injury", "health.ae_attendance", "social_care.referral"]
    sources = list(config.sources)
    counts = ", ".join(
        f"count(*) FILTER (WHERE e.event = '{t}' AND e.event_date >= DATE '{AS_OF}' - INTERVAL {w} MONTH) AS c{i}_{w}"
        for i, t in enumerate(types) for w in (3, 6, 12, 24)
    )
    union = " UNION ALL ".join(f"SELECT person_id, '{s}.' || event_type AS event, event_date, recorded_date FROM '{data}/{s}.parquet'" for s in sources)
    reference_sql = f"""
        SELECT p.family_id, {counts}
        FROM '{data}/persons.parquet' p
        LEFT JOIN ({union}) e ON e.person_id = p.person_id
             AND e.recorded_date < DATE '{AS_OF}' AND e.event_date >= DATE '{AS_OF}' - INTERVAL 24 MONTH
        GROUP BY p.family_id"""

    def reference():
        con = duckdb.connect()
        con.execute(f"COPY ({reference_sql}) TO {literal(str(out.with_suffix('.ref.parquet')))} (FORMAT parquet)")
        con.close()

    engine()  # warm the file cache for both
    ours, ours_runs = _median_time(engine, repeat)
    ref, ref_runs = _median_time(reference, repeat)
    return {"engine_one_date_median_s": ours, "engine_runs": ours_runs, "reference_query_median_s": ref,
            "reference_runs": ref_runs, "ratio_engine_to_reference": round(ours / ref, 2),
            "reference_query": "24 windowed counts (6 event types x 4 windows) per family, one as-of date, recorded before it"}


def pandas_ratio(work: Path, repeat: int) -> dict:
    data, _ = ensure_data(work, 100_000)
    spec = importlib.util.spec_from_file_location("reference", ROOT / "tests" / "features" / "reference.py")
    reference = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reference)
    import pandas as pd

    from placerisk.features import compute_features
    from placerisk.config import load_config
    from placerisk.app.specs import cohort as cohort_from_config
    from placerisk.app.specs import feature_set as feature_set_from_config
    from placerisk.app.specs import outcome as outcome_from_config

    config = load_config(None)
    fs, cohort, outcome = feature_set_from_config(config), cohort_from_config(config), outcome_from_config(config)
    con = duckdb.connect()
    for name in ("persons", "families", "areas"):
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM '{data}/{name}.parquet'")
    con.execute(f"CREATE TABLE objections AS SELECT family_id, person_id FROM read_csv('{data}/objections.csv', all_varchar=true)")
    union = " UNION ALL ".join(f"SELECT person_id, '{s}.' || event_type AS event, event_date, recorded_date FROM '{data}/{s}.parquet'" for s in config.sources)
    con.execute(f"CREATE TABLE events AS {union}")
    tables = {n: con.sql(f"SELECT * FROM {n}").df() for n in ("persons", "families", "areas", "events", "objections")}
    for col in ("event_date", "recorded_date"):
        tables["events"][col] = pd.to_datetime(tables["events"][col])
    end = dt.date(2026, 3, 31)
    ours, ours_runs = _median_time(lambda: compute_features(con, fs, [AS_OF], cohort=cohort, outcome=outcome, data_end=end), repeat)
    theirs, theirs_runs = _median_time(lambda: reference.reference_features(tables, fs, [AS_OF], cohort, outcome, end), repeat)
    return {"families": 100_000, "engine_median_s": ours, "engine_runs": ours_runs, "pandas_median_s": theirs,
            "pandas_runs": theirs_runs, "speedup_vs_pandas": round(theirs / ours, 1),
            "note": "both in memory, one as-of date, all features; engine returns pandas frames"}




def six_partner_ratio(work: Path, data: Path, validation: Path, out: Path, repeat: int) -> dict:
    """One date with the ten partners (the defaults) against the first six (the four later ones set to null), alternated."""
    six = work / "six-partners.yaml"
    six.write_text("config_version: 1\nsources: {" + ", ".join(f"{s}: null" for s in LATER) + "}\n")
    validation_six = work / (validation.name + "-six")
    subprocess.run([sys.executable, "-m", "placerisk", "validate", "--config", str(six), "--data", str(data), "--out", str(validation_six),
                    "--overwrite"], check=True, stdout=subprocess.DEVNULL)
    pairs = []
    for _ in range(repeat):
        ten_run = cli(data, validation, [AS_OF], out)
        six_run = cli(data, validation_six, [AS_OF], out.with_name("features-six.parquet"), six)
        pairs.append({"ten": ten_run, "six": six_run, "ratio": round(ten_run["seconds"] / six_run["seconds"], 3)})
    import pyarrow.parquet as pq

    columns = {name: len(pq.read_schema(path).names) for name, path in (("ten", out), ("six", out.with_name("features-six.parquet")))}
    return {"pairs": pairs, "median_ratio_ten_to_six": statistics.median(p["ratio"] for p in pairs),
            "ten_median_seconds": statistics.median(p["ten"]["seconds"] for p in pairs),
            "six_median_seconds": statistics.median(p["six"]["seconds"] for p in pairs), "columns": columns}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--families", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--results", default="bench/results/features.json")
    parser.add_argument("--workdir", default="/tmp/placerisk-bench")
    parser.add_argument("--skip-pandas", action="store_true")
    parser.add_argument("--skip-six", action="store_true", help="skip the ten-against-six-partners comparison")
    parser.add_argument("--rate-scale", type=float, default=1.0, help="synth --rate-scale (3.2 gives ~50M events at 1M families)")
    args = parser.parse_args()
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    os.chdir(work)  # no placerisk.yaml here: embedded defaults
    data, validation = ensure_data(work, args.families, args.rate_scale)
    manifest = json.loads((data / "manifest.json").read_text())
    out = work / "features.parquet"
    one = [cli(data, validation, [AS_OF], out) for _ in range(args.repeat)]
    print("one date:", one, flush=True)
    twelve = [cli(data, validation, TWELVE, out) for _ in range(max(1, args.repeat - 1))]
    print("twelve dates:", twelve, flush=True)
    rows = json.loads(out.with_name(out.name + ".meta.json").read_text())["rows"]
    result = {
        "benchmark": "features (issue 3)",
        "families": args.families,
        "events": manifest["events"],
        "rate_scale": args.rate_scale,
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "one_date": {"median_seconds": statistics.median(r["seconds"] for r in one), "median_peak_gb": statistics.median(r["peak_gb"] for r in one),
                     "runs": one, "target": TARGETS["one_date"]},
        "twelve_dates": {"median_seconds": statistics.median(r["seconds"] for r in twelve), "median_peak_gb": statistics.median(r["peak_gb"] for r in twelve),
                         "runs": twelve, "rows": sum(v["families"] for v in rows.values()), "target": TARGETS["twelve_dates"]},
        "in_process": in_process(data, validation, out, args.repeat),
    }
    print("in process:", result["in_process"], flush=True)
    if not args.skip_six:
        result["ten_against_six_partners"] = six_partner_ratio(work, data, validation, out, args.repeat)
        print("ten against six partners:", result["ten_against_six_partners"], flush=True)
    result["events_by_partner"] = {s: manifest["rows"][s] for s in manifest["files"] if s in manifest["rows"] and s not in
                                   ("areas", "families", "persons", "objections", "engagements")}
    if not args.skip_pandas:
        result["pandas"] = pandas_ratio(work, args.repeat)
        print("pandas:", result["pandas"], flush=True)
    for key in ("one_date", "twelve_dates"):
        t = TARGETS[key]
        r = result[key]
        r["meets_target"] = r["median_seconds"] <= t["seconds"] and r["median_peak_gb"] <= t.get("peak_gb", float("inf"))
    path = ROOT / args.results if not Path(args.results).is_absolute() else Path(args.results)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: result[k] for k in ("one_date", "twelve_dates")}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
