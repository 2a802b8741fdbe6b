"""Reading partner files safely: CSV as text, exactly as sent."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from placerisk.errors import DataError


def read_csv_as_text(path: Path) -> pa.Table:
    """Every column as text; only an empty cell is missing.

    Ids keep their leading zeros, codes like 'NA' stay codes, and a UTF-8 byte
    order mark (Excel's "CSV UTF-8") is ignored. Column names come from the
    same parser, so they always match.
    """
    source = path
    if path.stat().st_size < 1 << 16:
        data = path.read_bytes()
        if data.strip() and b"\n" not in data:  # a header without its final newline: a file with no rows, not an unreadable one
            source = pa.BufferReader(data + b"\n")
    names = pacsv.open_csv(source).schema.names
    if isinstance(source, pa.BufferReader):
        source.seek(0)
    return pacsv.read_csv(
        source,
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names},
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        ),
    )


_NOT_NUMBERS = (dt.date, dt.datetime, pd.Timestamp, bool)


def holds_dates_or_booleans(values: pd.Series) -> bool:
    """Whether a column holds dates, times or true/false (typed, or as Python objects): never to be read as numbers."""
    if pd.api.types.is_datetime64_any_dtype(values) or pd.api.types.is_bool_dtype(values):
        return True
    first = values.dropna().iloc[:1]
    return values.dtype == object and len(first) > 0 and isinstance(first.iloc[0], _NOT_NUMBERS)


_SEPARATORS = {";": "semicolons", "\t": "tabs", "|": "bars"}


def safe_reason(err: BaseException) -> str:
    """The first part of a reader's error, without the row text a parser may quote, in words a person can act on."""
    text = str(err).splitlines()[0] if str(err) else type(err).__name__
    if isinstance(err, UnicodeDecodeError) or "conversion error to string" in text or "invalid UTF8" in text:
        return "it is not UTF-8 text (e.g. Latin-1 or Windows-1252); expected UTF-8: save it as 'CSV UTF-8'"
    parts = text.split(": ")
    return ": ".join(parts[:2])


def separator_hint(columns) -> str:
    """`` (…separated by semicolons?…)`` when a CSV header read as one column holds another separator; else ''."""
    names = list(columns)
    if len(names) != 1:
        return ""
    from placerisk.datatools.privacy.identifiers import scan_text

    header = str(names[0])
    shown = "(not shown: it holds an identifier)" if scan_text(header).inside else repr(header[:60])
    for sep, word in _SEPARATORS.items():
        if sep in header:
            return f" (its header reads as one column, {shown}: it looks separated by {word}; expected commas)"
    return ""


def read_frame(path: Path):
    """A CSV (as text) or Parquet file as a pandas DataFrame; DataError when it cannot be read."""
    import pyarrow.parquet as pq

    if not path.exists():
        raise DataError(f"input file '{path}' not found")
    if not path.is_file():
        raise DataError(f"input file '{path}' is a folder; expected a CSV or Parquet file")
    try:
        if path.suffix == ".csv":
            frame = read_csv_as_text(path).to_pandas()
            hint = separator_hint(frame.columns)
            if hint:
                raise DataError(f"input file '{path}' could not be read{hint}")
            return frame
        if path.suffix == ".parquet":
            return pq.read_table(path).to_pandas(date_as_object=True)
    except (pa.ArrowInvalid, OSError, UnicodeDecodeError) as err:
        raise DataError(f"input file '{path}' could not be read: {safe_reason(err)}") from None
    raise DataError(f"input file '{path}': got suffix {path.suffix!r}; expected .csv or .parquet")


def display_row(path: Path, i: int) -> int:
    """The number a person sees for the row at position ``i``: a CSV counts its header line."""
    return i + 2 if path.suffix == ".csv" else i + 1


def refuse_first_bad(path: Path, bad, column: str, values, expected: str, note: str = "") -> None:
    """DataError naming the first flagged row, the column, the value and what was expected; nothing when no row is flagged."""
    import numpy as np

    flagged = np.flatnonzero(np.asarray(bad))
    if flagged.size:
        i = int(flagged[0])
        raise DataError(f"'{path}' row {display_row(path, i)}, column {column!r}: got {str(values.iloc[i])[:40]!r}; expected {expected}{note}")
