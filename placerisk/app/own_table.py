"""The rows a training run uses, from a data scientist's own feature table (CSV or Parquet).

One row per (id, time); every other column is a model input, except the sensitive columns, which go
to the audit only: numbers as they are, text as a categorical input (one indicator column per level,
at most ``max_levels`` levels). A ``placerisk features`` table is read through its metadata's feature
list. With a time column, the dates are binned into snapshots by month, quarter or year (chosen so
that there are at most :data:`MAX_SNAPSHOTS`, unless ``period`` says which): an event-timed table has
a different date on nearly every row, and one snapshot per distinct date would leave nothing to
calibrate or test on.
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

PERIODS = {"month": "M", "quarter": "Q", "year": "Y"}
MAX_SNAPSHOTS = 60


def period_starts(dates: pd.Series, period: str) -> pd.Series:
    """Each date's period start (the first day of its month, quarter or year)."""
    return pd.to_datetime(dates).dt.to_period(PERIODS[period]).dt.start_time.dt.date


def choose_period(dates: pd.Series) -> str | None:
    """None when the distinct dates are few enough to be snapshots; else the finest period giving at most MAX_SNAPSHOTS."""
    if dates.nunique() <= MAX_SNAPSHOTS:
        return None
    return next((p for p in PERIODS if period_starts(dates, p).nunique() <= MAX_SNAPSHOTS), "year")


def from_table(path: Path, *, id_col: str, label: str, time: str | None, sensitive: list[str], say: Callable[[str], None],
               known_after_days: int = 0, period: str | None = "auto", max_levels: int = 20) -> Assembled:
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
    numeric, descriptions = _model_inputs(path, frame, wanted, say, max_levels)
    y = _labels(path, frame[label])
    if y.notna().sum() == 0:
        raise DataError(f"'{path}': column {label!r} is empty on every row; expected 0 or 1 wherever the outcome is known")
    dates_col = _times(path, frame[time]) if time else None
    if time:
        dates_col, period = _snapshots(dates_col, period, say)
    _refuse_duplicates(path, frame, id_col, time, dates_col, period)
    labelled = y.notna().to_numpy()
    meta = pd.concat([pd.DataFrame({"family_id": frame[id_col], "label": y, "as_of_date": dates_col if time else dt.date(1970, 1, 1)}),  # no time: replaced by the id parts
                      frame[sensitive].astype("string").fillna("Missing")], axis=1)
    data = TrainingData.from_frames(pd.DataFrame(numeric), meta, sensitive=sensitive or None)
    dates = data.dates
    provenance = {"source": "table", "table": path.name, "table_fingerprint": str(file_fingerprint(path)["sha256"])[:16], "features": len(numeric),
                  "label": label,
                  **({"period": period} if time and period else {})}
    say(f"table: {len(frame):,} rows, {len(numeric)} model input column(s), {int(labelled.sum()):,} labelled"
        + (f", {len(dates)} snapshot(s)" if time else ""))
    if len(numeric) <= 12:
        say(f"table: model inputs {list(numeric)}")
    # Every row of the table is labelled by the user: all of them count for the deployed fit.
    data_end = max(dates) + dt.timedelta(days=known_after_days)
    return Assembled(data, dates, data_end, descriptions, None, provenance, int((~labelled).sum()))


def _snapshots(dates: pd.Series, period: str | None, say: Callable[[str], None]) -> tuple[pd.Series, str | None]:
    """The rows' snapshot dates: their own dates, or binned by ``period`` (``auto``: see :func:`choose_period`); the plan is printed."""
    chosen = choose_period(dates) if period == "auto" else period
    span = f"{dates.nunique():,} distinct date(s) from {min(dates)} to {max(dates)}"
    if chosen is None:
        say(f"table: {span}, each a snapshot" + (" (--period month|quarter|year to bin them)" if period == "auto" else ""))
        return dates, None
    binned = period_starts(dates, chosen)
    say(f"table: {span}, binned by {chosen} into {binned.nunique()} snapshot(s) ({min(binned)} to {max(binned)}; each row's snapshot "
        f"is the first day of its {chosen})" + (", chosen automatically (--period to choose)" if period == "auto" else ""))
    return binned, chosen


