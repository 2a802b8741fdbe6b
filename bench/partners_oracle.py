"""The share of the oracle's precision the model reaches with the ten partners against the first six.

For each seed: one synthetic population with all ten partners (the default config), validated once, then trained twice
in one MLflow store on the same data: with the default config (ten partners) and with the four later partners set to
null (six). Everything else is the default config. The oracle is the generator's exact probability; the share is the
model's precision at the lists' operating point (13 weeks of each team's lists) over the oracle's there, on each of the
rolling-origin test snapshots.

    python bench/partners_oracle.py --families 50000 --seeds 42 --results bench/results/partners-oracle.json
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_foundation import write_results
from placerisk.datatools.synth.catalogue import LATER_SOURCES as LATER

METRICS = ("precision_at_list", "share_of_oracle_precision_at_list", "average_precision", "roc_auc")


def _run(exe: str, *args: str, cwd: Path) -> dict:
    started = time.perf_counter()
    done = subprocess.run([exe, *args], cwd=cwd, capture_output=True, text=True, check=False)
    out = {"command": "placerisk " + " ".join(args), "exit": done.returncode, "seconds": round(time.perf_counter() - started, 1)}
    if done.returncode:
        out["output"] = (done.stdout + done.stderr)[-3000:]
    return out


def _candidates(tracking: str, experiment: str) -> dict:
    import mlflow

    client = mlflow.MlflowClient(tracking)
    exp = client.get_experiment_by_name(experiment)
    runs = client.search_runs([exp.experiment_id], "tags.candidate != ''")
    out = {}
    for r in runs:
        name = r.data.tags["candidate"]
        per_split = {m: [x.value for x in sorted(client.get_metric_history(r.info.run_id, f"test_{m}"), key=lambda x: x.step)]
                     for m in METRICS}
        out[name] = {"mean": {m: r.data.metrics.get(f"mean_{m}") for m in METRICS}, "per_split": per_split}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--families", type=int, default=50_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[42])
    parser.add_argument("--workdir", default="/tmp/placerisk-partners-oracle")
    parser.add_argument("--results", default="bench/results/partners-oracle.json")
    args = parser.parse_args()
    exe = str(Path(sys.executable).with_name("placerisk"))
    results = {"families": args.families, "method": __doc__.split("\n\n")[1].replace("\n", " "), "seeds": {}}
    for seed in args.seeds:
        work = Path(args.workdir) / f"seed-{seed}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        configs = {"ten": {"config_version": 1, "data": {"output_dir": "outputs-ten"},
                           "mlflow": {"experiment": "ten", "registered_model": "ten"}},
                   "six": {"config_version": 1, "sources": {s: None for s in LATER}, "data": {"output_dir": "outputs-six"},
                           "mlflow": {"experiment": "six", "registered_model": "six"}}}
        for name, body in configs.items():
            (work / f"{name}.yaml").write_text(yaml.safe_dump(body))
        steps = [_run(exe, "synth", "--config", "ten.yaml", "--families", str(args.families), "--seed", str(seed), cwd=work),
                 _run(exe, "validate", "--config", "ten.yaml", cwd=work),
                 _run(exe, "validate", "--config", "six.yaml", cwd=work)]
        for name in configs:
            steps.append(_run(exe, "train", "--config", f"{name}.yaml", cwd=work))
        print(json.dumps(steps, indent=1), flush=True)
        if any(s["exit"] for s in steps):
            return 1
        tracking = f"sqlite:///{work / 'mlflow.db'}"
        results["seeds"][str(seed)] = {"steps": steps, **{name: _candidates(tracking, name) for name in configs}}
        for name in configs:
            lgb = results["seeds"][str(seed)][name].get("lightgbm", {}).get("mean", {})
            print(f"seed {seed}, {name} partners: lightgbm {lgb}", flush=True)
    write_results(args.results, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
