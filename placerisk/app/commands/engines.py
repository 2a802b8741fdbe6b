"""`placerisk engines --as-of DATE`: does Spark build what DuckDB builds, on this site's own data?

Builds one date's features from the same validated extracts on both engines and compares them
family by family and column by column (exactly: every feature is a whole number); with a champion,
also its scores, bands and the rule baseline's scores (computed on Spark's executors against the
bundle on this machine; scores to within 1e-9, bands exactly). Prints what differs and exits 1 if anything does; nothing is written.
"""

from __future__ import annotations

import argparse

import numpy as np
import pyarrow as pa

from placerisk.app import champion, scored_week
from placerisk.app.build import open_build
from placerisk.app.catalog import Catalog
from placerisk.app.progress import say
from placerisk.app.spark import require_pyspark
from placerisk.config import Config, load_config
from placerisk.errors import UserError

SCORE_TOLERANCE = 1e-9


def run(args: argparse.Namespace) -> int:
    require_pyspark()  # before building anything on DuckDB
    config = load_config(args.config)
    catalog = Catalog(config)
    data = catalog.data_dir(args.data)
    validation = catalog.validation(data, args.validation)
    champ = _champion(config) if not args.features_only else None
    built = {}
    for engine in ("duckdb", "spark"):
        say(f"{engine}: building the features of {args.as_of}")
        with open_build(_on(config, engine), data, validation, say) as build:
            table = pa.concat_tables([t for _, t in build.tables([args.as_of], cohort_only=not args.all_families)])
            scores = None
            if champ is not None:
                say(f"{engine}: scoring the cohort with the champion (version {champ.version})")
                for week in scored_week.scored(build, args.as_of, champ.risk):
                    scores = _scores(week)
            built[engine] = (table, scores)
    differences = compare(built["duckdb"][0], built["spark"][0])
    if champ is not None:
        differences += compare_scores(built["duckdb"][1], built["spark"][1])
    table = built["duckdb"][0]
    if differences:
        print(f"the engines differ on {args.as_of} ({table.num_rows:,} families on DuckDB, {built['spark'][0].num_rows:,} on Spark):")
        for line in differences:
            print(f"  {line}")
        return 1
    scored = f", and the champion's scores (version {champ.version}) to within {SCORE_TOLERANCE:g}" if champ is not None else ""
    print(f"the engines agree on {args.as_of}: the same {table.num_rows:,} families and all {table.num_columns} columns{scored}")
    return 0


def _on(config: Config, engine: str) -> Config:
    return config.model_copy(update={"engine": config.engine.model_copy(update={"name": engine})})


def _champion(config: Config):
    try:
        champ = champion.champion(config)
        champion.check_definitions(config, champ.risk)
    except UserError as err:
        say(f"scores not compared: {err}")
        return None
    return champ


def _scores(week) -> pa.Table:
    cohort = week.cohort.assign(baseline_score=week.baseline_score if week.baseline_score is not None else np.nan)
    return pa.Table.from_pandas(cohort[["family_id", "score", "band", "rank_score", "baseline_score"]], preserve_index=False)


def compare(duck: pa.Table, spark: pa.Table, *, limit: int = 20) -> list[str]:
    """What differs between two feature tables of one date: columns, families, then values column by column (exactly)."""
    if duck.column_names != spark.column_names:
        return [f"columns: DuckDB has {duck.column_names[:5]}..., Spark {spark.column_names[:5]}... "
                f"(only on DuckDB: {sorted(set(duck.column_names) - set(spark.column_names))[:5]}, "
                f"only on Spark: {sorted(set(spark.column_names) - set(duck.column_names))[:5]})"]
    if duck.equals(spark):
        return []
    ids = [t.column("family_id").to_pylist() for t in (duck, spark)]
    if ids[0] != ids[1]:
        only = sorted(set(ids[0]) ^ set(ids[1]))
        return [f"families: {len(ids[0]):,} on DuckDB, {len(ids[1]):,} on Spark; {len(only):,} on one only, e.g. {only[:3]}"
                if only else "families: the same families in another order"]
    out = []
    for name in duck.column_names:
        if duck.column(name).equals(spark.column(name)):
            continue
        a, b = duck.column(name).to_pylist(), spark.column(name).to_pylist()
        wrong = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if wrong:
            i = wrong[0]
            out.append(f"{name}: {_differ(len(wrong))}, e.g. {ids[0][i]}: DuckDB {a[i]!r}, Spark {b[i]!r}")
        if len(out) >= limit:
            break
    return out


def _differ(n: int) -> str:
    return f"{n:,} {'family differs' if n == 1 else 'families differ'}"


def compare_scores(duck: pa.Table, spark: pa.Table) -> list[str]:
    """Scores and rank scores to within ``SCORE_TOLERANCE``, bands exactly, family by family."""
    if duck.column("family_id").to_pylist() != spark.column("family_id").to_pylist():
        return ["scores: Spark's executors scored other families than the features table holds"]
    out = []
    for name in ("score", "rank_score", "baseline_score", "band"):
        a, b = (np.asarray(t.column(name).to_numpy(), dtype=np.float64) for t in (duck, spark))
        gap = np.where(np.isnan(a) & np.isnan(b), 0.0, np.abs(a - b))
        wrong = np.flatnonzero(~(gap <= (0 if name == "band" else SCORE_TOLERANCE)))
        if wrong.size:
            out.append(f"{name}: {_differ(wrong.size)}, largest difference {np.nanmax(gap):.3g}")
    return out

