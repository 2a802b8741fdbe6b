"""A retraining run on the demo data: a champion trained on an older config, then a challenger on today's, and the approve step.

Generates the demo population (20,000 families, the default seed), validates it, and in a fresh MLflow store:

1. trains a champion on an older config (feature windows of 3, 9, 12 and 24 months, where today's has 6 in place of 9; snapshots up to 2023-04-01, so its
   outcome windows end before the challenger's test snapshots and the comparison is fair) and has a demonstration panel
   approve it;
2. trains a challenger on today's defaults, which re-evaluates the champion with its own definitions on the same test
   snapshots (``placerisk train`` prints the comparison);
3. runs ``placerisk score`` under today's config while the old champion is still in use (refused: its definitions no
   longer match), then ``placerisk approve`` on the challenger; when that is refused against the champion, the
   demonstration panel approves it explicitly (``--accept-below-champion``) with its reasons.

Writes what each step printed and the recorded comparison (from the challenger's gate.json) to the results file;
``docs/training.md`` ("Retraining: challenger against champion") quotes it.

    python bench/retraining_demo.py --results bench/results/retraining.json
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_foundation import write_results

OLDER = {"features": {"windows_months": [3, 9, 12, 24]}, "training": {"last_snapshot": "2023-04-01"}}


def _run(exe: str, *args: str, cwd: Path) -> dict:
    done = subprocess.run([exe, *args], cwd=cwd, capture_output=True, text=True, check=False)
    return {"command": "placerisk " + " ".join(args), "exit": done.returncode, "output": (done.stdout + done.stderr).strip()}


def _red(exe: str, config: str, cwd: Path) -> list[str]:
    out = subprocess.run([exe, "findings", "--config", config, "--red-ids"], cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()
    return ["--accept", out] if out else []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--families", type=int, default=20_000)
    parser.add_argument("--workdir", default="/tmp/placerisk-retraining-demo")
    parser.add_argument("--results", default="bench/results/retraining.json")
    args = parser.parse_args()
    exe = str(Path(sys.executable).with_name("placerisk"))
    work = Path(args.workdir)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    (work / "older.yaml").write_text(yaml.safe_dump({"config_version": 1, **OLDER}))
    (work / "today.yaml").write_text(yaml.safe_dump({"config_version": 1}))
    steps = [_run(exe, "synth", "--config", "today.yaml", "--families", str(args.families), cwd=work),
             _run(exe, "validate", "--config", "today.yaml", cwd=work),
             _run(exe, "train", "--config", "older.yaml", cwd=work)]
    demo = ["--reviewer", "Demo panel (synthetic data)", "--allow-dirty", "--note"]
    steps.append(_run(exe, "approve", "--config", "older.yaml", "--version", "candidate", "--decision", "approve",
                      *_red(exe, "older.yaml", work), *demo, "Demonstration: the older champion", cwd=work))
    steps.append(_run(exe, "train", "--config", "today.yaml", cwd=work))
    steps.append(_run(exe, "score", "--config", "today.yaml", "--as-of", "2026-03-30", cwd=work))
    steps.append(_run(exe, "approve", "--config", "today.yaml", "--version", "candidate", "--decision", "approve",
                      *_red(exe, "today.yaml", work), *demo, "Demonstration: the retrained challenger", cwd=work))
    if steps[-1]["exit"] == 1:  # refused against the champion: the panel's explicit decision, as docs/training.md shows it
        steps.append(_run(exe, "approve", "--config", "today.yaml", "--version", "candidate", "--decision", "approve",
                          *_red(exe, "today.yaml", work), "--accept-below-champion", *demo[:-1], "--note",
                          "Demonstration: equal precision within the margin, and the champion can no longer run (its feature "
                          "windows are not the config's)", cwd=work))
    for s in steps:
        print(f"$ {s['command']}  (exit {s['exit']})\n{s['output'][-2500:]}\n", flush=True)
    failed = [s for s in steps[:5] if s["exit"] != 0]
    if failed:
        return 1
    import mlflow

    client = mlflow.MlflowClient(f"sqlite:///{work / 'mlflow.db'}")
    run_id = client.get_model_version("placerisk-family-risk", "2").run_id
    gate = json.loads(Path(mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="gate.json",
                                                               tracking_uri=f"sqlite:///{work / 'mlflow.db'}")).read_text())
    write_results(args.results, {"families": args.families, "older_config": OLDER, "comparison": gate["champion"],
                                 "steps": [{**s, "output": s["output"][-6000:]} for s in steps]})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
