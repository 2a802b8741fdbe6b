"""The one feature plan, compiled for each engine: DuckDB runs the text as written, Spark gets SQLGlot's translation.

The plan in ``features.sql`` is written once in DuckDB's dialect. SQLGlot (a maintained SQL
parser and transpiler) rewrites it for Spark SQL: ``date_diff`` to ``DATEDIFF``, ``arg_max`` to
``MAX_BY``, ``DATE '...'`` literals, and NULL ordering written out (DuckDB sorts NULLs last,
Spark first when ascending). Anything SQLGlot cannot translate is an error here, never a
silently different query. Why SQLGlot rather than Ibis is recorded in ``docs/spark.md``.
"""

from __future__ import annotations

from functools import lru_cache

ENGINES = ("duckdb", "spark")


def for_engine(sql: str, engine: str) -> str:
    """``sql`` (DuckDB dialect) as ``engine`` runs it."""
    if engine not in ENGINES:
        raise ValueError(f"engine: got {engine!r}; expected one of {list(ENGINES)}")
    if engine == "duckdb":
        return sql
    return _to_spark(sql)


@lru_cache(maxsize=512)
def _to_spark(sql: str) -> str:
    import sqlglot
    from sqlglot.errors import ErrorLevel

    statements = sqlglot.transpile(sql, read="duckdb", write="spark", unsupported_level=ErrorLevel.RAISE)
    if len(statements) != 1:
        raise ValueError(f"expected one SQL statement to translate for Spark; got {len(statements)}")
    return statements[0]
