"""Benchmark `placerisk synth` and `placerisk validate` at a given size.

Each command runs as a subprocess; wall time is measured around it and peak
memory is the largest sum of resident memory over the process and all its
children (sampled from /proc every 0.1 s), so worker processes count.
Results (every run, and the median) go to a JSON file.

    python bench/bench_foundation.py --families 1000000 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")
TARGETS = {"synth": {"seconds": 300, "peak_gb": 8.0}, "validate": {"seconds": 120}}


def _tree_rss(root: int) -> int:
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry), int(fields[1])
        children.setdefault(ppid, []).append(pid)
        rss[pid] = int(fields[21]) * PAGE
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def run(cmd: list[str]) -> dict[str, float]:
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            stop.wait(0.1)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    output, _ = proc.communicate()
    seconds = time.perf_counter() - started
    stop.set()
    thread.join()
    return {"seconds": round(seconds, 2), "peak_gb": round(peak / 1e9, 2), "exit": proc.returncode, "output": output[-8000:]}


def write_results(path: str | Path, result: dict) -> None:
    """Write a benchmark's results file (JSON, indented), making its folder if needed."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(result, indent=2) + "\n")


def fresh_population(families: int, workdir: str | Path) -> tuple[Path, Path, dict, dict]:
    """A new synthetic population in ``workdir`` (emptied first) and its validation report.

    Returns ``(data, validation, synth run, validate run)``; stops with the command's output if either step fails.
    """
    exe = str(Path(sys.executable).with_name("placerisk"))
    work = Path(workdir)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    data, validation = work / "data", work / "validation"
    synth = run([exe, "synth", "--families", str(families), "--out", str(data)])
    validate = run([exe, "validate", "--data", str(data), "--out", str(validation)]) if synth["exit"] == 0 else synth
    if validate["exit"] != 0:
        raise SystemExit(validate["output"])
    return data, validation, synth, validate


def approved_champion(train_families: int, store: Path) -> Path:
    """A champion trained on a fresh population of ``train_families`` in ``store`` (the default config) and approved by a
    benchmark panel; returns its config file. Stops with the command's output if a step fails."""
    exe = str(Path(sys.executable).with_name("placerisk"))
    data, validation, _, _ = fresh_population(train_families, store)
    config = store / "placerisk.yaml"
    config.write_text(f"config_version: 1\ndata:\n  dir: {data}\n  output_dir: {store}\nmlflow:\n  tracking_uri: sqlite:///{store / 'mlflow.db'}\n"
                      f"  artifact_dir: {store / 'mlartifacts'}\n  decisions_log: {store / 'decisions.jsonl'}\n")
    trained = run([exe, "train", "--config", str(config), "--data", str(data), "--validation", str(validation)])
    red = run([exe, "findings", "--config", str(config), "--red-ids"]) if trained["exit"] == 0 else trained
    if red["exit"] != 0:
        raise SystemExit(red["output"][-3000:])
    approve = run([exe, "approve", "--config", str(config), "--version", "candidate", "--decision", "approve", "--reviewer", "Benchmark panel",
                   "--note", "benchmark only", "--allow-dirty", "--accept", red["output"].strip().splitlines()[-1]])
    if approve["exit"] != 0:
        raise SystemExit(approve["output"][-3000:])
    return config


def config_for(champion: Path, data: Path, output_dir: Path) -> Path:
    """The champion's config pointed at another population and output folder, written in ``output_dir``."""
    store = champion.parent
    text = champion.read_text().replace(f"dir: {store / 'data'}", f"dir: {data}").replace(f"output_dir: {store}", f"output_dir: {output_dir}")
    (output_dir / "placerisk.yaml").write_text(text)
    return output_dir / "placerisk.yaml"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--families", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--results", default="bench/results/foundation.json")
    parser.add_argument("--workdir", default=None, help="where to write the data (default: a temporary folder)")
    args = parser.parse_args()
    exe = [sys.executable, "-m", "placerisk"]
    work = Path(args.workdir or tempfile.mkdtemp(prefix="placerisk-bench-"))
    data, report = work / "data", work / "validation"
    runs: dict[str, list[dict]] = {"synth": [], "validate": []}
    for i in range(args.repeat):
        r = run(exe + ["synth", "--families", str(args.families), "--out", str(data), "--overwrite"])
        runs["synth"].append(r)
        print(f"synth    run {i + 1}: {r['seconds']} s, peak {r['peak_gb']} GB, exit {r['exit']}", flush=True)
        if r["exit"] != 0:
            print(r["output"])
            return 1
        r = run(exe + ["validate", "--data", str(data), "--out", str(report), "--overwrite"])
        runs["validate"].append(r)
        print(f"validate run {i + 1}: {r['seconds']} s, peak {r['peak_gb']} GB, exit {r['exit']}", flush=True)
        if r["exit"] != 0:
            print(r["output"])
            return 1
    manifest = json.loads((data / "manifest.json").read_text())
    size = sum(p.stat().st_size for p in data.glob("*.parquet"))
    summary = {}
    for step, rs in runs.items():
        summary[step] = {
            "median_seconds": statistics.median(r["seconds"] for r in rs),
            "median_peak_gb": statistics.median(r["peak_gb"] for r in rs),
            "runs": [{k: v for k, v in r.items() if k != "output"} for r in rs],
            "target": TARGETS[step],
        }
        t = TARGETS[step]
        summary[step]["meets_target"] = summary[step]["median_seconds"] <= t["seconds"] and summary[step]["median_peak_gb"] <= t.get("peak_gb", float("inf"))
    result = {
        "benchmark": "foundation: synth and validate",
        "families": args.families,
        "persons": manifest["rows"]["persons"],
        "events": manifest["events"],
        "parquet_bytes": size,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
        **summary,
    }
    out = Path(args.results)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k not in ("synth", "validate")}))
    for step in runs:
        print(f"{step}: median {summary[step]['median_seconds']} s, peak {summary[step]['median_peak_gb']} GB, target {TARGETS[step]} -> {'met' if summary[step]['meets_target'] else 'MISSED'}")
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
