"""`placerisk validate`: check every extract against its data contract; quarantine bad rows with reasons."""

from __future__ import annotations

import argparse
from pathlib import Path

from placerisk.app.catalog import VALIDATION_FILES, Catalog
from placerisk.app.outputs import config_file, prepare_output, refuse_overwriting_inputs
from placerisk.app.progress import say
from placerisk.config import Config, load_config
from placerisk.datatools.contracts import ValidationReport, contracts_for, validate_extracts
from placerisk.datatools.contracts.report import write_report
from placerisk.errors import DataError


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    catalog = Catalog(config)
    data = catalog.data_dir(args.data)
    if not data.is_dir():
        raise DataError(f"data folder '{data}' not found; expected a folder of partner extracts (make one with `placerisk synth`)")
    data = data.resolve()  # the report records where the data is, the same from any working folder
    out = catalog.validation(data, args.out).dir.absolute()  # quarantine paths in the report work from any folder
    refuse_overwriting_inputs(out, inputs=(data, *config_file(args.config)), data_dirs=(config.data.dir,), what="--out")
    prepare_output(out, overwrite=args.overwrite, kind="validation report", owned=set(VALIDATION_FILES))
    report = _validated(config, data, out)
    _json_path, md_path = write_report(report, out)
    _print_summary(report)
    print(f"report: {md_path} ({report.seconds} s)")
    if not report.passed:
        say(f"validation failed: {sum(f.status == 'refused' for f in report.files)} file(s) refused; see {md_path}")
        return 1
    return 0


def _validated(config: Config, data: Path, out: Path) -> ValidationReport:
    """Every extract checked on the configured engine (Spark's session and staging when ``engine.name`` is ``spark``)."""
    settings = {"max_bad_row_share": config.validation.max_bad_row_share,
                "identifier_sample_rows": config.validation.identifier_sample_rows,
                "min_event_rows": config.validation.min_event_rows}
    if config.engine.name == "spark":
        from placerisk.app.spark_extracts import spark_checks

        with spark_checks(config) as engine:
            return validate_extracts(contracts_for(config), data, out, engine=engine, **settings)
    return validate_extracts(contracts_for(config), data, out, memory_limit=config.engine.memory_limit,
                             threads=config.engine.threads, **settings)


def _print_summary(report: ValidationReport) -> None:
    width = max(len(f.name) for f in report.files)
    for f in report.files:
        note = {"accepted": "ok", "accepted_with_quarantine": f"{f.bad_rows:,} rows quarantined", "not supplied": "not supplied (optional)",
                "refused": "REFUSED"}[f.status]
        print(f"  {f.name:<{width}}  {f.rows:>12,} rows  {note}")
    for f in report.files:
        for problem in f.problems:
            say(f"error: {f.name}: {problem}")
        for e in f.examples[:3]:
            got = "" if e["value"] is None else f"got {e['value']!r}; "
            say(f"  {e['file']} row {e['row']}, column {e['column']}: {got}expected {e['expected']} ({e['rule']})")
