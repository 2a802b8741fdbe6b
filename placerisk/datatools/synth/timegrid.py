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
    def covered_first_day(self) -> np.ndarray:
        """First day of each month inside [start, extract] (days since 1970-01-01)."""
        first = self.month_start_day.copy()
        first[0] = max(first[0], self._day(self.start))
        return first

    @property
    def covered_days(self) -> np.ndarray:
        """Days of each month inside [start, extract]: the first and last months may be partial."""
        last = self.month_start_day + self.days_in_month - 1
        last[-1] = min(last[-1], self.extract_day)
        return (last - self.covered_first_day + 1).astype(np.int32)

    @staticmethod
    def _day(date: dt.date) -> int:
        return int(np.datetime64(date, "D").astype(np.int64))

    def horizon_complete(self, as_of: dt.date, months: int) -> bool:
        """Whether ``as_of`` is a month start after the first month whose ``months`` ahead end by the extract date."""
        if as_of.day != 1 or self.month_index(as_of) < 1:
            return False
        end = np.datetime64(as_of, "M") + months  # the window is [as_of, end)
        return self._day(end.astype("datetime64[D]").astype(dt.date)) <= self.extract_day + 1

    @property
    def extract_day(self) -> int:
        return int(np.datetime64(self.extract, "D").astype(np.int64))

    def month_index(self, date: dt.date) -> int:
        """Index of the month holding ``date`` (may be outside the grid)."""
        return int((np.datetime64(date, "M") - np.datetime64(self.start, "M")).astype(int))
