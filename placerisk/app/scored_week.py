"""One week's cohort scored by the champion, the same for the publishing code whichever engine built it.

On DuckDB the features table is in memory and the bundle scores it here. On Spark the bundle scores
every family on the executors (score, band, rank score and the rule baseline's score, as one
struct) and counts the drift bins there too; the driver collects only the narrow columns (ids,
team, audit attributes, scores) and, later, the model inputs of the listed families alone, for
their reasons.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from placerisk.app import weekly
from placerisk.app.build import FeatureBuild
from placerisk.features import feature_tables
from placerisk.features.sql import META_COLUMNS
from placerisk.models import RiskModel


@dataclass
class ScoredWeek:
    cohort: pd.DataFrame               # family_id, team, score, band, rank_score; one row per family, by family id
    groups: pd.DataFrame               # the audit attributes, row for row
    baseline_score: np.ndarray | None  # the rule baseline's score, row for row (None for a bundle without one)
    inputs_of: Callable[[np.ndarray], pd.DataFrame]  # the model inputs of these rows (positions in ``cohort``), in that order
    X: pd.DataFrame | None = None      # every row's inputs, when they are here (DuckDB); drift is then measured from them
    drift_counts: dict | None = None   # else the drift bins counted where the rows are (Spark)

    def drift(self, risk: RiskModel) -> dict:
        return weekly.drift(risk, self.cohort, self.groups, X=self.X, counts=self.drift_counts)


def scored(build: FeatureBuild, as_of: dt.date, risk: RiskModel, *, argument: str = "--as-of") -> Iterator[ScoredWeek]:
    """The cohort on ``as_of`` scored by ``risk``, yielded once inside the build: on DuckDB here, on Spark on the executors,
    with the date's features kept there until the caller is done (it fetches the listed families' inputs)."""
    dates = build.checked([as_of], argument)
    if build.spark is None:
        for _, table in feature_tables(build.con, build.feature_set, dates, cohort=build.cohort, outcome=build.outcome,
                                       data_end=build.data_end, cohort_only=True):
            build.say(f"features built for {table.num_rows:,} families in the cohort; scoring")
            yield on_driver(table, risk)
        return
    for _, frame in build.spark_frames(dates, True):
        build.say("features defined on Spark; building and scoring them on the executors")
        yield on_executors(frame, risk)


def on_driver(table, risk: RiskModel) -> ScoredWeek:
    """A features table in memory (DuckDB), scored here."""
    cohort, X, groups = weekly.cohort_frame(table, risk)
    return ScoredWeek(cohort, groups, risk.baseline_score(X), lambda rows: X.iloc[np.asarray(rows)].reset_index(drop=True), X=X)


def on_executors(frame, risk: RiskModel) -> ScoredWeek:
    """One date's Spark DataFrame of features, scored on the executors; only narrow columns reach the driver."""
    from placerisk.app import spark as spark_edge

    scored = spark_edge.score_with_bundle(frame, risk).persist()
    try:
        narrow = scored.select(*META_COLUMNS, *(f"scored.{c}" for c in spark_edge.SCORED)).orderBy("family_id").toArrow()
        counts = None if risk.drift_reference is None else spark_edge.drift_counts(scored, risk.drift_reference)
    except Exception as err:  # noqa: BLE001 - sorted into the site's problem or a bug by `explained`
        shown = spark_edge.explained(err, "build and score the features")
        if shown is err:
            raise
        raise shown from None
    finally:
        scored.unpersist()
    meta = narrow.to_pandas(date_as_object=True)
    cohort = weekly.cohort_of(meta, meta)
    baseline = None if risk.baseline is None else meta["baseline_score"].to_numpy(dtype=np.float64)

    def inputs_of(rows) -> pd.DataFrame:
        return spark_edge.inputs_of(frame, cohort["family_id"].to_numpy()[np.asarray(rows, dtype=np.int64)], risk.feature_names)

    return ScoredWeek(cohort, weekly.groups_of(meta), baseline, inputs_of, drift_counts=counts)
