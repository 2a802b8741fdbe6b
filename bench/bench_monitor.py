"""Benchmark `placerisk monitor`: 52 published weeks of a 1,000,000-family population, with practitioners' feedback.

Set-up (not timed against the target): a champion trained on `--train-families` (default 50,000) and approved
by a benchmark panel; a fresh population of `--families`; then 52 weekly runs of `placerisk score`, one a week
from `--first-week`, each followed by a synthetic feedback file on that week's lists (a fixed mix of decisions
drawn with a seeded generator) ingested with `placerisk feedback`, so the lists honour it as they would in use.
The weeks are a horizon and the late-record allowance before the data's end, so every one is monitored.
Then `placerisk monitor` is timed `--repeat` times as a subprocess with its peak memory (median quoted).
With `--reuse` what an earlier run in `--workdir` finished is kept (the champion, the population, the weeks
published and their feedback) and the rest is done.

    python bench/bench_monitor.py --families 1000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import statistics
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_foundation import approved_champion, config_for, fresh_population, run, write_results

TARGET = {"seconds": 60}
DECISIONS = ("engaged", "declined", "not_appropriate", "already_known", "no_contact", "data_wrong", None)
SHARES = (0.35, 0.15, 0.08, 0.05, 0.12, 0.02, 0.23)  # None: no decision recorded


def _feedback(listed: pd.DataFrame, week: dt.date, rng: np.random.Generator) -> pd.DataFrame:
    choice = rng.choice(len(DECISIONS), size=len(listed), p=SHARES)
    rows = [(f, week.isoformat(), DECISIONS[c], "bench", "police" if DECISIONS[c] == "data_wrong" else "", "key worker",
             (week + dt.timedelta(days=3)).isoformat(), "") for f, c in zip(listed, choice, strict=True) if DECISIONS[c]]
    return pd.DataFrame(rows, columns=["family_id", "week", "decision", "reason_code", "partner", "role", "decided", "note"])


def setup(args, exe: str, work: Path) -> Path:
    """The champion, the population and the published weeks; with ``--reuse`` whatever an earlier run finished is kept."""
    store = work / "train"
    config = store / "placerisk.yaml"
    scoring = work / "score" / "placerisk.yaml"
    if not (args.reuse and (store / "decisions.jsonl").is_file()):
        config = approved_champion(args.train_families, store)
    if not (args.reuse and scoring.is_file()):
        data, _, _, _ = fresh_population(args.families, work / "score")
        scoring = config_for(config, data, work / "score")
    data, validation = work / "score" / "data", work / "score" / "validation"
    rng = np.random.default_rng(7)
    first = dt.date.fromisoformat(args.first_week)
    for i in range(args.weeks):
        week = first + dt.timedelta(weeks=i)
        lists = work / "score" / "lists" / week.isoformat()
        seconds = None
        if not (lists / "manifest.json").is_file():
            score = run([exe, "score", "--config", str(scoring), "--data", str(data), "--validation", str(validation), "--as-of", week.isoformat()])
            if score["exit"] != 0:
                raise SystemExit(score["output"][-3000:])
            seconds = score["seconds"]
        listed = pd.concat([pd.read_csv(p, dtype=str) for p in sorted((lists / "teams").glob("*/list.csv"))])["Family (pseudonymous id)"]
        file = work / "feedback" / f"{week.isoformat()}.csv"
        file.parent.mkdir(parents=True, exist_ok=True)
        decisions = _feedback(listed, week, rng)  # drawn every week, so a resumed run draws the same decisions
        if not file.is_file():
            decisions.to_csv(file, index=False)
        fed = run([exe, "feedback", "--config", str(scoring), "--file", str(file)])
        if fed["exit"] != 0 and "already ingested" not in fed["output"]:
            raise SystemExit(fed["output"][-3000:])
        print(f"week {i + 1}/{args.weeks} ({week}): " + (f"scored in {seconds:.1f} s" if seconds else "published earlier"), flush=True)
    return scoring


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--families", type=int, default=1_000_000)
    parser.add_argument("--train-families", type=int, default=50_000)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--first-week", default="2023-12-04")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="keep what an earlier run in --workdir finished (champion, population, weeks)")
    parser.add_argument("--workdir", default="/tmp/placerisk-bench-monitor")
    parser.add_argument("--results", default="bench/results/monitor.json")
    args = parser.parse_args()
    exe = str(Path(sys.executable).with_name("placerisk"))
    work = Path(args.workdir)
    scoring = setup(args, exe, work)
    data, validation = work / "score" / "data", work / "score" / "validation"
    runs = []
    for i in range(args.repeat):
        runs.append(run([exe, "monitor", "--config", str(scoring), "--data", str(data), "--validation", str(validation), "--on", "2026-04-01",
                         "--force"]))
        if runs[-1]["exit"] != 0:
            print(runs[-1]["output"][-3000:])
            return 1
    report = json.loads((work / "score" / "monitor" / "2026-04-01" / "report.json").read_text())
    seconds = [r["seconds"] for r in runs]
    median = statistics.median(seconds)
    result = {"python": platform.python_version(), "families": args.families, "train_families": args.train_families,
              "weeks_published": args.weeks, "weeks_monitored": len(report["weeks_monitored"]), "feedback_decisions": report["feedback_decisions"],
              "monitor": {"seconds": seconds, "median_seconds": median, "peak_gb": max(r["peak_gb"] for r in runs), "target": TARGET,
                          "meets_target": median <= TARGET["seconds"]},
              "status": report["status"], "progress": [line for line in runs[-1]["output"].splitlines() if line.startswith("[")]}
    write_results(args.results, result)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
