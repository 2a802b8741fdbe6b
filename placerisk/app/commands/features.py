"""`placerisk features`: point-in-time family features, cohort flag and labels, written as Parquet with metadata."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time

import pyarrow.compute as pc
import pyarrow.parquet as pq

from placerisk import __version__
from placerisk.app.build import FeatureBuild, open_build
from placerisk.app.catalog import Catalog, FeatureTablePaths
from placerisk.app.outputs import config_file, refuse_overwriting_inputs
from placerisk.app.progress import say
from placerisk.config import load_config
from placerisk.errors import UserError


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    catalog = Catalog(config)
    data = catalog.data_dir(args.data)
    paths = catalog.features_table(args.out)
    if paths.table.suffix != ".parquet":
        raise UserError(f"--out: got {paths.table.name!r}; expected a .parquet file name")
    validation = catalog.validation(data, args.validation)
    for target in (paths.table, paths.meta):
        refuse_overwriting_inputs(target, inputs=(validation.dir, *config_file(args.config)), data_dirs=(data, config.data.dir), what="--out")
    if (paths.table.exists() or paths.meta.exists()) and not args.overwrite:
        raise UserError(f"'{paths.table}' already exists; pass --overwrite to replace it")
    started = time.perf_counter()
    try:
        with open_build(config, data, validation, say) as build:
            paths.table.parent.mkdir(parents=True, exist_ok=True)
            counts = _write_table(build, sorted(set(args.as_of)), paths, all_families=args.all_families)
            meta = _metadata(config, build, data, sorted(set(args.as_of)), counts, all_families=args.all_families, started=started)
            paths.meta_tmp.write_text(json.dumps(meta, indent=2) + "\n")
            paths.meta.unlink(missing_ok=True)  # a crash now leaves a table without metadata, never with stale metadata
            paths.table_tmp.replace(paths.table)
            paths.meta_tmp.replace(paths.meta)
    finally:
        for leftover in (paths.table_tmp, paths.meta_tmp):
            leftover.unlink(missing_ok=True)
    total = sum(c["families"] for c in counts.values())
    print(f"wrote {paths.table}: {total:,} rows ({len(counts)} as-of dates) x {len(build.feature_set.specs)} features "
          f"in {meta['seconds']} s; metadata {paths.meta.name}")
    return 0


def _write_table(build: FeatureBuild, dates: list[dt.date], paths: FeatureTablePaths, *, all_families: bool) -> dict[str, dict]:
    """Write every date's table to the temporary file, one date in memory at a time; the row counts per date."""
    writer = None
    counts = {}
    try:
        for as_of_date, table in build.tables(dates, cohort_only=not all_families):
            if writer is None:
                writer = pq.ParquetWriter(paths.table_tmp, table.schema, compression="zstd")
            writer.write_table(table, row_group_size=250_000)
            counts[str(as_of_date)] = {
                "families": table.num_rows,
                "labelled": table.num_rows - table.column("label").null_count,
                "positive": int(pc.sum(table.column("label")).as_py() or 0),
                "in_cohort": int(pc.sum(pc.cast(table.column("in_cohort"), "int64")).as_py() or 0),
            }
            say(f"features: {as_of_date}: {table.num_rows:,} families")
    finally:
        if writer is not None:
            writer.close()
    return counts


def _metadata(config, build: FeatureBuild, data, dates: list[dt.date], counts: dict, *, all_families: bool, started: float) -> dict:
    fs, cohort, outcome = build.feature_set, build.cohort, build.outcome
    provenance = build.provenance()
    return {
        "written_by": f"placerisk {__version__}",
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "feature_definitions_hash": provenance["feature_definitions_hash"],
        "feature_definitions": fs.to_dict(),
        "features": fs.describe(),
        "days_since_cap": provenance["days_since_cap"],
        "cohort": {"min_age": cohort.min_age, "max_age": cohort.max_age, "all_families": bool(all_families)},
        "outcome": {"name": config.outcome.name, "events": list(outcome.events), "horizon_months": outcome.horizon_months,
                    "recording_allowance_days": outcome.recording_allowance_days},
        "data_dir": str(data),
        "data_fingerprint": provenance["data_fingerprint"],
        "contracts_hash": provenance["contracts_hash"],
        "data_start": provenance["data_start"],
        "data_end": provenance["data_end"],
        "engine": provenance["engine"],
        "validated_at": provenance["validated_at"],
        "as_of_dates": [d.isoformat() for d in dates],
        "truncated_lookback": [d.isoformat() for d in build.truncated(dates)],
        "rows": counts,
        "seconds": round(time.perf_counter() - started, 2),
    }
