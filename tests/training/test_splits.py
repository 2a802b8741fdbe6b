"""Rolling-origin splits: no training or calibration outcome window may reach the test date."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from placerisk.features.cohort import OutcomeSpec, add_months
from placerisk.training import (
    Split,
    check_split,
    describe,
    final_split,
    rolling_origin,
    snapshot_dates,
)

OUTCOME = OutcomeSpec(events=("x",), horizon_months=12, recording_allowance_days=90)
# 2022-01-01, 2022-04-01, ..., 2024-10-01: twelve quarterly snapshots.
QUARTERS = snapshot_dates(dt.date(2024, 10, 1), 12, 3)


def D(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def window_end_plus_allowance(d: dt.date, horizon_months: int = 12, allowance_days: int = 90) -> dt.date:
    return add_months(d, horizon_months) + dt.timedelta(days=allowance_days)


def test_snapshot_dates_are_evenly_spaced_oldest_first():
    assert QUARTERS[0] == D("2022-01-01") and QUARTERS[-1] == D("2024-10-01") and len(QUARTERS) == 12
    assert snapshot_dates(D("2024-10-01"), 4, 3) == [D("2024-01-01"), D("2024-04-01"), D("2024-07-01"), D("2024-10-01")]
    # month ends clamp to the shorter month
    assert snapshot_dates(D("2024-05-31"), 4, 1) == [D("2024-02-29"), D("2024-03-31"), D("2024-04-30"), D("2024-05-31")]
    assert snapshot_dates(D("2024-10-01"), 1, 3) == [D("2024-10-01")]


@pytest.mark.parametrize(("count", "every"), [(0, 3), (4, 0), (-1, 3)])
def test_snapshot_dates_rejects_non_positive_arguments(count, every):
    with pytest.raises(ValueError, match=rf"snapshots: got count={count}, every_months={every}; expected whole numbers of at least 1"):
        snapshot_dates(D("2024-10-01"), count, every)


def test_worked_example_from_the_module_docstring():
    [split] = rolling_origin(QUARTERS, n_splits=1, label_known=OUTCOME.label_complete)
    assert split.test_date == D("2024-10-01")
    assert split.calibration_date == D("2023-07-01")
    assert split.train_dates == (D("2022-01-01"), D("2022-04-01"), D("2022-07-01"), D("2022-10-01"), D("2023-01-01"), D("2023-04-01"))
    # 2023-07-01's window ends 2024-07-01; + 90 days is 2024-09-29, on or before the test date.
    assert window_end_plus_allowance(D("2023-07-01")) == D("2024-09-29")
    # the next quarter, 2023-10-01, would need data until 2024-12-30: excluded.
    assert window_end_plus_allowance(D("2023-10-01")) == D("2024-12-30")


def test_every_split_keeps_outcome_windows_before_its_test_date():
    splits = rolling_origin(QUARTERS, n_splits=4, label_known=OUTCOME.label_complete)
    assert [s.name for s in splits] == ["split 1", "split 2", "split 3", "split 4"]
    assert [s.test_date for s in splits] == QUARTERS[-4:]  # oldest split first, one snapshot apart
    for s in splits:
        for d in (*s.train_dates, s.calibration_date):
            assert window_end_plus_allowance(d) <= s.test_date, (s.name, d)
        assert all(d < s.calibration_date for d in s.train_dates)
        assert list(s.train_dates) == sorted(s.train_dates)
        assert s.test_date not in s.train_dates and s.test_date != s.calibration_date
        assert len(set(s.train_dates)) == len(s.train_dates) and s.calibration_date not in s.train_dates
        # every snapshot whose window is complete is used, and the latest one calibrates
        complete = [d for d in QUARTERS if window_end_plus_allowance(d) <= s.test_date]
        assert [*s.train_dates, s.calibration_date] == complete
        check_split(s, lambda d: window_end_plus_allowance(d))
    # each split moves every part one quarter on
    assert [s.calibration_date for s in splits] == [D("2022-10-01"), D("2023-01-01"), D("2023-04-01"), D("2023-07-01")]


def test_the_recording_allowance_boundary_is_inclusive():
    # 2023-07-03 + 12 months = 2024-07-03, + 90 days = 2024-10-01: exactly on the test date, so usable;
    # one day later is not.
    assert window_end_plus_allowance(D("2023-07-03")) == D("2024-10-01")
    dates = [D("2023-01-01"), D("2023-07-03"), D("2023-07-04"), D("2024-10-01")]
    [split] = rolling_origin(dates, n_splits=1, label_known=OUTCOME.label_complete)
    assert split.calibration_date == D("2023-07-03")
    assert split.train_dates == (D("2023-01-01"),)


def test_rolling_origin_ignores_input_order_and_duplicates():
    shuffled = list(reversed(QUARTERS)) + QUARTERS[:3]
    assert rolling_origin(shuffled, n_splits=3, label_known=OUTCOME.label_complete) == rolling_origin(
        QUARTERS, n_splits=3, label_known=OUTCOME.label_complete
    )


def test_too_few_complete_snapshots_names_the_split_and_what_is_expected():
    dates = QUARTERS[4:]  # 2023-01-01 .. 2024-10-01
    # split 3 (test 2024-10-01) has 2023-01-01, 2023-04-01 and 2023-07-01; split 2 (test 2024-07-01)
    # has 2023-01-01 and 2023-04-01; split 1 (test 2024-04-01) has only 2023-01-01.
    assert len(rolling_origin(dates, n_splits=2, label_known=OUTCOME.label_complete)) == 2
    with pytest.raises(ValueError, match=r"^split 1: got 1 snapshot\(s\) with a complete outcome window before the test date 2024-04-01; expected at least 2"):
        rolling_origin(dates, n_splits=3, label_known=OUTCOME.label_complete)
    with pytest.raises(ValueError, match=r"^split 1: got 0 snapshot\(s\) .* before the test date 2024-01-01; expected at least 2"):
        rolling_origin(dates, n_splits=4, label_known=OUTCOME.label_complete)


@pytest.mark.parametrize("n_splits", [0, 12, 13])
def test_number_of_splits_out_of_range(n_splits):
    with pytest.raises(ValueError, match=rf"splits: got {n_splits}; expected between 1 and 11 for 12 snapshots"):
        rolling_origin(QUARTERS, n_splits=n_splits, label_known=OUTCOME.label_complete)


def test_final_split_uses_every_complete_date():
    # data to 2025-12-31: 2024-10-01's window ends 2025-10-01, + 90 days = 2025-12-30: all twelve complete.
    final = final_split(QUARTERS, label_known=OUTCOME.label_complete, data_end=D("2025-12-31"))
    assert final.name == "final" and final.test_date is None
    assert final.calibration_date == D("2024-10-01")
    assert final.train_dates == tuple(QUARTERS[:-1])
    # data to 2025-06-30: D + 12 months + 90 days <= 2025-07-01 means D <= 2024-04-02.
    final = final_split(QUARTERS, label_known=OUTCOME.label_complete, data_end=D("2025-06-30"))
    assert final.calibration_date == D("2024-04-01")
    assert final.train_dates == tuple(QUARTERS[:9])
    check_split(final, window_end_plus_allowance)  # no test date: only the order is checked


def test_final_split_with_too_few_complete_dates():
    with pytest.raises(ValueError, match=r"^final: got 1 snapshot\(s\) with a complete outcome window in the data; expected at least 2"):
        final_split(QUARTERS, label_known=OUTCOME.label_complete, data_end=D("2023-03-31"))


@pytest.mark.parametrize(
    ("split", "message"),
    [
        (Split("cal in train", (D("2022-01-01"), D("2023-07-01")), D("2023-07-01"), D("2024-10-01")), "must all precede the calibration date 2023-07-01"),
        (Split("train after cal", (D("2023-10-01"),), D("2023-07-01"), D("2024-10-01")), "must all precede the calibration date 2023-07-01"),
        (Split("leaky cal", (D("2022-01-01"),), D("2023-10-01"), D("2024-10-01")), "outcome window of 2023-10-01 ends 2024-12-30, after the test date 2024-10-01"),
        (Split("leaky train", (D("2024-01-01"),), D("2024-04-01"), D("2024-10-01")), "outcome window of 2024-01-01 ends 2025-04-01"),
        (Split("test is cal", (D("2022-01-01"),), D("2024-10-01"), D("2024-10-01")), "after the test date 2024-10-01"),
    ],
)
def test_check_split_rejects_hand_built_bad_splits(split, message):
    with pytest.raises(ValueError, match=rf"^{split.name}: .*{message}"):
        check_split(split, window_end_plus_allowance)


def test_check_split_accepts_the_worked_example():
    check_split(Split("ok", (D("2022-01-01"), D("2023-04-01")), D("2023-07-01"), D("2024-10-01")), window_end_plus_allowance)


def test_describe_lists_every_split():
    splits = rolling_origin(QUARTERS, n_splits=3, label_known=OUTCOME.label_complete)
    final = final_split(QUARTERS, label_known=OUTCOME.label_complete, data_end=D("2025-12-31"))
    lines = describe([*splits, final]).splitlines()
    assert len(lines) == 4
    for line, s in zip(lines, [*splits, final], strict=True):
        assert s.name in line
        assert f"train {s.train_dates[0]}..{s.train_dates[-1]} ({len(s.train_dates)} snapshots)" in line
        assert f"calibrate {s.calibration_date}" in line
    assert [f"test {s.test_date}" in line for line, s in zip(lines, splits, strict=False)] == [True] * 3
    assert lines[-1].endswith("deployed fit (no test)")


def test_split_to_dict():
    s = Split("split 1", (D("2022-01-01"), D("2022-04-01")), D("2022-07-01"), D("2023-10-01"))
    assert s.to_dict() == {"name": "split 1", "train_dates": ["2022-01-01", "2022-04-01"], "calibration_date": "2022-07-01", "test_date": "2023-10-01"}
    assert Split("final", (D("2022-01-01"),), D("2022-07-01"), None).to_dict()["test_date"] is None


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    horizon=st.integers(1, 24),
    allowance=st.integers(0, 400),
    dates=st.lists(st.dates(dt.date(2015, 1, 1), dt.date(2025, 12, 31)), min_size=2, max_size=16, unique=True),
    data=st.data(),
)
def test_property_no_outcome_window_reaches_the_test_date(horizon, allowance, dates, data):
    outcome = OutcomeSpec(events=("x",), horizon_months=horizon, recording_allowance_days=allowance)
    ordered = sorted(dates)
    n_splits = data.draw(st.integers(1, len(ordered) - 1))
    tests = ordered[-n_splits:]

    def complete_before(t):
        return [d for d in ordered if window_end_plus_allowance(d, horizon, allowance) <= t]

    short = [i for i, t in enumerate(tests, start=1) if len(complete_before(t)) < 2]
    if short:
        with pytest.raises(ValueError, match=rf"^split {short[0]}: got {len(complete_before(tests[short[0] - 1]))} snapshot\(s\)"):
            rolling_origin(dates, n_splits=n_splits, label_known=outcome.label_complete)
        return
    splits = rolling_origin(dates, n_splits=n_splits, label_known=outcome.label_complete)
    assert [s.test_date for s in splits] == tests
    for s in splits:
        used = [*s.train_dates, s.calibration_date]
        assert used == complete_before(s.test_date)
        assert all(window_end_plus_allowance(d, horizon, allowance) <= s.test_date for d in used)
        assert all(d < s.calibration_date for d in s.train_dates)
        assert s.test_date not in used and len(set(used)) == len(used)
        check_split(s, lambda d: window_end_plus_allowance(d, horizon, allowance))
