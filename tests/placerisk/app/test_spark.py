"""The Spark engine's edges: a clear error without the extra, the session's fixed settings, the config's checks."""

from __future__ import annotations

import sys

import pytest

from placerisk.cli import main
from placerisk.config import parse_config
from placerisk.errors import ConfigError, UserError


def _on_spark(tmp_path, validated_config):
    text = validated_config.read_text() + "engine:\n  name: spark\n"
    mine = tmp_path / "spark.yaml"
    mine.write_text(text)
    return mine


def test_without_pyspark_the_error_names_the_extra(validated, monkeypatch, capsys):
    from placerisk.app.spark import require_pyspark

    monkeypatch.setitem(sys.modules, "pyspark", None)  # as if not installed
    with pytest.raises(UserError, match=r"pip install 'placerisk\[spark\]'"):
        require_pyspark()
    tmp, config = validated
    code = main(["features", "--config", str(_on_spark(tmp, config)), "--as-of", "2025-01-01", "--out", str(tmp / "f.parquet")])
    err = capsys.readouterr().err
    assert code == 2 and "placerisk[spark]" in err and "Traceback" not in err
    assert not (tmp / "f.parquet").exists()


def test_the_session_time_zone_can_only_be_utc():
    with pytest.raises(ConfigError, match="spark.sql.session.timeZone: got 'Europe/London'; expected 'UTC'"):
        parse_config({"config_version": 1, "engine": {"spark": {"conf": {"spark.sql.session.timeZone": "Europe/London"}}}})
    config = parse_config({"config_version": 1, "engine": {"name": "spark", "spark": {"master": None, "conf": {"spark.executor.cores": 4}}}})
    assert config.engine.spark.master is None and config.engine.spark.conf == {"spark.executor.cores": 4}


@pytest.mark.spark
def test_the_session_runs_in_utc_with_the_configured_arrow_batch(spark):
    assert spark.conf.get("spark.sql.session.timeZone") == "UTC"
    assert spark.conf.get("spark.sql.execution.arrow.maxRecordsPerBatch") == "10000"
    # A date read on the day the clocks go forward stays that date.
    assert str(spark.sql("SELECT CAST('2024-03-31' AS DATE) AS d").collect()[0].d) == "2024-03-31"


def test_an_executor_without_the_training_environment_is_the_sites_problem_not_a_bug():
    from placerisk.app.spark import explained

    missing = RuntimeError("PythonException: Traceback ...\nModuleNotFoundError: No module named 'lightgbm'\n at ...")
    shown = explained(missing, "score the cohort")
    assert isinstance(shown, UserError)
    assert "No module named 'lightgbm'" in str(shown) and "docs/spark.md" in str(shown) and "could not score the cohort" in str(shown)
    other = RuntimeError("ZeroDivisionError: division by zero")
    assert explained(other, "score the cohort") is other  # a real failure stays a bug report
