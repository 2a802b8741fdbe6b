"""Every cell of a small file, whatever its type, checked for direct identifiers (the feedback file's guard).

Numbers, bytes and dates are turned into text first, so an NHS number saved as a number, or a date of
birth saved as a date in a column named like one, is found like any text. The findings name the row
and column and the kind, never the value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pandas as pd

from placerisk.datatools.privacy.identifiers import find_identifiers, is_birth_column, scan_text

_KIND_WORDS = {"nhs_number": "an NHS number", "postcode": "a postcode", "phone": "a phone number", "email": "an email address",
               "date_of_birth": "a date of birth", "name": "a name", "address": "an address"}


LONGEST_SCANNED = 10_000
"""Characters of a cell the identifier scan reads; a longer cell is withheld from the quarantine and never stored."""


def cell_text(value) -> tuple[str | None, bool]:
    """A cell as text (None when empty), and whether it held one value (not a list): numbers, bytes and dates included,
    so an NHS number saved as a number or a date of birth saved as a date is scanned like any text."""
    if value is None or value is pd.NaT or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None, True
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace"), True
    if isinstance(value, (bool, np.bool_, str)):
        return str(value), True
    if isinstance(value, (int, np.integer)):
        return str(int(value)), True
    if isinstance(value, (float, np.floating)):
        return (str(int(value)) if float(value).is_integer() else repr(float(value))), True
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        stamp = pd.Timestamp(value)
        return (stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat()), True
    if isinstance(value, dt.date):
        return value.isoformat(), True
    if pd.api.types.is_list_like(value):
        return " ".join(str(v) for v in value), False
    return str(value), True


def identifier_cells(frame: pd.DataFrame, row_number: Callable[[int], int]) -> list[str]:
    """``row N, column 'c': holds an NHS number`` for every cell (and column name) holding an identifier; values never repeated.

    ``frame``: every cell text (:func:`cell_text`) or None; ``row_number``: the number a person sees for a row position.
    A column named like a birth date makes a full date a date of birth.
    """
    found = []
    for position, column in enumerate(frame.columns, start=1):
        kinds = scan_text(str(column)).inside
        if kinds:
            found.append(f"the name of column {position} holds {_words(kinds)}")
    found += [f"column {f.column!r}: {f.message()}" for f in find_identifiers(frame.iloc[:0])]
    for column in frame.columns:
        birth = is_birth_column(str(column))
        for i, value in enumerate(frame[column].tolist()):
            if value and value.strip():
                kinds = scan_text(value[:LONGEST_SCANNED], birth=birth).inside
                if kinds:
                    found.append(f"row {row_number(i)}, column {column!r}: holds {_words(kinds)}")
    return found


def _words(kinds) -> str:
    return " and ".join(_KIND_WORDS.get(k, k) for k in sorted(kinds))
