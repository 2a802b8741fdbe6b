"""Build point-in-time features from validated extracts: the one way every command gets them.

``placerisk features`` writes what it builds; ``placerisk train`` uses it in
memory. Both open a build the same way, get the same checks (validated,
unchanged extracts; dates the data allows) and the same warnings, and record
the same provenance.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from placerisk.app import specs
from placerisk.app.catalog import ValidationPaths
from placerisk.app.extracts import data_fingerprint, engine, load_validation
from placerisk.config import Config
from placerisk.errors import UserError
from placerisk.features import CohortSpec, FeatureSet, OutcomeSpec, days_since_cap, feature_tables
from placerisk.features.cohort import add_months


@dataclass
class FeatureBuild:
    """An open build: a DuckDB connection with the validated extracts registered, and what they hold; with the Spark
    engine, a SparkSession holding the same inputs, where the features (and the weekly scores) are computed."""

    con: duckdb.DuckDBPyConnection
    report: dict
    feature_set: FeatureSet
    cohort: CohortSpec
    outcome: OutcomeSpec
    first_event: dt.date | None
    data_end: dt.date
    say: Callable[[str], None]
    spark: object | None = None

    @property
    def engine(self) -> str:
        return "duckdb" if self.spark is None else "spark"

    def fetch(self, sql: str) -> pa.Table:
        """``sql`` (DuckDB dialect, over the plan's relations) run on the engine that built them, as Arrow."""
        if self.spark is None:
            return self.con.sql(sql).to_arrow_table()
        from placerisk.features import spark_engine

        return spark_engine.sql(self.spark, sql).toArrow()

    def source_dates(self, joined: dict[str, dt.date | None]) -> dict[str, dict]:
        """Per configured source (``joined``: source -> the date it joined the data-sharing agreement, or None): its
        first event date and the first date its records are known from (the later of joining and recording); no rows."""
        table = self.fetch("SELECT split_part(event, '.', 1) AS source, min(event_date) AS first_event, "
                           "min(recorded_date) AS known_from, count(*) AS records FROM events GROUP BY 1").to_pylist()
        found = {r["source"]: r for r in table}
        out = {}
        for source, day in joined.items():
            row = found.get(source, {})
            out[source] = {"joined": day.isoformat() if day else None, "records": int(row.get("records") or 0),
                           **{k: row[k].isoformat() if row.get(k) else None for k in ("first_event", "known_from")}}
        return out

    def truncated(self, dates: Sequence[dt.date]) -> list[dt.date]:
        """The dates whose longest lookback starts before the first event (long windows are cut short)."""
        months = self.feature_set.lookback_months
        return [d for d in dates if self.first_event and add_months(d.replace(day=1), -months) < self.first_event]

    def tables(self, dates: Sequence[dt.date], *, cohort_only: bool = True, argument: str = "--as-of") -> Iterator[tuple[dt.date, pa.Table]]:
        """One features table per date, oldest first, one date in memory at a time.

        Refuses a date after the data's end or not after its first event (naming ``argument``), and warns once per date
        whose lookback is truncated (starts before the first event).
        """
        dates = self.checked(dates, argument)
        if self.spark is None:
            yield from feature_tables(self.con, self.feature_set, dates, cohort=self.cohort, outcome=self.outcome, data_end=self.data_end,
                                      cohort_only=cohort_only)
            return
        from placerisk.features import spark_engine

        for d, frame in self.spark_frames(dates, cohort_only):
            yield d, spark_engine.to_arrow(frame, self.feature_set)

    def checked(self, dates: Sequence[dt.date], argument: str) -> list[dt.date]:
        """The sorted dates, refused (naming ``argument``) when past the data's end or not after its first event; warns of
        truncated lookbacks and says what will be built."""
        dates = sorted(set(dates))
        late = [d for d in dates if d > self.data_end]
        if late:
            raise UserError(f"{argument}: got {late[0]}; expected dates on or before the data's end ({self.data_end})")
        early = [d for d in dates if self.first_event is None or d <= self.first_event]
        if early:
            raise UserError(f"{argument}: got {early[0]}; expected dates after the data's first event ({self.first_event}): "
                            "before it nothing is recorded, so every feature and every label would read 0")
        for d in self.truncated(dates):
            self.say(f"warning: as of {d} the {self.feature_set.lookback_months}-month lookback starts before the first event "
                     f"({self.first_event}): long windows are cut short")
        self.say(f"features: {len(self.feature_set.specs)} features for {len(dates)} as-of date(s) ({dates[0]} to {dates[-1]}), "
                 f"data {self.first_event} to {self.data_end}" + (" on Spark" if self.spark is not None else ""))
        return dates

    def spark_frames(self, dates: list[dt.date], cohort_only: bool) -> Iterator[tuple[dt.date, object]]:
        """Each date's features as a persisted Spark DataFrame, one date at a time (``features.spark_engine.date_frames``)."""
        from placerisk.features import spark_engine

        yield from spark_engine.date_frames(self.spark, self.feature_set, dates, cohort=self.cohort, outcome=self.outcome,
                                            data_end=self.data_end, cohort_only=cohort_only)

    def provenance(self) -> dict:
        """Fingerprints and hashes of what was built on: no rows."""
        return {
            "data_fingerprint": data_fingerprint(self.report),
            "contracts_hash": self.report["contracts_hash"],
            "validated_at": self.report["checked_at"],
            "feature_definitions_hash": self.feature_set.fingerprint(),
            "days_since_cap": days_since_cap(self.feature_set.lookback_months),
            "data_start": self.first_event.isoformat() if self.first_event else None,
            "data_end": self.data_end.isoformat(),
            "engine": self.engine,
        }


@contextmanager
def open_build(config: Config, data_dir, validation: ValidationPaths, say: Callable[[str], None], *, duckdb_only: bool = False,
               feature_set: FeatureSet | None = None) -> Iterator[FeatureBuild]:
    """Check the validation of ``data_dir``, register its accepted rows, and yield a build; cleans up after.

    The build computes the config's features, or ``feature_set`` (a champion's own definitions) when given.

    On the Spark engine Spark reads the extracts too, and the features are computed there, unless ``duckdb_only`` (a caller
    whose queries are all small). The DuckDB connection then holds the same views, for the weekly run's small lookups.
    """
    report = load_validation(validation, data_dir, config)
    on_spark = config.engine.name == "spark" and not duckdb_only
    with engine(config, report, span=not on_spark) as (con, first_event, data_end), spark_inputs(config, report, skip=not on_spark) as spark:
        if spark is not None:
            spark, first_event, data_end = spark
        yield FeatureBuild(con, report, feature_set or specs.feature_set(config), specs.cohort(config), specs.outcome(config), first_event, data_end, say,
                           spark=spark)


@contextmanager
def spark_inputs(config: Config, report: dict, *, skip: bool) -> Iterator[tuple | None]:
    """Unless ``skip``, ``(session, first event date, data end)`` with the validated extracts registered on Spark
    (see ``app.spark_extracts.inputs``); else None."""
    if skip:
        yield None
        return
    from placerisk.app import spark_extracts

    with spark_extracts.inputs(config, report) as registered:
        yield registered
