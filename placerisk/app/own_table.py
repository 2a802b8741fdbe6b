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
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from placerisk.app.catalog import Catalog
from placerisk.app.training_rows import Assembled
from placerisk.datatools.contracts.validate import file_fingerprint
from placerisk.datatools.tables import display_row, holds_dates_or_booleans, read_frame, refuse_first_bad
from placerisk.errors import DataError
from placerisk.models.categorical import indicator_name, indicators, normalise
from placerisk.training import TrainingData

PERIODS = {"month": "M", "quarter": "Q", "year": "Y"}
PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}
_DATE_LIKE = re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([ T].*)?|[0-9]{1,2}[/.][0-9]{1,2}[/.][0-9]{2,4}( .*)?")
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MAX_SNAPSHOTS = 60


def period_starts(dates: pd.Series, period: str) -> pd.Series:
    """Each date's period start (the first day of its month, quarter or year)."""
    return pd.to_datetime(dates).dt.to_period(PERIODS[period]).dt.start_time.dt.date


def choose_period(dates: pd.Series) -> str | None:
    """None when the dates are already snapshots (few enough, or every one the first of a month: a regular panel); else the
    finest period giving at most MAX_SNAPSHOTS."""
    if dates.nunique() <= MAX_SNAPSHOTS or all(d.day == 1 for d in dates.unique()):
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
    refuse_first_bad(path, frame[id_col].isna() | (frame[id_col].astype("string").str.strip() == ""), id_col, frame[id_col],
                     "an id in every row")
    numeric, descriptions, levels = _model_inputs(path, frame, wanted, say, max_levels)
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
                  "label": label, **({"categorical": levels} if levels else {}),
                  **({"period": period} if time and period else {})}
    say(f"table: {len(frame):,} rows, {len(numeric)} model input column(s), {int(labelled.sum()):,} labelled"
        + (f", {len(dates)} snapshot(s)" if time else ""))
    if len(numeric) <= 12:
        say(f"table: model inputs {list(numeric)}")
    # Every row of the table is labelled by the user: all of them count for the deployed fit (a binned row looks up to a
    # period further ahead than its snapshot, as the splits allow for).
    data_end = max(dates) + dt.timedelta(days=known_after_days + (31 * PERIOD_MONTHS[period] if time and period else 0))
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
                  max_levels: int) -> tuple[dict[str, pd.Series], dict[str, str], dict[str, list[str]]]:
    """Every model input as float32 with a description, and the levels of each text input: a column of numbers (nine in
    ten of its cells or more) must be a number in every row; text becomes one 0/1 column per level (``models.categorical``);
    dates, booleans and text past ``max_levels`` levels are refused."""
    meta = table_meta(path)
    if meta is not None and "features" in meta:  # a `placerisk features` table: its own feature list, never its meta columns
        inputs = [c for c in meta["features"] if c in frame.columns]
        say(f"table: using the {len(inputs)} features listed in {path.name}.meta.json")
    else:
        inputs = [c for c in frame.columns if c not in wanted]
    numeric, descriptions, levels = {}, {}, {}
    for c in inputs:
        kind = _kind(path, frame[c])
        if kind == "number":
            values = pd.to_numeric(frame[c], errors="coerce")
            refuse_first_bad(path, values.isna(), c, frame[c], "a number in every row (no thousands separators; fill missing values; "
                             "list text columns in --sensitive, or drop them)")
            refuse_first_bad(path, ~np.isfinite(values.to_numpy(dtype=np.float64)), c, frame[c], "a finite number (not inf)")
            numeric[c], descriptions[c] = values.astype(np.float32), c
            continue
        found = sorted(normalise(frame[c]).unique())
        if len(found) > max_levels:
            raise DataError(f"'{path}': column {c!r} holds text with {len(found):,} distinct values; expected at most {max_levels} levels "
                            "for a categorical input (--max-levels): group its levels, drop it, or list it in --sensitive")
        clash = [indicator_name(c, level) for level in found if indicator_name(c, level) in frame.columns]
        if clash:
            raise DataError(f"'{path}': column {clash[0]!r} is also the name of an indicator of the text column {c!r}; rename one")
        levels[c] = found
        numeric.update(indicators(frame[c], c, found))
        descriptions.update({indicator_name(c, level): f"{c} is {level}" for level in found})
    if not numeric:
        raise DataError(f"'{path}': no feature columns left besides {wanted}; expected model inputs")
    if levels:
        say(f"table: categorical input(s), one 0/1 column per level for every candidate: "
            f"{', '.join(f'{c} ({len(v)} levels)' for c, v in levels.items())}")
    return numeric, descriptions, levels


