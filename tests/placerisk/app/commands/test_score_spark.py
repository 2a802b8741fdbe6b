"""`placerisk score` on the Spark engine: the same weekly lists as on DuckDB, byte for byte.

The features are built by Spark SQL and the champion's registered bundle scores every family on
Spark's executors; the allocation, reasons and writers are the same code as on DuckDB.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml

from placerisk.cli import main

pytestmark = [pytest.mark.slow, pytest.mark.spark]
AS_OF = "2026-01-05"


def _published(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file() and p.name != "manifest.json"}


def _on_spark(config, out):
    settings = yaml.safe_load(config.read_text())
    settings["engine"] = {"name": "spark", "spark": {"master": "local[2]", "arrow_batch_size": 500,
                                                      "conf": {"spark.sql.shuffle.partitions": 4}}}
    settings["data"]["output_dir"] = str(out)
    mine = config.with_name("spark.yaml")
    mine.write_text(yaml.safe_dump(settings))
    return mine


def test_spark_publishes_the_same_lists_as_duckdb(scored, spark, tmp_path):
    tmp, config = scored
    assert main(["score", "--config", str(config), "--as-of", AS_OF]) == 0
    duck = tmp / "out" / "lists" / AS_OF
    (tmp_path / "spark-out").mkdir()
    import shutil

    shutil.copytree(tmp / "out" / "validation", tmp_path / "spark-out" / "validation")
    assert main(["score", "--config", str(_on_spark(config, tmp_path / "spark-out")), "--as-of", AS_OF]) == 0
    sparked = tmp_path / "spark-out" / "lists" / AS_OF

    a, b = _published(duck), _published(sparked)
    assert sorted(a) == sorted(b) and any(name.endswith("list.csv") for name in a)
    different = [name for name in a if a[name] != b[name]]
    assert different == []  # every team's CSVs, workbooks and pages, the summary and the monitoring cohort
    listed = sum(len(pd.read_csv(duck / name)) for name in a if name.endswith("list.csv"))
    assert listed > 20
    ours, theirs = (pd.read_parquet(f / "monitoring" / "cohort.parquet") for f in (duck, sparked))
    assert len(ours) > 1000 and np.array_equal(ours["score"].to_numpy(), theirs["score"].to_numpy())
    manifests = [json.loads((f / "manifest.json").read_text()) for f in (duck, sparked)]
    assert [m["data"]["engine"] for m in manifests] == ["duckdb", "spark"]
    assert manifests[0]["teams"] == manifests[1]["teams"] and manifests[0]["drift"]["psi"] == manifests[1]["drift"]["psi"]
