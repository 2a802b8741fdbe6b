"""One function per command: read config and files, call the pure modules, write outputs."""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import sys
import time
from pathlib import Path

from placerisk.config import Config, default_config_text, load_config
from placerisk.errors import DataError, UserError
from placerisk.tables import read_frame


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def init(args: argparse.Namespace) -> int:
    path = Path(args.path)
    if path.is_dir():
        raise UserError(f"'{path}' is a folder; expected a file name such as placerisk.yaml")
    if path.exists() and not args.force:
        raise UserError(f"'{path}' already exists; pass --force to replace it")
    path.write_text(default_config_text(), encoding="utf-8")
    print(f"wrote {path}: edit it, then run `placerisk synth` and `placerisk validate`")
    return 0


# ---------------------------------------------------------------------------
# synth


def synth_settings(config: Config, args: argparse.Namespace):
    from placerisk.synth import SynthSettings, default_oracle_dates

    s = config.synth
    bias = s.recording_bias
    factor = bias.factor if args.recording_bias is None else args.recording_bias
    if not 1.0 <= factor <= 10.0:
        raise UserError(f"--recording-bias: got {factor}; expected a multiplier between 1.0 (no bias) and 10.0")
    _check_generator_fits(config)
    settings = SynthSettings(
        families=args.families or s.families,
        seed=s.seed if args.seed is None else args.seed,
        start=s.start_date,
        extract=s.extract_date,
        teams=tuple(t.name for t in config.teams),
        bias_factor=factor,
        bias_ethnicity=frozenset(bias.ethnicity),
        bias_deciles=frozenset(bias.deprivation_deciles),
        bias_events=frozenset(bias.event_types),
        outcome_events=tuple(config.outcome.events),
        horizon_months=config.outcome.horizon_months,
        objection_share=s.objection_share,
        rate_scale=args.rate_scale,
    )
    if not 0.1 <= settings.rate_scale <= 10.0:
        raise UserError(f"--rate-scale: got {settings.rate_scale}; expected a multiplier between 0.1 and 10")
    dates = tuple(args.oracle_as_of) if args.oracle_as_of else default_oracle_dates(settings)
    grid = settings.grid
    for d in dates:
        if not grid.horizon_complete(d, settings.horizon_months):
            raise UserError(
                f"--oracle-as-of: got {d}; expected the first day of a month after {settings.start} whose "
                f"{settings.horizon_months}-month horizon ends by {settings.extract}"
            )
    return dataclasses.replace(settings, oracle_as_of=dates)


def _check_generator_fits(config: Config) -> None:
    """The generator writes its own six sources; the config must describe what it writes."""
    from placerisk.synth import CATALOGUE

    generated: dict[str, set[str]] = {}
    for spec in CATALOGUE:
        generated.setdefault(spec.source, set()).add(spec.code)
    if set(config.sources) != set(generated):
        raise UserError(f"sources: got {sorted(config.sources)}; `synth` generates exactly {sorted(generated)}")
    for source, codes in generated.items():
        missing = codes - set(config.sources[source].event_types)
        if missing:
            raise UserError(f"sources.{source}.event_types: lacks {sorted(missing)}, which `synth` generates; expected them listed")
    kinds = {s.name: s.kind for s in CATALOGUE}
    for i, name in enumerate(config.outcome.events):
        if name not in kinds:
            raise UserError(f"outcome.events[{i}]: got {name!r}; `synth` generates no such event")
        if kinds[name] != "poisson":
            raise UserError(f"outcome.events[{i}]: got {name!r}, a once-a-term record; expected an event that can happen any day")


MARKER = ".placerisk-output"


def prepare_output(out: Path, *, overwrite: bool, kind: str, owned: set[str]) -> None:
    """Make ``out`` ready for a fresh ``kind`` output.

    A non-empty folder is replaced only with ``overwrite``, only when its marker
    says placerisk wrote a ``kind`` there, and only when it holds nothing else
    than the ``owned`` entries: nothing a person put there is ever deleted.
    """
    if out.is_symlink():
        raise UserError(f"'{out}' is a symbolic link; expected a real folder for the {kind}")
    if out.exists() and not out.is_dir():
        raise UserError(f"'{out}' is a file; expected a folder for the {kind}")
    if out.exists() and any(out.iterdir()):
        if not overwrite:
            raise UserError(f"'{out}' already holds files; pass --overwrite to replace the earlier {kind}")
        marker = out / MARKER
        if not marker.is_file() or marker.read_text().strip() != kind:
            raise UserError(f"'{out}' is not empty and placerisk did not write a {kind} there; refusing to delete anything in it")
        foreign = sorted(p.name for p in out.iterdir() if p.name not in owned | {MARKER})
        if foreign:
            raise UserError(f"'{out}' holds files placerisk did not write ({', '.join(foreign[:5])}); move them, then run again")
        for entry in out.iterdir():
            shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text(kind + "\n")  # first, so an interrupted run is still recognised as ours


