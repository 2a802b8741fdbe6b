"""Monthly time grid of the simulation, with dates as int32 days since 1970-01-01."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TimeGrid:
    """Months from the month of ``start`` to the month of ``extract`` inclusive."""

    start: dt.date
    extract: dt.date

    @property
    def months(self) -> np.ndarray:
        first = np.datetime64(self.start, "M")
        last = np.datetime64(self.extract, "M")
        return np.arange(first, last + 1)

    @property
    def n_months(self) -> int:
        return len(self.months)

    @property
    def month_start_day(self) -> np.ndarray:
        return self.months.astype("datetime64[D]").astype(np.int64).astype(np.int32)

    @property
    def days_in_month(self) -> np.ndarray:
        m = self.months
        return ((m + 1).astype("datetime64[D]") - m.astype("datetime64[D]")).astype(np.int32)

    @property
    def extract_day(self) -> int:
        return int(np.datetime64(self.extract, "D").astype(np.int64))

    def month_index(self, date: dt.date) -> int:
        """Index of the month holding ``date`` (may be outside the grid)."""
        return int((np.datetime64(date, "M") - np.datetime64(self.start, "M")).astype(int))
