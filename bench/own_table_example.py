"""The worked example of docs/training.md: `placerisk train --table` on a synthetic person table of the size and shape
that data scientists bring (7,000 people, each screened on its own day over two years, seven numbers, one text input,
a two-year outcome), with a temporal holdout. Writes the command, the printed plan and the metrics to the results file.

    python bench/own_table_example.py
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_foundation import write_results

from placerisk.datatools.synth.person_table import person_table

COMMAND = ["train", "--table", "people.csv", "--id", "person_id", "--label", "two_year_outcome", "--time", "screened",
           "--horizon-months", "24", "--holdout-from", "2014-07-01", "--sensitive", "race,sex", "--unit", "people", "--no-register"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=7000)
    parser.add_argument("--results", default="bench/results/own-table-example.json")
    args = parser.parse_args()
    exe = str(Path(sys.executable).with_name("placerisk"))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        person_table(args.rows, seed=0).to_csv(work / "people.csv", index=False)
        (work / "data").mkdir()
        (work / "placerisk.yaml").write_text(f"config_version: 1\ndata: {{dir: {work / 'data'}, output_dir: {work / 'out'}}}\nmlflow:\n"
                                             f"  tracking_uri: sqlite:///{work / 'mlflow.db'}\n  artifact_dir: {work / 'art'}\n"
                                             f"  decisions_log: {work / 'decisions.jsonl'}\n")
        done = subprocess.run([exe, *COMMAND], cwd=work, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(done.stdout[-3000:], done.stderr[-3000:])
        return 1
    progress = [re.sub(r"^\[\s*[\d.]+ s\] ", "", line) for line in done.stderr.splitlines() if line.strip()]
    summary = done.stdout.strip().splitlines()
    write_results(args.results, {"rows": args.rows, "command": "placerisk " + " ".join(COMMAND), "progress": progress, "summary": summary})
    print("\n".join(progress + summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
