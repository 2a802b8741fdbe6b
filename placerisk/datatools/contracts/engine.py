"""Where the contract checks run: the few operations validation needs, on one SQL engine.

Validation writes its SQL once, in DuckDB's dialect (``checks.py``). `DuckDBChecks` runs
it as written; the Spark engine (``placerisk.app.spark_extracts``) compiles it for Spark SQL
and offers the same operations, so a file is judged by the same rules on either engine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import duckdb
import pandas as pd
import pyarrow as pa

from placerisk.datatools.contracts.checks import literal, quote
from placerisk.datatools.tables import read_csv_as_text, safe_reason

ROW = "_row"  # reserved: the 1-based data row number


class ReservedColumn(ValueError):
    """The file has a column named `ROW`."""


class Unreadable(ValueError):
    """The file could not be read; the message says why, without quoting its rows."""


class CheckEngine(Protocol):
    def register(self, path: Path, view: str) -> dict[str, str]:
        """Expose ``path`` as ``view`` with a 1-based `ROW`; its other columns' types, as DuckDB names them."""

    def rows(self, sql: str) -> list[tuple]:
        """The result of a query, as tuples."""

    def frame(self, sql: str) -> pd.DataFrame:
        """A (small) result as DuckDB's pandas conversion gives it."""

    def table(self, name: str, sql: str) -> None:
        """Keep a query's result as ``name`` for the queries after it."""

    def view(self, name: str, sql: str) -> None:
        """Name a query ``name`` (computed where it is read)."""

    def write_parquet(self, sql: str, path: Path, order_by: str) -> None:
        """Write a query's result to one Parquet file, its rows in the order of the column ``order_by``."""

    def close(self) -> None:
        """Release what the checks made."""


def register_source(con: duckdb.DuckDBPyConnection, path: Path, view: str) -> dict[str, str]:
    """Expose ``path`` as the view ``view`` with a 1-based ``_row``; returns its column types."""
    if path.suffix == ".csv":
        table = with_row_numbers(read_csv_as_text(path))
        con.register(view + "_arrow", table)
        con.execute(f"CREATE OR REPLACE TEMP VIEW {quote(view)} AS SELECT * FROM {quote(view + '_arrow')}")
    else:
        source = f"read_parquet({literal(str(path))}, file_row_number = true)"
        names = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
        if ROW in names:
            raise ReservedColumn(ROW)
        con.execute(f"CREATE OR REPLACE TEMP VIEW {quote(view)} AS SELECT * EXCLUDE (file_row_number), file_row_number + 1 AS {ROW} FROM {source}")
    return {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * EXCLUDE ({ROW}) FROM {quote(view)}").fetchall()}


def with_row_numbers(table: pa.Table) -> pa.Table:
    """A CSV read as text, with its 1-based data row numbers as `ROW`."""
    if ROW in table.schema.names:
        raise ReservedColumn(ROW)
    return table.append_column(ROW, pa.array(range(1, table.num_rows + 1), pa.int64()))


class DuckDBChecks:
    """The checks on an in-process DuckDB connection (the default engine)."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    @classmethod
    def connect(cls, *, memory_limit: str, threads: int | None, spill: Path) -> DuckDBChecks:
        """A new connection with these limits, in UTC, spilling to ``spill``."""
        con = duckdb.connect()
        con.execute(f"SET memory_limit = {literal(memory_limit)}")
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        con.execute("SET TimeZone = 'UTC'")
        con.execute(f"SET temp_directory = {literal(str(spill))}")
        return cls(con)

    def register(self, path: Path, view: str) -> dict[str, str]:
        try:
            return register_source(self.con, path, view)
        except (duckdb.Error, pa.ArrowInvalid, OSError, UnicodeDecodeError) as err:
            raise Unreadable(safe_reason(err)) from None

    def rows(self, sql: str) -> list[tuple]:
        return self.con.execute(sql).fetchall()  # fetchone would leave the result open

    def frame(self, sql: str) -> pd.DataFrame:
        return self.con.execute(sql).df()

    def table(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {quote(name)} AS {sql}")

    def view(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {quote(name)} AS {sql}")

    def write_parquet(self, sql: str, path: Path, order_by: str) -> None:
        self.con.execute(f"COPY (SELECT * FROM ({sql}) ORDER BY {quote(order_by)}) TO {literal(str(path))} (FORMAT parquet)")

    def close(self) -> None:
        self.con.close()
