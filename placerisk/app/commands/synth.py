"""`placerisk synth`: a synthetic population with a known generating process, its partner extracts and its oracle."""

from __future__ import annotations

import argparse
import dataclasses
import time

from placerisk.app.catalog import Catalog
from placerisk.app.outputs import DATA_KIND, config_file, refuse_overwriting_inputs, staged_folder
from placerisk.app.progress import say
from placerisk.config import Config, load_config
from placerisk.datatools.synth import CATALOGUE, SynthSettings, default_oracle_dates, generate, inject_faults
from placerisk.datatools.synth.catalogue import BY_NAME
from placerisk.errors import UserError


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    catalog = Catalog(config)
    out = catalog.data_dir(args.out)
    # a population of its own: never nested in another one, in the validation reports or over the config
    refuse_overwriting_inputs(out, inputs=(catalog.validation_root(), *config_file(args.config)), data_dirs=(config.data.dir,),
                              what="--out", is_data_folder_itself=True)
    settings = synth_settings(config, args)
    started = time.perf_counter()
    step = max(1, (settings.families // settings.chunk_size + 1) // 10)

    def progress(done: int, total: int) -> None:
        if done == total or done % step == 0:
            say(f"synth: {done}/{total} chunks of families")

    names = config.file_names()
    # Written beside and swapped in at the end: an interrupted run leaves the earlier population whole.
    with staged_folder(out, overwrite=args.overwrite, kind=DATA_KIND, owned=catalog.synth_owned()) as staging:
        manifest = generate(settings, staging, file_names=names, workers=args.workers, progress=progress, sources=tuple(config.sources))
        faults = inject_faults(staging, names, settings.seed) if args.dirty else None
    if faults is not None:
        say(f"synth: injected {len(faults)} faults, listed in {catalog.injected_faults(out)}")
    rows = manifest["rows"]
    print(
        f"wrote {out}: {rows['families']:,} families, {rows['persons']:,} persons, {manifest['events']:,} events "
        f"in {len(config.sources)} partner extracts ({time.perf_counter() - started:.1f} s)"
    )
    return 0


def synth_settings(config: Config, args: argparse.Namespace) -> SynthSettings:
    """The generator's settings: the config's, with the command line's on top; checked before any work."""
    s = config.synth
    bias = s.recording_bias
    factor = bias.factor if args.recording_bias is None else args.recording_bias
    if not 1.0 <= factor <= 10.0:
        raise UserError(f"--recording-bias: got {factor}; expected a multiplier between 1.0 (no bias) and 10.0")
    if not 0.1 <= args.rate_scale <= 10.0:
        raise UserError(f"--rate-scale: got {args.rate_scale}; expected a multiplier between 0.1 and 10")
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
        unseen_share=s.unseen_families.share,
        unseen_statutory=s.unseen_families.statutory_kept,
        unseen_community=s.unseen_families.community_factor,
    )
    dates = tuple(args.oracle_as_of) if args.oracle_as_of else default_oracle_dates(settings)
    for d in dates:
        if not settings.grid.horizon_complete(d, settings.horizon_months):
            raise UserError(
                f"--oracle-as-of: got {d}; expected the first day of a month after {settings.start} whose "
                f"{settings.horizon_months}-month horizon ends by {settings.extract}"
            )
    return dataclasses.replace(settings, oracle_as_of=dates)


def _check_generator_fits(config: Config) -> None:
    """The generator writes its own ten partners, or the configured subset of them; the config must describe what it writes."""
    generated: dict[str, set[str]] = {}
    for spec in CATALOGUE:
        generated.setdefault(spec.source, set()).add(spec.code)
    unknown = sorted(set(config.sources) - set(generated))
    if unknown:
        raise UserError(f"sources: got {unknown}, which `synth` does not generate; expected some of {sorted(generated)} "
                        "(a source of your own is added to real extracts, not to the synthetic ones)")
    for source in config.sources:
        codes = generated[source]
        missing = codes - set(config.sources[source].event_types)
        if missing:
            raise UserError(f"sources.{source}.event_types: lacks {sorted(missing)}, which `synth` generates; expected them listed")
    for i, name in enumerate(config.outcome.events):
        spec = BY_NAME.get(name)
        if spec is None:
            raise UserError(f"outcome.events[{i}]: got {name!r}; `synth` generates no such event")
        if spec.kind != "poisson":
            once = {"termly": "a once-a-term record", "reception": "a once-a-child record"}[spec.kind]
            raise UserError(f"outcome.events[{i}]: got {name!r}, {once}; expected an event that can happen any day")
        if not spec.statutory:
            raise UserError(f"outcome.events[{i}]: got {name!r}, a community concern (often a false alarm); expected a statutory record")