def _model_inputs(path: Path, frame: pd.DataFrame, wanted: list[str], say: Callable[[str], None],
                  max_levels: int) -> tuple[dict[str, pd.Series], dict[str, str]]:
    """Every model input as float32, with a description each: numbers as they are, text as one 0/1 column per level
    (``column=level``, missing values a level of their own); refuses dates, booleans, missing numbers and text past the cap."""
    meta = table_meta(path)
    if meta is not None and "features" in meta:  # a `placerisk features` table: its own feature list, never its meta columns
        inputs = [c for c in meta["features"] if c in frame.columns]
        say(f"table: using the {len(inputs)} features listed in {path.name}.meta.json")
    else:
        inputs = [c for c in frame.columns if c not in wanted]
    numeric, descriptions, categorical = {}, {}, []
    for c in inputs:
        if holds_dates_or_booleans(frame[c]):
            raise DataError(f"'{path}': column {c!r} holds {frame[c].dtype} values; expected numbers or text (drop it, or list it in --sensitive)")
        values = pd.to_numeric(frame[c], errors="coerce")
        text = values.isna() & frame[c].notna() & (frame[c].astype(str).str.strip() != "")
        if text.any() and pd.to_datetime(frame[c][text], format="%Y-%m-%d", errors="coerce").notna().all():
            raise DataError(f"'{path}': column {c!r} holds dates (e.g. row {display_row(path, int(np.flatnonzero(text)[0]))}); a date is "
                            "not a model input: give it as --time, or drop it")
        if text.any():
            levels = sorted(frame[c].astype("string").str.strip().fillna("(missing)").unique())
            if len(levels) > max_levels:
                raise DataError(f"'{path}': column {c!r} holds text with {len(levels):,} distinct values (e.g. row {display_row(path, int(np.flatnonzero(text)[0]))}); "
                                f"expected at most {max_levels} levels for a categorical input (--max-levels): group its levels, drop it, "
                                "or list it in --sensitive")
            column = frame[c].astype("string").str.strip().fillna("(missing)")
            for level in levels:
                numeric[f"{c}={level}"] = (column == level).astype(np.float32)
                descriptions[f"{c}={level}"] = f"{c} is {level}"
            categorical.append(f"{c} ({len(levels)} levels)")
            continue
        refuse_first_bad(path, values.isna(), c, frame[c],
                         "a number in every row (fill missing values; list text columns in --sensitive, or drop them)")
        refuse_first_bad(path, ~np.isfinite(values.to_numpy(dtype=np.float64)), c, frame[c], "a finite number (not inf)")
        numeric[c] = values.astype(np.float32)
        descriptions[c] = c
    if not numeric:
        raise DataError(f"'{path}': no feature columns left besides {wanted}; expected model inputs")
    if categorical:
        say(f"table: categorical input(s), one 0/1 column per level for every candidate: {', '.join(categorical)}")
    return numeric, descriptions


def _labels(path: Path, raw: pd.Series) -> pd.Series:
    y = pd.to_numeric(raw, errors="coerce")
    bad = (y.isna() & raw.notna() & (raw.astype(str).str.strip() != "")) | (y.notna() & ~y.isin([0, 1]))
    refuse_first_bad(path, bad, raw.name, raw, "0, 1 or empty (no label yet)")
    return y


def _times(path: Path, raw: pd.Series) -> pd.Series:
    when = pd.to_datetime(raw, errors="coerce")
    refuse_first_bad(path, when.isna(), raw.name, raw, "a date (YYYY-MM-DD)")
    return when.dt.date


def _refuse_duplicates(path: Path, frame: pd.DataFrame, id_col: str, time: str | None, dates_col, period: str | None = None) -> None:
    keys = frame[[id_col]].assign(_t=dates_col if time else 0)
    dup = keys.duplicated()
    if dup.any():
        row = int(np.flatnonzero(dup.to_numpy())[0])
        what = f"({id_col}, {time})" if time and not period else f"({id_col}, {period} of {time})" if time else id_col
        hint = f": keep one row per {id_col} per {period}, or choose a finer --period" if period else ""
        raise DataError(f"'{path}' row {display_row(path, row)}: a second row for the same {what}; expected one row each{hint}")


def table_meta(path: Path) -> dict | None:
    """The metadata written beside a ``placerisk features`` table, if there is one."""
    sidecar = Catalog.table_meta(path)
    return json.loads(sidecar.read_text()) if sidecar.exists() else None
