"""Does the audit find the recording bias we planted? The model's lists against the oracle's, with and without bias.

For each seed and each recording-bias factor (police contact of Black families recorded `factor`
times as often for the same behaviour; outcomes unbiased), this generates a synthetic population,
validates it, trains LightGBM as `placerisk train` does (same rows, splits, calibration and
allocation), and forms each test snapshot's lists twice with the one allocation policy: ranked by
the model, and ranked by the oracle's true probabilities. Pooled over the test snapshots, the
Black group's listed-share ratio to the White group is computed for both lists; the *excess*
is the model's ratio over the oracle's, minus 1: the part of the disparity the recorded data
put there.

    python bench/recording_bias.py --families 20000 --seeds 1 2 3 4 5 --results bench/results/recording-bias.json
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_foundation import write_results
from placerisk.datatools.synth.catalogue import LATER_SOURCES as LATER

GROUP, REFERENCE = "Black", "White"


def _config(root: Path, factor: float, seed: int, families: int, splits: int, list_weeks: int, partners: str) -> Path:
    path = root / "placerisk.yaml"
    path.write_text(yaml.safe_dump({
        "config_version": 1, "data": {"dir": "data", "output_dir": "out"}, "mlflow": {"tracking_uri": "sqlite:///mlflow.db"},
        **({"sources": {s: None for s in LATER}} if partners == "six" else {}),
        "synth": {"seed": seed, "families": families, "recording_bias": {"factor": factor, "ethnicity": [GROUP], "deprivation_deciles": []}},
        "training": {"snapshots": 8 + splits - 2, "splits": splits, "list_weeks": list_weeks, "logistic": [],
                     "lightgbm": [{"n_estimators": 150, "num_leaves": 7, "min_child_samples": 100}]},
    }))
    return path


def measure(root: Path, *, factor: float, seed: int, families: int, splits: int = 3, list_weeks: int = 13, partners: str = "ten") -> dict:
    """One population: the Black group's listed-share ratio to White under the model's and the oracle's lists.

    ``partners``: "ten" (the default config) or "six" (the four later partners set to null)."""
    from placerisk.app import panel, specs, train_plan
    from placerisk.app.catalog import Catalog
    from placerisk.app.training_rows import from_extracts
    from placerisk.config import load_config
    from placerisk.training import train_and_evaluate
    from placerisk.training.audit import AuditSettings

    root.mkdir(parents=True, exist_ok=True)
    cfg = _config(root, factor, seed, families, splits, list_weeks, partners)
    exe = str(Path(sys.executable).with_name("placerisk"))
    for step in (["synth", "--families", str(families), "--out", str(root / "data"), "--overwrite"],
                 ["validate", "--data", str(root / "data"), "--overwrite"]):
        subprocess.run([exe, step[0], "--config", str(cfg), *step[1:]], check=True, capture_output=True)
    config = load_config(cfg)
    catalog = Catalog(config)
    data_dir = catalog.data_dir(None)
    assembled = from_extracts(config, data_dir, catalog.validation(data_dir, None), lambda message: None)
    assembled, split_plan, final = train_plan.splits(config, assembled, True, specs.outcome(config))
    candidates = [c for c in train_plan.candidates(config, list(assembled.data.X.columns)) if c.kind == "lightgbm"]
    allocation = specs.allocation(config)
    result = train_and_evaluate(assembled.data, split_plan, final, candidates, k=allocation.with_weeks(1).total_places,
                                list_k=allocation.total_places, allocation=allocation, primary_metric="precision_at_list",
                                random_state=config.training.seed)
    settings = AuditSettings(policy=specs.fairness_policy(config), k=allocation.total_places, allocation=allocation)
    tables = panel.oracle_tables(result.candidates[0].predictions, assembled.data, settings)
    pooled = pd.concat(tables).query("feature == 'ethnicity'").groupby("group")[["families", "listed_model", "listed_oracle"]].sum()
    share = pooled[["listed_model", "listed_oracle"]].div(pooled["families"], axis=0)
    ratio = share / share.loc[REFERENCE]
    return {"factor": factor, "seed": seed, "families": families, "partners": partners, "test_snapshots": len(tables),
            "group_families": int(pooled.loc[GROUP, "families"]), "group_listed_model": int(pooled.loc[GROUP, "listed_model"]),
            "group_listed_oracle": int(pooled.loc[GROUP, "listed_oracle"]), "ratio_model": float(ratio.loc[GROUP, "listed_model"]),
            "ratio_oracle": float(ratio.loc[GROUP, "listed_oracle"]),
            "excess": float(ratio.loc[GROUP, "listed_model"] / ratio.loc[GROUP, "listed_oracle"] - 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--families", type=int, default=20_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--factors", type=float, nargs="+", default=[1.0, 1.5])
    parser.add_argument("--splits", type=int, default=3)
    parser.add_argument("--partners", choices=("ten", "six"), default="ten", help="the default ten partners, or the first six")
    parser.add_argument("--workdir", default="/tmp/placerisk-bench-bias")
    parser.add_argument("--results", default="bench/results/recording-bias.json")
    args = parser.parse_args()
    rows = []
    for seed in args.seeds:
        for factor in args.factors:
            started = time.perf_counter()
            row = measure(Path(args.workdir) / f"seed{seed}-factor{factor}", factor=factor, seed=seed, families=args.families,
                          splits=args.splits, partners=args.partners)
            row["seconds"] = round(time.perf_counter() - started, 1)
            rows.append(row)
            print(json.dumps(row), flush=True)
    summary = {str(f): {"median_excess": statistics.median(r["excess"] for r in rows if r["factor"] == f),
                        "mean_excess": statistics.fmean(r["excess"] for r in rows if r["factor"] == f),
                        "seeds_with_excess_above_0": sum(r["excess"] > 0 for r in rows if r["factor"] == f)} for f in args.factors}
    out = {"benchmark": "recording_bias", "group": GROUP, "reference": REFERENCE, "families": args.families, "partners": args.partners,
           "seeds": args.seeds,
           "splits": args.splits, "rows": rows, "summary": summary, "python": platform.python_version(), "machine": platform.machine()}
    write_results(args.results, out)
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
