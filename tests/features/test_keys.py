"""The integer keys the heavy joins run on: numbered within id-prefix buckets, the same as one numbering over all rows."""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from placerisk.features.sql import people_sql

WHOLE = """SELECT person_id, CAST(row_number() OVER (ORDER BY person_id) AS INTEGER) AS pkey,
    CAST(dense_rank() OVER (ORDER BY family_id) AS INTEGER) AS fkey FROM persons ORDER BY person_id"""


def _persons() -> pa.Table:
    rng = np.random.default_rng(1)
    ids = [f"{x:016x}" for x in rng.integers(0, 2**62, 3000)] + ["a", "ab", "abc", "Z1", "é2", "1", "P0001", "P0002"]
    families = [f"f{i % 700:04d}" if i % 5 else f"{i:x}" for i in range(len(ids))]
    n = len(ids)
    return pa.table({"person_id": ids, "family_id": families, "sex": ["F"] * n, "ethnicity": ["White"] * n,
                     "birth_year": pa.array([2000] * n, pa.int32()), "birth_month": pa.array([1] * n, pa.int32()),
                     "member_from": pa.array(np.full(n, np.datetime64("2010-01-01", "D")), pa.date32()),
                     "member_to": pa.array([None] * n, pa.date32())})


NO_OBJECTIONS = pa.table({"family_id": pa.array([], pa.string()), "person_id": pa.array([], pa.string())})


def test_bucketed_keys_equal_one_numbering_over_all_rows_on_duckdb():
    con = duckdb.connect()
    con.register("persons", _persons())
    con.register("objections", NO_OBJECTIONS)
    ours = con.sql(f"SELECT person_id, pkey, fkey FROM ({people_sql()}) ORDER BY person_id").fetchall()
    assert ours == con.sql(WHOLE).fetchall()


@pytest.mark.spark
def test_spark_gives_the_same_keys(spark, tmp_path):
    from placerisk.features import spark_engine

    for name, table in (("persons", _persons()), ("objections", NO_OBJECTIONS)):
        pq.write_table(table, tmp_path / f"{name}.parquet")
        spark.read.parquet(str(tmp_path / f"{name}.parquet")).createOrReplaceTempView(name)
    ours = spark_engine.sql(spark, f"SELECT person_id, pkey, fkey FROM ({people_sql()}) k").toPandas().sort_values("person_id")
    con = duckdb.connect()
    con.register("persons", _persons())
    expected = con.sql(WHOLE).df()
    assert ours["pkey"].tolist() == expected["pkey"].tolist() and ours["fkey"].tolist() == expected["fkey"].tolist()
