"""The rows a training run uses, from validated extracts: features for the configured snapshots, labels, audit attributes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from placerisk.app.build import open_build
from placerisk.app.catalog import Catalog, ValidationPaths
from placerisk.config import Config
from placerisk.errors import UserError
from placerisk.features.cohort import OutcomeSpec, add_months
from placerisk.training import TrainingData, snapshot_dates

# Audit attributes in a feature table -> the names the fairness policy uses.
SENSITIVE_COLUMNS = {"ethnicity": "ethnicity", "index_sex": "sex", "index_age_band": "age_band",
                     "deprivation_quintile": "deprivation_quintile", "team": "team"}


@dataclass
class Assembled:
    data: TrainingData
    dates: list[dt.date]
    data_end: dt.date
    descriptions: dict[str, str] = field(default_factory=dict)
    feature_definitions: dict | None = None
    provenance: dict = field(default_factory=dict)   # fingerprints and hashes, no rows
    unlabelled: int = 0


def last_complete_snapshot(data_end: dt.date, outcome) -> dt.date:
    """The latest first-of-month date whose outcome window is complete by ``data_end``."""
    d = data_end.replace(day=1)
    while not outcome.label_complete(d, data_end):
        d = add_months(d, -1)
    return d


def sensitive_attributes(meta: pd.DataFrame) -> pd.DataFrame:
    present = {c: n for c, n in SENSITIVE_COLUMNS.items() if c in meta.columns}
    return meta[list(present)].rename(columns=present).astype("string").fillna("Missing")


def _oracle(path: Path, meta: pd.DataFrame) -> np.ndarray | None:
    """True probabilities for every row when the data is synthetic and the oracle covers the dates; else None."""
    if not path.exists():
        return None
    oracle = pd.read_parquet(path)
    oracle["as_of_date"] = pd.to_datetime(oracle["as_of_date"]).dt.date
    keys = pd.DataFrame({"family_id": meta["family_id"].astype(str).to_numpy(), "as_of_date": meta["as_of_date"].to_numpy()})
    joined = keys.merge(oracle, on=["family_id", "as_of_date"], how="left")
    values = joined["true_probability"].to_numpy(dtype=np.float64)
    return None if np.isnan(values).any() else values


def _check_joined(config: Config, dates: list[dt.date], outcome: OutcomeSpec, say: Callable[[str], None]) -> None:
    """Sources that joined the data-sharing agreement late: nothing of theirs counts before they joined (a warning
    names the snapshots that read them as empty). A label needs its outcome sources known by its cut-off, so a
    snapshot whose cut-off is not after an outcome source joined would read no outcome: refused."""
    outcome_sources = {e.split(".")[0] for e in outcome.events}
    for src, s in config.sources.items():
        if s.joined is None:
            continue
        before = [d for d in dates if d <= s.joined]
        if src in outcome_sources:
            blind = [d for d in dates if outcome.known_by(d) <= s.joined]
            if blind:
                raise UserError(f"sources.{src}.joined: got {s.joined}, after the outcome cut-off of training snapshot {blind[-1]} "
                                f"({outcome.known_by(blind[-1])}); its outcome records would read as none there. Expected "
                                "training.last_snapshot and training.snapshots to give snapshots whose cut-off is after it joined")
        if before:
            say(f"warning: sources.{src} joined on {s.joined}: as of {len(before)} training snapshot(s) ({before[0]} to {before[-1]}) "
                "nothing of it is known, so its features read as no records there")


def from_extracts(config: Config, data_dir: Path, validation: ValidationPaths, say: Callable[[str], None]) -> Assembled:
    """Build point-in-time features for the configured snapshots from validated extracts."""
    t = config.training
    with open_build(config, data_dir, validation, say) as build:
        outcome, data_end = build.outcome, build.data_end
        last = t.last_snapshot or last_complete_snapshot(data_end, outcome)
        if not outcome.label_complete(last, data_end):
            raise UserError(f"training.last_snapshot: got {last}; expected a date whose {outcome.horizon_months}-month outcome window "
                            f"and {outcome.recording_allowance_days}-day allowance end by the data's end ({data_end})")
        dates = snapshot_dates(last, t.snapshots, t.snapshot_months)
        _check_joined(config, dates, outcome, say)
        names = build.feature_set.names
        cast = {n: pa.float32() for n in names}
        tables = []
        for d, table in build.tables(dates, argument="training.last_snapshot"):
            tables.append(table.cast(pa.schema([pa.field(f.name, cast.get(f.name, f.type)) for f in table.schema])))
            say(f"features: {d}: {table.num_rows:,} families in the cohort")
        provenance = {"source": "extracts", **build.provenance(),
                      "sources": build.source_dates({src: s.joined for src, s in config.sources.items()})}
        descriptions, definitions = build.feature_set.describe(), build.feature_set.to_dict()
    frame = pa.concat_tables(tables).to_pandas(date_as_object=True)
    del tables
    sensitive = sensitive_attributes(frame)
    meta = pd.concat([frame[["family_id", "as_of_date", "label"]], sensitive], axis=1)
    oracle = _oracle(Catalog(config).oracle(data_dir), meta)
    labelled = meta["label"].notna()
    data = TrainingData.from_frames(frame[list(names)], meta, sensitive=list(sensitive.columns), oracle=oracle, team="team")
    del frame  # X holds what is needed; do not keep the full frame alongside it
    provenance["oracle"] = oracle is not None
    return Assembled(data, dates, data_end, descriptions, definitions, provenance, int((~labelled).sum()))
