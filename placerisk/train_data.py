"""Assemble the rows a training run uses: from validated extracts (features built here) or any feature table."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from features.cohort import add_months
from placerisk.config import Config
from placerisk.errors import DataError, UserError
from training import TrainingData

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


def _sensitive(meta: pd.DataFrame) -> pd.DataFrame:
    present = {c: n for c, n in SENSITIVE_COLUMNS.items() if c in meta.columns}
    return meta[list(present)].rename(columns=present).astype("string").fillna("Missing")


def _oracle(data_dir: Path, meta: pd.DataFrame) -> np.ndarray | None:
    """True probabilities for every row when the data is synthetic and the oracle covers the dates; else None."""
    path = data_dir / "truth" / "oracle.parquet"
    if not path.exists():
        return None
    oracle = pd.read_parquet(path)
    oracle["as_of_date"] = pd.to_datetime(oracle["as_of_date"]).dt.date
    keys = pd.DataFrame({"family_id": meta["family_id"].astype(str).to_numpy(), "as_of_date": meta["as_of_date"].to_numpy()})
    joined = keys.merge(oracle, on=["family_id", "as_of_date"], how="left")
    values = joined["true_probability"].to_numpy(dtype=np.float64)
    return None if np.isnan(values).any() else values


def from_extracts(config: Config, data_dir: Path, validation_dir: Path, say: Callable[[str], None]) -> Assembled:
    """Build point-in-time features for the configured snapshots from validated extracts."""
    import pyarrow as pa

    from features import days_since_cap, feature_tables
    from placerisk.inputs import (
        cohort_from_config,
        data_fingerprint,
        engine,
        feature_set_from_config,
        load_validation,
        outcome_from_config,
    )
    from training import snapshot_dates

    report = load_validation(validation_dir, data_dir, config)
    feature_set = feature_set_from_config(config)
    cohort, outcome = cohort_from_config(config), outcome_from_config(config)
    t = config.training
    with engine(config, report) as (con, first_event, data_end):
        last = t.last_snapshot or last_complete_snapshot(data_end, outcome)
        if not outcome.label_complete(last, data_end):
            raise UserError(f"training.last_snapshot: got {last}; expected a date whose {outcome.horizon_months}-month outcome window "
                            f"and {outcome.recording_allowance_days}-day allowance end by the data's end ({data_end})")
        dates = snapshot_dates(last, t.snapshots, t.snapshot_months)
        if first_event and add_months(dates[0], -feature_set.lookback_months) < first_event:
            say(f"warning: the first snapshot {dates[0]} looks back {feature_set.lookback_months} months, before the first event ({first_event})")
        say(f"features: {len(feature_set.names)} features for {len(dates)} snapshots ({dates[0]} to {dates[-1]})")
        tables = []
        for d, table in feature_tables(con, feature_set, dates, cohort=cohort, outcome=outcome, data_end=data_end):
            cast = {n: pa.float32() for n in feature_set.names}
            tables.append(table.cast(pa.schema([pa.field(f.name, cast.get(f.name, f.type)) for f in table.schema])))
            say(f"features: {d}: {table.num_rows:,} families in the cohort")
    frame = pa.concat_tables(tables).to_pandas(date_as_object=True)
    del tables
    sensitive = _sensitive(frame)
    meta = pd.concat([frame[["family_id", "as_of_date", "label"]], sensitive], axis=1)
    oracle = _oracle(data_dir, meta)
    labelled = meta["label"].notna()
    data = TrainingData.from_frames(frame[list(feature_set.names)], meta, sensitive=list(sensitive.columns), oracle=oracle)
    del frame  # X holds what is needed; do not keep the full frame alongside it
    provenance = {
        "source": "extracts",
        "data_fingerprint": data_fingerprint(report),
        "contracts_hash": report["contracts_hash"],
        "validated_at": report["checked_at"],
        "feature_definitions_hash": feature_set.fingerprint(),
        "days_since_cap": days_since_cap(feature_set.lookback_months),
        "data_end": data_end.isoformat(),
        "oracle": oracle is not None,
    }
    return Assembled(data, dates, data_end, feature_set.describe(), feature_set.to_dict(), provenance, int((~labelled).sum()))


# ---------------------------------------------------------------------------
# Any feature table


def _file_fingerprint(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


_NOT_NUMBERS = (dt.date, dt.datetime, pd.Timestamp, bool)


def from_table(path: Path, *, id_col: str, label: str, time: str | None, sensitive: list[str], say: Callable[[str], None],
               known_after_days: int = 0) -> Assembled:
    """A data scientist's own table: one row per (id, time); every other numeric column is a model input."""
    from placerisk.tables import display_row, read_frame, refuse_first_bad

    frame = read_frame(path)
    wanted = [id_col, label, *([time] if time else []), *sensitive]
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise DataError(f"'{path}': column(s) {missing} not found; the file has {list(frame.columns)[:12]}")
    meta = table_meta(path)
    if meta is not None and "features" in meta:  # a `placerisk features` table: its own feature list, never its meta columns
        inputs = [c for c in meta["features"] if c in frame.columns]
        say(f"table: using the {len(inputs)} features listed in {path.name}.meta.json")
    else:
        inputs = [c for c in frame.columns if c not in wanted]
    numeric = {}
    for c in inputs:
        first = frame[c].dropna().iloc[:1]
        if (pd.api.types.is_datetime64_any_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c])
                or (frame[c].dtype == object and len(first) and isinstance(first.iloc[0], _NOT_NUMBERS))):
            raise DataError(f"'{path}': column {c!r} holds {frame[c].dtype} values; expected numbers (drop it, or list it in --sensitive)")
        values = pd.to_numeric(frame[c], errors="coerce")
        refuse_first_bad(path, values.isna(), c, frame[c],
                         "a number in every row (fill missing values; list text columns in --sensitive, or drop them)")
        numeric[c] = values.astype(np.float32)
    if not numeric:
        raise DataError(f"'{path}': no feature columns left besides {wanted}; expected numeric model inputs")
    y = pd.to_numeric(frame[label], errors="coerce")
    raw = frame[label]
    bad = (y.isna() & raw.notna() & (raw.astype(str).str.strip() != "")) | (y.notna() & ~y.isin([0, 1]))
    refuse_first_bad(path, bad, label, raw, "0, 1 or empty (no label yet)")
    if time:
        when = pd.to_datetime(frame[time], errors="coerce")
        refuse_first_bad(path, when.isna(), time, frame[time], "a date (YYYY-MM-DD)")
        dates_col = when.dt.date
    else:
        dates_col = None
    keys = frame[[id_col]].assign(_t=dates_col if time else 0)
    dup = keys.duplicated()
    if dup.any():
        row = int(np.flatnonzero(dup.to_numpy())[0])
        what = f"({id_col}, {time})" if time else id_col
        raise DataError(f"'{path}' row {display_row(path, row)}: a second row for the same {what}; expected one row each")
    labelled = y.notna().to_numpy()
    meta = pd.concat([pd.DataFrame({"family_id": frame[id_col], "label": y, "as_of_date": dates_col if time else dt.date(1970, 1, 1)}),
                      frame[sensitive].astype("string").fillna("Missing")], axis=1)
    data = TrainingData.from_frames(pd.DataFrame(numeric), meta, sensitive=sensitive or None)
    dates = data.dates
    provenance = {"source": "table", "table": path.name, "table_fingerprint": _file_fingerprint(path), "features": len(numeric)}
    say(f"table: {len(frame):,} rows, {len(numeric)} feature columns, {int(labelled.sum()):,} labelled, {len(dates)} time value(s)")
    if len(numeric) <= 12:
        say(f"table: model inputs {list(numeric)}")
    # Every row of the table is labelled by the user: all of them count for the deployed fit.
    data_end = max(dates) + dt.timedelta(days=known_after_days)
    return Assembled(data, dates, data_end, {c: c for c in numeric}, None, provenance, int((~labelled).sum()))


def table_meta(path: Path) -> dict | None:
    sidecar = path.with_name(path.name + ".meta.json")
    return json.loads(sidecar.read_text()) if sidecar.exists() else None
