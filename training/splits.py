"""Rolling-origin temporal splits: train on the past, calibrate on a later date, test on a later one still.

Worked example (quarterly snapshots, 12-month outcome, 90-day recording allowance):
the test date 2024-10-01 may only use snapshots whose outcome window
[D, D + 12 months) ended at least 90 days before it, i.e. D <= 2023-07-01. The
latest of those (2023-07-01) is the calibration snapshot (later than every
training row); the earlier ones train the model. The next split moves the test
date one snapshot back. No (family, date) row is in two parts of a split, and
no training or calibration outcome window overlaps the test window.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from placerisk.features.cohort import add_months


@dataclass(frozen=True)
class Split:
    """One fold: ``train_dates`` < ``calibration_date``; ``test_date`` is None for the final (deployed) fit."""

    name: str
    train_dates: tuple[dt.date, ...]
    calibration_date: dt.date
    test_date: dt.date | None
    labels: tuple[tuple[str, str], ...] = ()
    """Parts that are not one snapshot each, in words: ``("train", "60% of the ids, by a hash")``; a part's words replace
    its dates wherever the split is shown (the id holdout's parts are keyed by placeholder dates, never shown)."""

    def part(self, name: str) -> str:
        """``train``, ``calibration`` or ``test`` in words: its label, else its snapshot dates."""
        words = dict(self.labels)
        if name in words:
            return words[name]
        if name == "train":
            return f"snapshots {self.train_dates[0]} to {self.train_dates[-1]} ({len(self.train_dates)})"
        date = self.calibration_date if name == "calibration" else self.test_date
        return "none" if date is None else f"snapshot {date}"

    def to_dict(self) -> dict:
        if self.labels:
            return {"name": self.name, **{f"{part}": self.part(part) for part in ("train", "calibration", "test")}}
        return {
            "name": self.name,
            "train_dates": [d.isoformat() for d in self.train_dates],
            "calibration_date": self.calibration_date.isoformat(),
            "test_date": self.test_date.isoformat() if self.test_date else None,
        }


def snapshot_dates(last: dt.date, count: int, every_months: int) -> list[dt.date]:
    """``count`` dates ending at ``last``, ``every_months`` apart, oldest first."""
    if count < 1 or every_months < 1:
        raise ValueError(f"snapshots: got count={count}, every_months={every_months}; expected whole numbers of at least 1")
    return [add_months(last, -every_months * i) for i in range(count - 1, -1, -1)]


def _fold(name: str, dates: Sequence[dt.date], known: Callable[[dt.date], bool], test: dt.date | None) -> Split:
    usable = [d for d in dates if known(d) and (test is None or d < test)]
    if len(usable) < 2:
        where = f"before the test date {test}" if test else "in the data"
        raise ValueError(
            f"{name}: got {len(usable)} snapshot(s) with a complete outcome window {where}; "
            "expected at least 2 (one or more to train on, one later to calibrate on): add earlier snapshots or fewer splits"
        )
    return Split(name, tuple(usable[:-1]), usable[-1], test)


def rolling_origin(
    dates: Sequence[dt.date], *, n_splits: int, label_known: Callable[[dt.date, dt.date], bool]
) -> list[Split]:
    """The last ``n_splits`` dates each test one split, oldest split first.

    ``label_known(d, t)`` says whether snapshot ``d``'s outcome is complete with
    data known up to the day before ``t`` (e.g. ``OutcomeSpec.label_complete``).
    """
    dates = sorted(set(dates))
    if not 1 <= n_splits < len(dates):
        raise ValueError(f"splits: got {n_splits}; expected between 1 and {len(dates) - 1} for {len(dates)} snapshots")
    tests = dates[-n_splits:]
    return [
        _fold(f"split {i}", dates, lambda d, t=t: label_known(d, t - dt.timedelta(days=1)), t)
        for i, t in enumerate(tests, start=1)
    ]


def final_split(dates: Sequence[dt.date], *, label_known: Callable[[dt.date, dt.date], bool], data_end: dt.date) -> Split:
    """The fit that is deployed: every snapshot whose outcome is complete by ``data_end``; the latest calibrates."""
    return _fold("final", sorted(set(dates)), lambda d: label_known(d, data_end), None)


def check_split(split: Split, horizon_end: Callable[[dt.date], dt.date]) -> None:
    """Raise if parts overlap, run out of order, or a training/calibration outcome window reaches the test date."""
    if split.calibration_date in split.train_dates or any(d >= split.calibration_date for d in split.train_dates):
        raise ValueError(f"{split.name}: training dates must all precede the calibration date {split.calibration_date}")
    if split.test_date is not None:
        for d in (*split.train_dates, split.calibration_date):
            if horizon_end(d) > split.test_date:
                raise ValueError(f"{split.name}: the outcome window of {d} ends {horizon_end(d)}, after the test date {split.test_date}")


def describe(splits: Sequence[Split]) -> str:
    """The split plan as a few printable lines."""
    lines = []
    for s in splits:
        words = dict(s.labels)
        train = words.get("train") or f"{s.train_dates[0]}..{s.train_dates[-1]} ({len(s.train_dates)} snapshots)"
        calibrate = words.get("calibration") or str(s.calibration_date)
        test = f"test {words.get('test') or s.test_date}" if s.test_date else "deployed fit (no test)"
        lines.append(f"  {s.name:8} train {train}; calibrate {calibrate}; {test}")
    return "\n".join(lines)
