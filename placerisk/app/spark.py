"""The Spark engine's edges: a session from the config, the validated inputs handed to it, the bundle scored on its executors.

Spark is an optional extra (``pip install 'placerisk[spark]'``); nothing here is imported
unless ``engine.name`` is ``spark``. The session's time zone is always UTC (a UK summer-time
shift would otherwise move dates by an hour), and Python workers run this interpreter.

The validated, accepted rows reach Spark as Parquet written by the same DuckDB views every
build reads (quarantined rows already removed, typed as validated), never through pandas (a
pandas missing string would arrive as the text 'NaN').
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from placerisk.config import Config
from placerisk.errors import UserError

#: The relations ``features.sql`` reads (and the weekly run's engagements), as ``extracts.register_inputs`` names them.
INPUTS = ("persons", "families", "areas", "events", "objections", "engagements")
SCORE_TYPE = "score double, band bigint, rank_score double"


def require_pyspark():
    """The ``pyspark`` module, or a UserError naming the extra that installs it."""
    try:
        import pyspark
    except ImportError:
        raise UserError("engine.name is 'spark' but PySpark is not installed: install the extra with "
                        "`pip install 'placerisk[spark]'` (Java 17 or later is needed too), or set engine.name: duckdb") from None
    return pyspark


def session(config: Config):
    """A SparkSession on ``engine.spark.master`` with the project's settings (the config's own ``conf`` on top, time zone UTC)."""
    require_pyspark()
    from pyspark.sql import SparkSession

    spark_config = config.engine.spark
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # workers need this environment's pandas, LightGBM and placerisk
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = SparkSession.builder.appName(spark_config.app_name)
    if spark_config.master is not None:  # null: the master spark-submit or the platform (Databricks) started with
        builder = builder.master(spark_config.master)
    settings = {"spark.ui.showConsoleProgress": "false", "spark.sql.execution.arrow.pyspark.enabled": "true",
                **{k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in spark_config.conf.items()},
                "spark.sql.session.timeZone": "UTC",
                "spark.sql.execution.arrow.maxRecordsPerBatch": str(spark_config.arrow_batch_size)}
    for key, value in settings.items():
        builder = builder.config(key, value)
    try:
        spark = builder.getOrCreate()
    except Exception as err:  # noqa: BLE001 - no Java, a bad master URL: the same problem for the user
        raise UserError(f"Spark did not start on master {spark_config.master or 'as launched'!r} ({type(err).__name__}: {str(err).splitlines()[0][:200]}): "
                        "check engine.spark.master and that Java 17 or later is installed") from None
    for key in ("spark.sql.session.timeZone", "spark.sql.execution.arrow.maxRecordsPerBatch"):
        spark.conf.set(key, settings[key])  # an already running session takes them too
    spark.sparkContext.setLogLevel("ERROR")
    return spark


@contextmanager
def staging_folder(config: Config) -> Iterator[Path]:
    """Where the validated inputs are written for Spark: ``engine.spark.staging`` (a folder every executor can read), else a
    private temporary folder (local mode); a run's own subfolder, removed after."""
    root = config.engine.spark.staging
    if root is not None:
        Path(root).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="placerisk-spark-", dir=None if root is None else str(root)) as folder:
        yield Path(folder)


def register_inputs(spark, con, folder: Path) -> None:
    """Write each input relation registered on the DuckDB connection ``con`` to Parquet in ``folder`` and register it on Spark."""
    for name in INPUTS:
        path = folder / f"{name}.parquet"
        con.execute(f"COPY (SELECT * FROM {name}) TO '{path}' (FORMAT parquet)")
        spark.read.parquet(path.resolve().as_uri()).createOrReplaceTempView(name)  # file:// even where the default file system is not


def score_on_executors(spark, frame, model_uri: str, feature_names):
    """``frame`` (a Spark DataFrame of one date's features) with a ``scored`` struct of score, band and rank score, computed on
    the executors by the registered bundle (``mlflow.pyfunc.spark_udf``, in this environment: ``env_manager="local"``)."""
    import mlflow.pyfunc
    from pyspark.sql import functions as F

    udf = mlflow.pyfunc.spark_udf(spark, model_uri, result_type=SCORE_TYPE, env_manager="local")
    inputs = [F.col(name).cast("double").alias(name) for name in feature_names]
    return frame.withColumn("scored", udf(F.struct(*inputs)))
