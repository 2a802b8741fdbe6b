"""The Spark engine's edges: a session from the config, the validated inputs handed to it, the bundle scored on its executors.

Spark is an optional extra (``pip install 'placerisk[spark]'``); nothing here is imported
unless ``engine.name`` is ``spark``. The session's time zone is always UTC (a UK summer-time
shift would otherwise move dates by an hour), and Python workers run this interpreter.

The validated extracts reach Spark as Parquet (see ``spark_extracts``), never through pandas
(a pandas missing string would arrive as the text 'NaN').
"""

from __future__ import annotations

import os
import sys
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from placerisk.config import Config
from placerisk.errors import UserError

SCORED = ("score", "band", "rank_score", "baseline_score")
SCORED_TYPE = "score double, band bigint, rank_score double, baseline_score double"


def require_pyspark():
    """The ``pyspark`` module, or a UserError naming the extra that installs it."""
    try:
        import pyspark
    except ImportError:
        raise UserError("engine.name is 'spark' but PySpark is not installed: install the extra with "
                        "`pip install 'placerisk[spark]'` (Java 17 or later is needed too), or set engine.name: duckdb") from None
    return pyspark


FIXED = ("spark.sql.session.timeZone", "spark.sql.execution.arrow.maxRecordsPerBatch")
"""Settings every run needs, set on a session that is already running too (and put back after, see ``inputs``)."""


def _first_line(err: BaseException) -> str:
    return (str(err).strip().splitlines() or [type(err).__name__])[0][:200]


def session(config: Config):
    """A SparkSession on ``engine.spark.master`` with the project's settings (the config's own ``conf`` on top, time zone UTC)."""
    require_pyspark()
    # PySpark 4.3 warns that pandas 3 is not yet fully supported; the parity tests hold its results to DuckDB's.
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    from pyspark.sql import SparkSession

    spark_config = config.engine.spark
    conf = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in spark_config.conf.items()}
    if "spark.pyspark.python" not in conf:  # workers need this environment's pandas, LightGBM and placerisk
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = SparkSession.builder.appName(spark_config.app_name)
    if spark_config.master is not None:  # null: the master spark-submit or the platform (Databricks) started with
        builder = builder.master(spark_config.master)
    settings = {"spark.ui.showConsoleProgress": "false", "spark.sql.execution.arrow.pyspark.enabled": "true",
                "spark.sql.warehouse.dir": str(Path(tempfile.gettempdir()) / "placerisk-spark-warehouse"),  # never the working folder
                **conf, FIXED[0]: "UTC", FIXED[1]: str(spark_config.arrow_batch_size)}
    for key, value in settings.items():
        builder = builder.config(key, value)
    try:
        spark = builder.getOrCreate()
    except Exception as err:  # noqa: BLE001 - no Java, a bad master URL: the same problem for the user
        raise UserError(f"Spark did not start on master {spark_config.master or 'as launched'!r} ({type(err).__name__}: {_first_line(err)}): "
                        "check engine.spark.master and that Java 17 or later is installed") from None
    for key in FIXED:
        spark.conf.set(key, settings[key])  # an already running session takes them too
    spark.sparkContext.setLogLevel("ERROR")
    return spark


@contextmanager
def scope(config: Config) -> Iterator:
    """A session for one command. One this started is stopped after; one that was already running (a notebook, a Databricks
    job) is left as it was found, its fixed settings put back (the caller drops its own views)."""
    require_pyspark()
    from pyspark.sql import SparkSession

    running = SparkSession.getActiveSession()
    before = {} if running is None else {key: running.conf.get(key, None) for key in FIXED}
    spark = session(config)
    try:
        yield spark
    finally:
        if running is None:
            spark.stop()
        else:
            for key, value in before.items():
                spark.conf.unset(key) if value is None else spark.conf.set(key, value)


def explained(err: Exception, doing: str) -> Exception:
    """A Spark job's failure as the user should see it: an executor without the training environment is the site's to fix
    (a UserError naming what is missing); anything else is returned as it is, to be reported as a bug."""
    text = str(err)
    if "ModuleNotFoundError" in text or "No module named" in text:
        missing = text[text.find("No module named"):].splitlines()[0][:120] if "No module named" in text else _first_line(err)
        return UserError(f"Spark's executors could not {doing}: {missing}. They need the environment the champion was trained in "
                         "(placerisk with the same scikit-learn, LightGBM, numpy and pandas): see docs/spark.md, 'Running on a cluster'")
    return err


