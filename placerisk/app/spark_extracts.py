"""Partner extracts on Spark: checked against their contracts, then registered as the feature plan's inputs.

A Parquet extract is read by Spark where it lies, its row numbers taken from Spark's
``_metadata.row_index``. A CSV extract is parsed by the same reader as on DuckDB (so a
CSV means the same rows and values on either engine) and written once to the staging
folder as Parquet for Spark to read. The rules are the ones ``validate`` runs on DuckDB,
compiled by SQLGlot; ``tests/placerisk/app/test_spark_extracts.py`` holds each to DuckDB's. The
inputs are the same views ``extracts.register_views`` makes on DuckDB (accepted rows, typed as
validated), so nothing but Spark reads the extracts in a Spark build.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from placerisk.app.extracts import data_span, register_views
from placerisk.app.spark import scope, staging_folder
from placerisk.config import Config
from placerisk.datatools.contracts.engine import ROW, ReservedColumn, Unreadable, with_row_numbers
from placerisk.datatools.tables import read_csv_as_text, safe_reason
from placerisk.features.transpile import for_engine

_SIMPLE = {"string": "VARCHAR", "bigint": "BIGINT", "int": "INTEGER", "smallint": "SMALLINT", "tinyint": "TINYINT",
           "double": "DOUBLE", "float": "FLOAT", "date": "DATE", "timestamp": "TIMESTAMP WITH TIME ZONE",
           "timestamp_ntz": "TIMESTAMP", "boolean": "BOOLEAN", "binary": "BLOB"}


def duckdb_type(data_type) -> str:
    """A Spark column type as DuckDB names it (what the checks compare types by)."""
    simple = data_type.simpleString()
    if simple.startswith("decimal"):
        return simple.upper().replace(" ", "")
    return _SIMPLE.get(simple, simple.upper())


class SparkChecks:
    """The operations of ``datatools.contracts.engine.CheckEngine`` on a Spark session."""

    def __init__(self, spark, staging: Path):
        self.spark = spark
        self.staging = staging
        self._views: list[str] = []
        self._kept: list = []
        self._duckdb = duckdb.connect()  # only to give small results DuckDB's pandas conversion

    def _sql(self, sql: str):
        return self.spark.sql(for_engine(sql, "spark"))

    def register(self, path: Path, view: str) -> dict[str, str]:
        from pyspark.errors import PySparkException
        from pyspark.sql import functions as F

        try:
            if path.suffix == ".csv":
                staged = self.staging / f"{view}.parquet"
                pq.write_table(with_row_numbers(read_csv_as_text(path)), staged)
                frame = self.spark.read.parquet(staged.resolve().as_uri())
            else:
                frame = self.spark.read.parquet(path.resolve().as_uri())
                if ROW in frame.columns:
                    raise ReservedColumn(ROW)
                frame = frame.select("*", (F.col("_metadata.row_index") + 1).alias(ROW))
        except (pa.ArrowInvalid, OSError, UnicodeDecodeError, PySparkException) as err:
            raise Unreadable(safe_reason(err)) from None
        frame.createOrReplaceTempView(view)
        self._views.append(view)
        return {f.name: duckdb_type(f.dataType) for f in frame.schema.fields if f.name != ROW}

    def rows(self, sql: str) -> list[tuple]:
        return [tuple(r) for r in self._sql(sql).collect()]

    def frame(self, sql: str) -> pd.DataFrame:
        return self._duckdb.from_arrow(self._sql(sql).toArrow()).df()

    def table(self, name: str, sql: str) -> None:
        frame = self._sql(sql).persist()
        frame.createOrReplaceTempView(name)
        self._views.append(name)
        self._kept.append(frame)

    def view(self, name: str, sql: str) -> None:
        self._sql(sql).createOrReplaceTempView(name)
        self._views.append(name)

    def write_parquet(self, sql: str, path: Path, order_by: str) -> None:
        parts = path.with_name(path.name + ".parts")
        shutil.rmtree(parts, ignore_errors=True)
        self._sql(sql).repartition(1).sortWithinPartitions(order_by).write.parquet(parts.resolve().as_uri())
        written = sorted(parts.glob("part-*.parquet"))
        if len(written) != 1:
            raise RuntimeError(f"Spark wrote {len(written)} Parquet parts for '{path}'; expected one")
        written[0].replace(path)
        shutil.rmtree(parts)

    def close(self) -> None:
        for frame in self._kept:
            frame.unpersist()
        for view in self._views:
            self.spark.catalog.dropTempView(view)
        self._duckdb.close()


@contextmanager
def spark_checks(config: Config) -> Iterator[SparkChecks]:
    """The checks on a session from the config (see ``spark.scope``), CSV extracts staged in ``engine.spark.staging``."""
    with scope(config) as spark, staging_folder(config) as folder:
        checks = SparkChecks(spark, folder)
        try:
            yield checks
        finally:
            checks.close()


@contextmanager
def inputs(config: Config, report: dict) -> Iterator[tuple[object, dt.date | None, dt.date]]:
    """A session (see ``spark.scope``) with the extracts of a passed validation ``report`` registered as the plan's inputs
    (the views ``extracts.register_views`` names); yields ``(session, first event date, data end)``, and drops what it made after."""
    with spark_checks(config) as target:
        register_views(target, config, report)
        first_event, data_end = data_span(target, config)
        yield target.spark, first_event, data_end