def _kind(path: Path, values: pd.Series) -> str:
    """``number`` or ``text`` for a model input; DataError for dates and booleans (never model inputs)."""
    if holds_dates_or_booleans(values):
        raise DataError(f"'{path}': column {values.name!r} holds {values.dtype} values; expected numbers or text (drop it, or list it "
                        "in --sensitive)")
    if pd.api.types.is_numeric_dtype(values):
        return "number"
    cells = values.dropna().astype(str).str.strip()
    cells = cells[cells != ""]
    if cells.empty:
        return "number"  # all empty: refused as missing numbers, row by row
    if cells.str.fullmatch(_DATE_LIKE).mean() >= 0.9:
        first = int(np.flatnonzero(values.astype(str).str.strip().str.fullmatch(_DATE_LIKE).to_numpy())[0])
        raise DataError(f"'{path}': column {values.name!r} holds dates (e.g. row {display_row(path, first)}); a date is not a model "
                        "input: give it as --time, or drop it")
    return "number" if pd.to_numeric(cells.str.replace(",", "", regex=False), errors="coerce").notna().mean() >= 0.9 else "text"


def _labels(path: Path, raw: pd.Series) -> pd.Series:
    y = pd.to_numeric(raw, errors="coerce")
    bad = (y.isna() & raw.notna() & (raw.astype(str).str.strip() != "")) | (y.notna() & ~y.isin([0, 1]))
    refuse_first_bad(path, bad, raw.name, raw, "0, 1 or empty (no label yet)")
    return y


def _times(path: Path, raw: pd.Series) -> pd.Series:
    """The time column as dates: typed dates or times (their date), or text starting YYYY-MM-DD (the date as written, any
    time of day or offset after it ignored); anything else, numbers included, is refused naming the row."""
    if pd.api.types.is_datetime64_any_dtype(raw):
        when = raw.dt.date
    elif pd.api.types.is_numeric_dtype(raw):
        refuse_first_bad(path, pd.Series(True, index=raw.index), raw.name, raw, "a date (YYYY-MM-DD), not a number")
    else:
        def day(v):
            if isinstance(v, dt.datetime):
                return v.date()
            if isinstance(v, dt.date):
                return v
            text = str(v).strip() if v is not None else ""
            try:
                return dt.date.fromisoformat(text[:10]) if _ISO_DAY.match(text) else None
            except ValueError:
                return None
        when = raw.map(day)
    refuse_first_bad(path, when.isna(), raw.name, raw, "a date (YYYY-MM-DD)")
    return when


def _refuse_duplicates(path: Path, frame: pd.DataFrame, id_col: str, time: str | None, dates_col, period: str | None = None) -> None:
    keys = frame[[id_col]].assign(_t=dates_col if time else 0)
    dup = keys.duplicated()
    if dup.any():
        row = int(np.flatnonzero(dup.to_numpy())[0])
        what = f"({id_col}, {time})" if time and not period else f"({id_col}, {period} of {time})" if time else id_col
        finer = ", or choose a finer --period" if period != "month" else ""
        hint = f": keep one row per {id_col} per {period}{finer}" if period else ""
        raise DataError(f"'{path}' row {display_row(path, row)}: a second row for the same {what}; expected one row each{hint}")


def table_meta(path: Path) -> dict | None:
    """The metadata written beside a ``placerisk features`` table, if there is one."""
    sidecar = Catalog.table_meta(path)
    return json.loads(sidecar.read_text()) if sidecar.exists() else None