@contextmanager
def staging_folder(config: Config) -> Iterator[Path]:
    """Where CSV extracts are written as Parquet for Spark: ``engine.spark.staging`` (a folder every executor can read), else a
    private temporary folder (local mode); a run's own subfolder, removed after."""
    root = config.engine.spark.staging
    if root is not None:
        Path(root).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="placerisk-spark-", dir=None if root is None else str(root)) as folder:
        yield Path(folder)


def score_with_bundle(frame, risk):
    """``frame`` (a Spark DataFrame of one date's features) with a ``scored`` struct computed on the executors by the champion's
    bundle: ``score``, ``band`` and ``rank_score`` (what ``RiskModel.predict`` returns) and ``baseline_score`` (the rule fitted
    with it; missing for a bundle without one). A pandas UDF around the bundle: each task scores Arrow batches of
    ``engine.spark.arrow_batch_size`` rows, with the inputs cast to float64 as the bundle's signature asks."""
    import numpy as np
    import pandas as pd
    from pyspark.sql import functions as F

    names = list(risk.feature_names)

    def score(inputs: pd.DataFrame) -> pd.DataFrame:
        out = risk.predict(inputs)
        baseline = risk.baseline_score(inputs)
        return pd.DataFrame({"score": out["score"].to_numpy(np.float64), "band": out["band"].to_numpy(np.int64),
                             "rank_score": out["rank_score"].to_numpy(np.float64),
                             "baseline_score": np.full(len(inputs), np.nan) if baseline is None else baseline})

    score.__annotations__ = {"inputs": pd.DataFrame, "return": pd.DataFrame}  # real classes: this module's hints are text
    udf = F.pandas_udf(score, returnType=SCORED_TYPE)
    return frame.withColumn("scored", udf(F.struct(*[F.col(n).cast("double").alias(n) for n in names])))


def drift_counts(scored, reference) -> dict:
    """Each numeric column's bin counts in the drift reference's binning (the score and every input it covers), counted on
    the executors batch by batch with the same NumPy as on one machine, and added up."""
    import numpy as np
    import pandas as pd
    from pyspark.sql import functions as F

    from placerisk.models.drift import SCORE, counts_like

    names = [n for n in reference.numeric if n == SCORE or n in scored.columns]
    refs = [reference.numeric[n] for n in names]
    columns = [F.col("scored.score" if n == SCORE else n).cast("double").alias(f"c{i}") for i, n in enumerate(names)]

    def count(batches):
        for batch in batches:
            rows = [(i, b, int(k)) for i, ref in enumerate(refs) for b, k in enumerate(counts_like(batch[f"c{i}"].to_numpy(), ref)) if k]
            yield pd.DataFrame(rows, columns=["column", "bin", "n"]).astype({"column": np.int32, "bin": np.int32, "n": np.int64})

    summed = (scored.select(*columns).mapInPandas(count, "column int, bin int, n bigint")
              .groupBy("column", "bin").agg(F.sum("n").alias("n")).toArrow().to_pandas())
    out = {}
    for i, (name, ref) in enumerate(zip(names, refs, strict=True)):
        mine = summed[summed["column"] == i]
        counts = np.zeros(len(ref["shares"]), dtype=np.int64)
        counts[mine["bin"].to_numpy()] = mine["n"].to_numpy()
        out[name] = counts
    return out


def inputs_of(frame, family_ids, feature_names):
    """The model inputs of these families (a few: the listed ones), collected from the date's Spark DataFrame, in this order."""
    import pandas as pd
    from pyspark.sql import functions as F

    ids = [str(f) for f in family_ids]
    if not ids:
        return pd.DataFrame({n: pd.Series(dtype="int32") for n in feature_names})
    got = frame.where(F.col("family_id").isin(ids)).select("family_id", *feature_names).toArrow().to_pandas()
    return got.set_index("family_id").loc[ids, list(feature_names)].reset_index(drop=True)
