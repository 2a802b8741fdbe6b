"""`placerisk engines`: a site checks that Spark builds and scores what DuckDB does, on its own data."""

from __future__ import annotations

import pyarrow as pa
import pytest

from placerisk.app.commands.engines import compare, compare_scores
from placerisk.cli import main

AS_OF = "2026-01-05"


@pytest.mark.slow
@pytest.mark.spark
def test_the_engines_agree_on_the_features_and_the_champions_scores(scored, spark, capsys):
    tmp, config = scored
    assert main(["engines", "--config", str(config), "--as-of", AS_OF]) == 0
    out = capsys.readouterr().out
    assert "the engines agree on 2026-01-05" in out and "champion's scores (version" in out
    assert not (tmp / "out" / "lists").exists()  # nothing is written


def _table(**columns):
    return pa.table({"family_id": ["F1", "F2", "F3"], **columns})


def test_a_difference_names_the_column_the_family_and_both_values():
    duck = _table(police__asb__count_3m=pa.array([0, 2, 1], pa.int32()))
    assert compare(duck, duck) == []
    spark = _table(police__asb__count_3m=pa.array([0, 3, 1], pa.int32()))
    assert compare(duck, spark) == ["police__asb__count_3m: 1 family differs, e.g. F2: DuckDB 2, Spark 3"]
    fewer = pa.table({"family_id": ["F1", "F2"], "police__asb__count_3m": pa.array([0, 2], pa.int32())})
    assert compare(duck, fewer) == ["families: 3 on DuckDB, 2 on Spark; 1 on one only, e.g. ['F3']"]


def test_scores_agree_within_the_tolerance_and_bands_exactly():
    nan = float("nan")
    duck = _table(score=[0.1, 0.2, 0.3], rank_score=[0.1, 0.2, 0.3], baseline_score=[nan, 1.0, 2.0], band=[1, 2, 3])
    close = _table(score=[0.1 + 1e-12, 0.2, 0.3], rank_score=[0.1, 0.2, 0.3], baseline_score=[nan, 1.0, 2.0], band=[1, 2, 3])
    assert compare_scores(duck, close) == []
    off = _table(score=[0.1, 0.2, 0.31], rank_score=[0.1, 0.2, 0.3], baseline_score=[nan, 1.0, 2.0], band=[1, 2, 4])
    assert compare_scores(duck, off) == ["score: 1 family differs, largest difference 0.01", "band: 1 family differs, largest difference 1"]