def synth(args: argparse.Namespace) -> int:
    from placerisk.synth import generate, inject_faults

    config = load_config(args.config)
    settings = synth_settings(config, args)
    out = Path(args.out) if args.out else config.data.dir
    names = config.file_names()
    owned = {f"{n}{ext}" for n in names.values() for ext in (".parquet", ".csv")} | {"truth", "manifest.json"}
    prepare_output(out, overwrite=args.overwrite, kind="synthetic population", owned=owned)
    started = time.perf_counter()
    step = max(1, (settings.families // settings.chunk_size + 1) // 10)

    def progress(done: int, total: int) -> None:
        if done == total or done % step == 0:
            _say(f"synth: {done}/{total} chunks of families")

    manifest = generate(settings, out, file_names=names, workers=args.workers, progress=progress)
    if args.dirty:
        faults = inject_faults(out, names, settings.seed)
        _say(f"synth: injected {len(faults)} faults, listed in {out / 'truth' / 'injected_faults.csv'}")
    rows = manifest["rows"]
    print(
        f"wrote {out}: {rows['families']:,} families, {rows['persons']:,} persons, {manifest['events']:,} events "
        f"in {len(config.sources)} partner extracts ({time.perf_counter() - started:.1f} s)"
    )
    return 0


# ---------------------------------------------------------------------------
# validate


def validate(args: argparse.Namespace) -> int:
    from placerisk.contracts import contracts_for, validate_extracts
    from placerisk.contracts.report import write_report

    config = load_config(args.config)
    data = Path(args.data) if args.data else config.data.dir
    if not data.is_dir():
        raise DataError(f"data folder '{data}' not found; expected a folder of partner extracts (make one with `placerisk synth`)")
    out = Path(args.out) if args.out else config.data.output_dir / "validation"
    prepare_output(out, overwrite=args.overwrite, kind="validation report", owned={"report.json", "report.md", "quarantine", ".spill"})
    report = validate_extracts(
        contracts_for(config),
        data,
        out,
        max_bad_row_share=config.validation.max_bad_row_share,
        identifier_sample_rows=config.validation.identifier_sample_rows,
        memory_limit=config.engine.memory_limit,
        threads=config.engine.threads,
    )
    json_path, md_path = write_report(report, out)
    width = max(len(f.name) for f in report.files)
    for f in report.files:
        note = {"accepted": "ok", "accepted_with_quarantine": f"{f.bad_rows:,} rows quarantined", "refused": "REFUSED"}[f.status]
        print(f"  {f.name:<{width}}  {f.rows:>12,} rows  {note}")
    for f in report.files:
        for problem in f.problems:
            _say(f"error: {f.name}: {problem}")
        for e in f.examples[:3]:
            got = "" if e["value"] is None else f"got {e['value']!r}; "
            _say(f"  {e['file']} row {e['row']}, column {e['column']}: {got}expected {e['expected']} ({e['rule']})")
    print(f"report: {md_path} ({report.seconds} s)")
    if not report.passed:
        _say(f"validation failed: {sum(f.status == 'refused' for f in report.files)} file(s) refused; see {md_path}")
        return 1
    return 0


# ---------------------------------------------------------------------------
# pseudonymise


def pseudonymise(args: argparse.Namespace) -> int:
    from placerisk.privacy import find_identifiers, load_key, pseudonymise_frame

    source, target = Path(args.input), Path(args.out)
    if target.suffix not in (".csv", ".parquet"):
        raise UserError(f"--out: got suffix {target.suffix!r}; expected .csv or .parquet")
    if target.exists() and not args.overwrite:
        raise UserError(f"'{target}' already exists; pass --overwrite to replace it")
    if target.resolve() == source.resolve():
        raise UserError("--out must differ from --in: the original file is never overwritten")
    columns = [c.strip() for c in args.columns.split(",") if c.strip()]
    if not columns:
        raise UserError(f"--columns: got {args.columns!r}; expected one or more column names separated by commas")
    key = load_key(args.key_file, args.key_env)
    frame = pseudonymise_frame(read_frame(source), columns, key, length=args.length)
    if target.suffix == ".csv":
        frame.to_csv(target, index=False)
    else:
        frame.to_parquet(target, index=False)
    print(f"wrote {target}: {len(frame):,} rows, pseudonymised {', '.join(columns)}")
    for finding in find_identifiers(frame.head(20000)):
        _say(f"warning: {finding.message()}; pseudonymise or remove it before sending")
    return 0


# ---------------------------------------------------------------------------
# features


def features(args: argparse.Namespace) -> int:
    import datetime as dt
    import json

    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from features import days_since_cap, feature_tables
    from features.cohort import add_months
    from placerisk import __version__
    from placerisk.inputs import (
        cohort_from_config,
        data_fingerprint,
        engine,
        feature_set_from_config,
        load_validation,
        outcome_from_config,
    )

    config = load_config(args.config)
    data = Path(args.data) if args.data else config.data.dir
    validation = Path(args.validation) if args.validation else config.data.output_dir / "validation"
    out = Path(args.out)
    if out.suffix != ".parquet":
        raise UserError(f"--out: got {out.name!r}; expected a .parquet file name")
    sidecar = out.with_name(out.name + ".meta.json")
    if (out.exists() or sidecar.exists()) and not args.overwrite:
        raise UserError(f"'{out}' already exists; pass --overwrite to replace it")
    report = load_validation(validation, data, config)
    out.parent.mkdir(parents=True, exist_ok=True)
    feature_set = feature_set_from_config(config)
    cohort, outcome = cohort_from_config(config), outcome_from_config(config)
    dates = sorted(set(args.as_of))
    started = time.perf_counter()
    tmp, tmp_meta = out.with_name(out.name + ".tmp"), sidecar.with_name(sidecar.name + ".tmp")
    writer = None
    try:
        with engine(config, report) as (con, first_event, data_end):
            late = [d for d in dates if d > data_end]
            if late:
                raise UserError(f"--as-of: got {late[0]}; expected dates on or before the data's end ({data_end})")
            lookback = feature_set.lookback_months
            truncated = [d for d in dates if first_event and add_months(d.replace(day=1), -lookback) < first_event]
            for d in truncated:
                _say(f"warning: as of {d} the {feature_set.lookback_months}-month lookback starts before the first event ({first_event}): long windows are cut short")
            _say(f"features: {len(feature_set.specs)} features for {len(dates)} as-of date(s), data {first_event} to {data_end}")
            counts = []
            for as_of_date, table in feature_tables(con, feature_set, dates, cohort=cohort, outcome=outcome, data_end=data_end, cohort_only=not args.all_families):
                if writer is None:  # one date in memory at a time
                    writer = pq.ParquetWriter(tmp, table.schema, compression="zstd")
                writer.write_table(table, row_group_size=250_000)
                labelled = table.num_rows - table.column("label").null_count
                positive = int(pc.sum(table.column("label")).as_py() or 0)
                in_cohort = int(pc.sum(pc.cast(table.column("in_cohort"), "int64")).as_py() or 0)
                counts.append((as_of_date, table.num_rows, labelled, positive, in_cohort))
                _say(f"features: {as_of_date}: {table.num_rows:,} families")
            writer.close()
            writer = None
            meta = {
                "written_by": f"placerisk {__version__}",
                "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "feature_definitions_hash": feature_set.fingerprint(),
                "feature_definitions": feature_set.to_dict(),
                "features": feature_set.describe(),
                "days_since_cap": days_since_cap(feature_set.lookback_months),
                "cohort": {"min_age": cohort.min_age, "max_age": cohort.max_age, "all_families": bool(args.all_families)},
                "outcome": {"name": config.outcome.name, "events": list(outcome.events), "horizon_months": outcome.horizon_months,
                            "recording_allowance_days": outcome.recording_allowance_days},
                "data_dir": str(data),
                "data_fingerprint": data_fingerprint(report),
                "contracts_hash": report["contracts_hash"],
                "data_start": first_event.isoformat() if first_event else None,
                "data_end": data_end.isoformat(),
                "validated_at": report["checked_at"],
                "as_of_dates": [d.isoformat() for d in dates],
                "truncated_lookback": [d.isoformat() for d in truncated],
                "rows": {str(d): {"families": n, "labelled": lab, "positive": pos, "in_cohort": coh} for d, n, lab, pos, coh in counts},
                "seconds": round(time.perf_counter() - started, 2),
            }
            tmp_meta.write_text(json.dumps(meta, indent=2) + "\n")
            sidecar.unlink(missing_ok=True)  # a crash now leaves a table without metadata, never with stale metadata
            tmp.replace(out)
            tmp_meta.replace(sidecar)
    finally:
        if writer is not None:
            writer.close()
        for leftover in (tmp, tmp_meta):
            leftover.unlink(missing_ok=True)
    total = sum(n for _, n, *_ in counts)
    print(f"wrote {out}: {total:,} rows ({len(counts)} as-of dates) x {len(feature_set.specs)} features in {meta['seconds']} s; metadata {sidecar.name}")
    return 0


# ---------------------------------------------------------------------------
# train, audit, approve (their wiring lives in their own modules)


def train(args: argparse.Namespace) -> int:
    from placerisk.train_job import train as run

    return run(args)


def audit(args: argparse.Namespace) -> int:
    from placerisk.audit_job import audit as run

    return run(args)


def approve(args: argparse.Namespace) -> int:
    from placerisk.approve_job import approve as run

    return run(args)
