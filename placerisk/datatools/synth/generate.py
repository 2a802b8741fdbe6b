"""Write a synthetic population and its partner extracts (the I/O edge of ``synth``)."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing as mp
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from placerisk.datatools.synth.catalogue import CATALOGUE, SOURCES
from placerisk.datatools.synth.chunk import ChunkResult, SynthSettings, generate_chunk
from placerisk.datatools.synth.population import Areas, make_areas

ORACLE_DIR = "truth"  # never read by the pipeline; for measuring models against the best possible ranking

EVENT_SCHEMA = pa.schema([
    ("person_id", pa.string()),
    ("event_type", pa.string()),
    ("event_date", pa.date32()),
    ("recorded_date", pa.date32()),
])
PERSON_SCHEMA = pa.schema([
    ("person_id", pa.string()),
    ("family_id", pa.string()),
    ("sex", pa.string()),
    ("ethnicity", pa.string()),
    ("birth_year", pa.int16()),
    ("birth_month", pa.int8()),
    ("member_from", pa.date32()),
    ("member_to", pa.date32()),
])
FAMILY_SCHEMA = pa.schema([("family_id", pa.string()), ("area_code", pa.string())])
AREA_SCHEMA = pa.schema([("area_code", pa.string()), ("deprivation_decile", pa.int8()), ("team", pa.string())])
ORACLE_SCHEMA = pa.schema([("family_id", pa.string()), ("as_of_date", pa.date32()), ("true_probability", pa.float64())])
OBJECTION_SCHEMA = pa.schema([("family_id", pa.string()), ("person_id", pa.string()), ("recorded_date", pa.date32())])
ENGAGEMENT_SCHEMA = pa.schema([("family_id", pa.string()), ("started", pa.date32()), ("ended", pa.date32()), ("team", pa.string()),
                               ("service", pa.string())])
ENGAGEMENT_SHARE = 0.01  # families under an open or recent early-help engagement at the extract date
SERVICES = ("Early help", "Family support", "Youth work")


def engagements(settings, family_ids: np.ndarray, teams: np.ndarray) -> pa.Table:
    """About 1% of families with an engagement started in the half year before the extract date; a third already ended.

    Drawn from their own random stream, so the rest of the population is the same with or without them.
    """
    rng = np.random.default_rng(np.random.SeedSequence(settings.seed, spawn_key=(2**31 + 7,)))
    chosen = np.flatnonzero(rng.random(family_ids.size) < ENGAGEMENT_SHARE)
    extract = np.datetime64(settings.extract, "D")
    started = extract - rng.integers(1, 183, chosen.size).astype("timedelta64[D]")
    ended = started + rng.integers(30, 150, chosen.size).astype("timedelta64[D]")
    closed = (rng.random(chosen.size) < 1 / 3) & (ended <= extract)
    return pa.table({"family_id": family_ids[chosen], "started": started, "ended": pa.array(np.where(closed, ended, np.datetime64("NaT")),
                     pa.date32()), "team": teams[chosen], "service": np.asarray(SERVICES)[rng.integers(0, len(SERVICES), chosen.size)]},
                    schema=ENGAGEMENT_SCHEMA)

_STATE: dict[str, object] = {}


def default_oracle_dates(settings: SynthSettings) -> tuple[dt.date, ...]:
    """Quarter starts from two years after the start while the horizon ends by the extract date."""
    grid = settings.grid
    first = np.datetime64(settings.start, "M") + 24
    months = np.arange(first, np.datetime64(settings.extract, "M") + 1)
    dates = (m.astype("datetime64[D]").astype(dt.date) for m in months if int(str(m)[5:7]) in (1, 4, 7, 10))
    return tuple(d for d in dates if grid.horizon_complete(d, settings.horizon_months))


def _chunk_plan(settings: SynthSettings) -> list[tuple[int, int, int]]:
    size = settings.chunk_size
    return [(i, first, min(size, settings.families - first)) for i, first in enumerate(range(0, settings.families, size))]


def _work(task: tuple[int, int, int]) -> ChunkResult:
    return generate_chunk(_STATE["settings"], _STATE["areas"], *task)  # type: ignore[arg-type]


def _chunks(settings: SynthSettings, areas: Areas, workers: int) -> Iterator[ChunkResult]:
    _STATE["settings"], _STATE["areas"] = settings, areas
    plan = _chunk_plan(settings)
    if workers <= 1 or len(plan) == 1:
        yield from map(_work, plan)
        return
    with mp.get_context("fork").Pool(workers) as pool:
        yield from pool.imap(_work, plan)


def _event_table(chunk: ChunkResult, source: str) -> pa.Table:
    ev = chunk.events[source]
    codes = np.asarray([s.code for s in CATALOGUE if s.source == source])
    person_ids = chunk.persons["person_id"]
    return pa.table({
        "person_id": pa.array(person_ids[ev["person"]], pa.string()),
        "event_type": pa.array(codes[ev["code"]], pa.string()),
        "event_date": pa.array(ev["day"].astype("datetime64[D]"), pa.date32()),
        "recorded_date": pa.array(ev["recorded"].astype("datetime64[D]"), pa.date32()),
    }, schema=EVENT_SCHEMA)


def generate(
    settings: SynthSettings,
    out: Path,
    *,
    file_names: dict[str, str] | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    sources: tuple[str, ...] = SOURCES,
) -> dict[str, object]:
    """Generate the population into ``out``; returns the manifest (also written as manifest.json).

    ``file_names`` maps logical names (``persons``, ``police`` ...) to file names
    without extension (config ``population`` and ``sources.*.file``); default: the logical names.
    ``sources``: the partners whose extracts are written (a site with fewer partners); every partner is still
    drawn, so a partner's records are the same whichever others are written.
    """
    out = Path(out)
    unknown = sorted(set(sources) - set(SOURCES))
    if unknown:
        raise ValueError(f"sources: got {unknown}; expected some of {list(SOURCES)}")
    sources = tuple(s for s in SOURCES if s in sources)
    names = {n: n for n in ("areas", "families", "persons", "objections", "engagements", *sources)} | (file_names or {})
    (out / ORACLE_DIR).mkdir(parents=True, exist_ok=True)
    workers = workers or min(2, os.cpu_count() or 1)
    rng = np.random.default_rng(np.random.SeedSequence(settings.seed, spawn_key=(2**31,)))
    areas = make_areas(settings.families, len(settings.teams), rng)
    pq.write_table(pa.table({
        "area_code": areas.code,
        "deprivation_decile": pa.array(areas.decile, pa.int8()),
        "team": np.asarray(settings.teams)[areas.team],
    }, schema=AREA_SCHEMA), out / f"{names['areas']}.parquet")

    writers = {
        "families": pq.ParquetWriter(out / f"{names['families']}.parquet", FAMILY_SCHEMA),
        "persons": pq.ParquetWriter(out / f"{names['persons']}.parquet", PERSON_SCHEMA),
        **{s: pq.ParquetWriter(out / f"{names[s]}.parquet", EVENT_SCHEMA, dictionary_pagesize_limit=8 << 20) for s in sources},
    }
    oracle_writer = pq.ParquetWriter(out / ORACLE_DIR / "oracle.parquet", ORACLE_SCHEMA) if settings.oracle_as_of else None
    objections: list[pa.Table] = []
    family_ids: list[np.ndarray] = []
    family_areas: list[np.ndarray] = []
    counts = {name: 0 for name in writers}
    event_types: dict[str, int] = {s.name: 0 for s in CATALOGUE if s.source in sources}
    n_chunks = len(_chunk_plan(settings))
    try:
        for done, chunk in enumerate(_chunks(settings, areas, workers), start=1):
            writers["families"].write_table(pa.table(chunk.families, schema=FAMILY_SCHEMA))
            writers["persons"].write_table(pa.table(chunk.persons, schema=PERSON_SCHEMA))
            counts["families"] += len(chunk.families["family_id"])
            counts["persons"] += len(chunk.persons["person_id"])
            for source in sources:
                table = _event_table(chunk, source)
                writers[source].write_table(table)
                counts[source] += table.num_rows
                specs = [s for s in CATALOGUE if s.source == source]
                for code_index, n in enumerate(np.bincount(chunk.events[source]["code"], minlength=len(specs))):
                    event_types[specs[code_index].name] += int(n)
            if oracle_writer is not None:
                oracle_writer.write_table(pa.table(chunk.oracle, schema=ORACLE_SCHEMA))
            objections.append(pa.table(chunk.objections, schema=OBJECTION_SCHEMA))
            family_ids.append(np.asarray(chunk.families["family_id"]))
            family_areas.append(np.asarray(chunk.families["area_code"]))
            if progress:
                progress(done, n_chunks)
    finally:
        for w in writers.values():
            w.close()
        if oracle_writer is not None:
            oracle_writer.close()
    objection_table = pa.concat_tables(objections)
    pacsv.write_csv(objection_table, out / f"{names['objections']}.csv")
    counts["objections"] = objection_table.num_rows
    team_of_area = dict(zip(areas.code, np.asarray(settings.teams)[areas.team], strict=True))
    ids = np.concatenate(family_ids) if family_ids else np.array([], dtype=object)
    team = np.array([team_of_area[a] for a in np.concatenate(family_areas)], dtype=object) if family_areas else ids
    engagement_table = engagements(settings, ids, team)
    pacsv.write_csv(engagement_table, out / f"{names['engagements']}.csv")
    counts["engagements"] = engagement_table.num_rows
    manifest = {
        "generator": "placerisk.datatools.synth",
        "settings": {
            "families": settings.families,
            "seed": settings.seed,
            "start_date": settings.start.isoformat(),
            "extract_date": settings.extract.isoformat(),
            "teams": list(settings.teams),
            "recording_bias": {
                "factor": settings.bias_factor,
                "ethnicity": sorted(settings.bias_ethnicity),
                "deprivation_deciles": sorted(settings.bias_deciles),
                "event_types": sorted(settings.bias_events),
            },
            "outcome_events": list(settings.outcome_events),
            "horizon_months": settings.horizon_months,
            "oracle_as_of": [d.isoformat() for d in settings.oracle_as_of],
            "objection_share": settings.objection_share,
            "rate_scale": settings.rate_scale,
            "unseen_families": {"share": settings.unseen_share, "statutory_kept": settings.unseen_statutory,
                                "community_factor": settings.unseen_community},
        },
        "files": names,
        "rows": counts,
        "events": int(sum(counts[s] for s in sources)),
        "events_by_type": event_types,
        "areas": len(areas),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    (out / ORACLE_DIR / "README.txt").write_text(
        "Ground truth of the synthetic generator. The pipeline never reads this folder for training:\n"
        "oracle.parquet holds each family's true probability of the outcome within the horizon, given\n"
        "everything true up to the month before each as-of date. It measures how close a model gets to\n"
        "the best possible ranking.\n"
    )
    return manifest
