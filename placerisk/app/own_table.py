"""The rows a training run uses, from a data scientist's own feature table (CSV or Parquet).

One row per (id, time); every other numeric column is a model input, except
the sensitive columns, which go to the audit only. A ``placerisk features``
table is read through its metadata's feature list.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from placerisk.app.catalog import Catalog
from placerisk.app.training_rows import Assembled
from placerisk.datatools.contracts.validate import file_fingerprint
from placerisk.datatools.tables import display_row, holds_dates_or_booleans, read_frame, refuse_first_bad
from placerisk.errors import DataError
from placerisk.training import TrainingData

def from_table(path: Path, *, id_col: str, label: str, time: str | None, sensitive: list[str], say: Callable[[str], None],
               known_after_days: int = 0) -> Assembled:
    """Read, check and assemble the table; DataError naming the file, row, column and value for the first bad entry."""
    frame = read_frame(path)
    wanted = [id_col, label, *([time] if time else []), *sensitive]
    repeated = sorted({c for c in wanted if wanted.count(c) > 1})
    if repeated:
        raise DataError(f"'{path}': column(s) {repeated} given for more than one role (--id, --label, --time, --sensitive); "
                        "expected each column in one role")
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise DataError(f"'{path}': column(s) {missing} not found; the file has {list(frame.columns)[:12]}")
    if frame.empty:
        raise DataError(f"'{path}' has a header but no rows; expected one row per {id_col}" + (f" and {time}" if time else ""))
    numeric = _model_inputs(path, frame, wanted, say)
    y = _labels(path, frame[label])
    if y.notna().sum() == 0:
        raise DataError(f"'{path}': column {label!r} is empty on every row; expected 0 or 1 wherever the outcome is known")
    dates_col = _times(path, frame[time]) if time else None
    _refuse_duplicates(path, frame, id_col, time, dates_col)
    labelled = y.notna().to_numpy()
    meta = pd.concat([pd.DataFrame({"family_id": frame[id_col], "label": y, "as_of_date": dates_col if time else dt.date(1970, 1, 1)}),
                      frame[sensitive].astype("string").fillna("Missing")], axis=1)
    data = TrainingData.from_frames(pd.DataFrame(numeric), meta, sensitive=sensitive or None)
    dates = data.dates
    provenance = {"source": "table", "table": path.name, "table_fingerprint": str(file_fingerprint(path)["sha256"])[:16], "features": len(numeric)}
    say(f"table: {len(frame):,} rows, {len(numeric)} feature columns, {int(labelled.sum()):,} labelled, {len(dates)} time value(s)")
    if len(numeric) <= 12:
        say(f"table: model inputs {list(numeric)}")
    # Every row of the table is labelled by the user: all of them count for the deployed fit.
    data_end = max(dates) + dt.timedelta(days=known_after_days)
    return Assembled(data, dates, data_end, {c: c for c in numeric}, None, provenance, int((~labelled).sum()))


def _model_inputs(path: Path, frame: pd.DataFrame, wanted: list[str], say: Callable[[str], None]) -> dict[str, pd.Series]:
    """Every model input as float32; refuses text, dates, booleans and missing values."""
    meta = table_meta(path)
    if meta is not None and "features" in meta:  # a `placerisk features` table: its own feature list, never its meta columns
        inputs = [c for c in meta["features"] if c in frame.columns]
        say(f"table: using the {len(inputs)} features listed in {path.name}.meta.json")
    else:
        inputs = [c for c in frame.columns if c not in wanted]
    numeric = {}
    for c in inputs:
        if holds_dates_or_booleans(frame[c]):
            raise DataError(f"'{path}': column {c!r} holds {frame[c].dtype} values; expected numbers (drop it, or list it in --sensitive)")
        values = pd.to_numeric(frame[c], errors="coerce")
        refuse_first_bad(path, values.isna(), c, frame[c],
                         "a number in every row (fill missing values; list text columns in --sensitive, or drop them)")
        refuse_first_bad(path, ~np.isfinite(values.to_numpy(dtype=np.float64)), c, frame[c], "a finite number (not inf)")
        numeric[c] = values.astype(np.float32)
    if not numeric:
        raise DataError(f"'{path}': no feature columns left besides {wanted}; expected numeric model inputs")
    return numeric


def _labels(path: Path, raw: pd.Series) -> pd.Series:
    y = pd.to_numeric(raw, errors="coerce")
    bad = (y.isna() & raw.notna() & (raw.astype(str).str.strip() != "")) | (y.notna() & ~y.isin([0, 1]))
    refuse_first_bad(path, bad, raw.name, raw, "0, 1 or empty (no label yet)")
    return y


def _times(path: Path, raw: pd.Series) -> pd.Series:
    when = pd.to_datetime(raw, errors="coerce")
    refuse_first_bad(path, when.isna(), raw.name, raw, "a date (YYYY-MM-DD)")
    return when.dt.date


def _refuse_duplicates(path: Path, frame: pd.DataFrame, id_col: str, time: str | None, dates_col) -> None:
    keys = frame[[id_col]].assign(_t=dates_col if time else 0)
    dup = keys.duplicated()
    if dup.any():
        row = int(np.flatnonzero(dup.to_numpy())[0])
        what = f"({id_col}, {time})" if time else id_col
        raise DataError(f"'{path}' row {display_row(path, row)}: a second row for the same {what}; expected one row each")


def table_meta(path: Path) -> dict | None:
    """The metadata written beside a ``placerisk features`` table, if there is one."""
    sidecar = Catalog.table_meta(path)
    return json.loads(sidecar.read_text()) if sidecar.exists() else None
