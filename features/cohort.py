"""Who is scored as of a date, and what is predicted."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class CohortSpec:
    """Families with at least one member aged ``min_age``..``max_age`` (completed years) on the as-of date."""

    min_age: int = 8
    max_age: int = 24

    def age_bands(self) -> list[tuple[str, int]]:
        """(label, exclusive upper age) bands for the audit: split at 13 and 18 within the range."""
        cuts = [a for a in (13, 18) if self.min_age < a <= self.max_age] + [self.max_age + 1]
        bands, low = [], self.min_age
        for high in cuts:
            bands.append((f"{low}-{high - 1}", high))
            low = high
        return bands


@dataclass(frozen=True)
class OutcomeSpec:
    """Any of ``events`` for any member (on D) dated in [D, D + horizon).

    A label exists only when the window ended at least ``recording_allowance_days``
    before the data's end, so late-recorded outcomes have had time to arrive;
    otherwise it is missing, never a silent 0.
    """

    events: tuple[str, ...]
    horizon_months: int = 12
    recording_allowance_days: int = 90

    def known_by(self, as_of_date: dt.date) -> dt.date:
        """The label's cut-off: outcome records count when recorded before this (the window's end plus the allowance)."""
        return add_months(as_of_date, self.horizon_months) + dt.timedelta(days=self.recording_allowance_days)

    def label_complete(self, as_of_date: dt.date, data_end: dt.date) -> bool:
        return self.known_by(as_of_date) <= data_end + dt.timedelta(days=1)


def add_months(date: dt.date, months: int) -> dt.date:
    """``date`` moved by whole months, the day clamped to the month's end (as the SQL engines do)."""
    month = date.month - 1 + months
    year, month = date.year + month // 12, month % 12 + 1
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return dt.date(year, month, min(date.day, (nxt - dt.timedelta(days=1)).day))
