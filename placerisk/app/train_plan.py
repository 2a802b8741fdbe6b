"""The plan of a training run: which candidates compete, and on which splits in time."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

import numpy as np

from placerisk.app.own_table import PERIOD_MONTHS
from placerisk.config import Config
from placerisk.errors import UserError
from placerisk.features import OutcomeSpec
from placerisk.features.cohort import add_months
from placerisk.training import CandidateSpec, Split, check_split, final_split, rolling_origin


def candidates(config: Config, feature_names: list[str]) -> list[CandidateSpec]:
    """The configured rule baselines (those whose columns exist), the best single feature and the learnt candidates."""
    t = config.training
    specs = []
    for name, rule in t.baselines.items():
        missing = [c for c in (*rule.features, *rule.tiebreak) if c not in feature_names]
        if missing:
            if len(feature_names) and all("__" in c for c in feature_names):
                raise UserError(f"training.baselines.{name}: feature(s) {missing} are not built; expected names such as {feature_names[:2]}")
            continue  # a table without these columns: the rule does not apply
        specs.append(CandidateSpec(f"rule: {name}", "rule", rule.description, ({"columns": rule.features, "tiebreak": rule.tiebreak},)))
    if t.best_single_feature:
        specs.append(CandidateSpec("best single feature", "best_single_feature", "The one feature that best ranks the training rows"))
    if t.logistic:
        specs.append(CandidateSpec("logistic regression", "logistic", "L2-regularised logistic regression", tuple(t.logistic)))
    if t.lightgbm:
        specs.append(CandidateSpec("lightgbm", "lightgbm", "Gradient-boosted trees (LightGBM)", tuple(t.lightgbm)))
    return specs


ID_PARTS = (("train", "60% of the ids, by a hash of the id"), ("calibration", "20% of the ids"), ("test", "the other 20% of the ids"))
ID_VALIDATION = "a 60/20/20 split by a hash of the id, not a temporal validation (no time column): results may be optimistic"


def holdout_by_id(assembled):
    """Without a time column: 60/20/20 train/calibrate/test by a hash of the id (never temporal; said so).

    Returns the rows with a part key in place of the date (never shown: the split's labels say what each part is),
    the split and the final fit."""
    data = assembled.data
    bucket = np.array([int(hashlib.sha256(i.encode()).hexdigest()[:8], 16) % 10 for i in data.family_id])
    days = np.where(bucket < 6, 0, np.where(bucket < 8, 1, 2)).astype("datetime64[D]")
    d0, d1, d2 = (dt.date(1970, 1, 1) + dt.timedelta(days=i) for i in range(3))
    parted = dataclasses.replace(assembled, data=dataclasses.replace(data, as_of_date=days), dates=[d0, d1, d2],
                                 provenance={**assembled.provenance, "validation": ID_VALIDATION})
    final_parts = (("train", "the 60% and 20% id parts (training and test)"), ("calibration", "the 20% calibration id part"))
    return parted, [Split("holdout", (d0,), d1, d2, ID_PARTS)], Split("final", (d0, d2), d1, None, final_parts)


def holdout_by_time(assembled, holdout_from: dt.date, outcome: OutcomeSpec):
    """A temporal holdout for a table too short for rolling origin: rows from ``holdout_from`` test; of the earlier rows,
    the latest snapshots holding at least a fifth of them calibrate and the others train. The final fit trains on every
    earlier row and calibrates on the test rows. How many training and calibration snapshots have outcome windows reaching
    into the test period is counted and said (the run, the card)."""
    data, dates = assembled.data, sorted(assembled.dates)
    period = assembled.provenance.get("period")
    if period and holdout_from not in dates and dates[0] < holdout_from <= dates[-1]:
        inside = max(d for d in dates if d < holdout_from)
        later = min(d for d in dates if d > holdout_from)
        raise UserError(f"--holdout-from {holdout_from} falls inside the {period} {inside} (the rows are binned by {period}): give the "
                        f"start of a {period}, e.g. {inside} or {later}, so that the test rows are exactly those from it")
    before, after = [d for d in dates if d < holdout_from], [d for d in dates if d >= holdout_from]
    if len(before) < 2 or not after:
        raise UserError(f"--holdout-from {holdout_from}: got {len(before)} snapshot(s) before it and {len(after)} from it; expected at "
                        f"least 2 before (to train and to calibrate on) and 1 from it (snapshots {dates[0]} to {dates[-1]})")
    day = data.as_of_date.astype("datetime64[D]")
    rows_before = {d: int((day == np.datetime64(d, "D")).sum()) for d in before}
    cal = [before[-1]]
    while sum(rows_before[d] for d in cal) < 0.2 * sum(rows_before.values()) and len(cal) < len(before) - 1:
        cal.insert(0, before[len(before) - len(cal) - 1])
    train = [d for d in before if d not in cal]
    key = np.where(day >= np.datetime64(after[0], "D"), np.datetime64(after[0], "D"),
                   np.where(day >= np.datetime64(cal[0], "D"), np.datetime64(cal[0], "D"), day))
    parts = (("train", f"snapshots {train[0]} to {train[-1]} ({len(train)})"),
             ("calibration", f"snapshots {cal[0]} to {cal[-1]} ({len(cal)})"),
             ("test", f"snapshots {after[0]} to {after[-1]} ({len(after)}), from --holdout-from {holdout_from}"))
    months = outcome.horizon_months + (PERIOD_MONTHS[period] if period else 0)

    def reaching(snapshots) -> int:
        return sum(add_months(d, months) + dt.timedelta(days=outcome.recording_allowance_days) > after[0] for d in snapshots)

    validation = (f"a temporal holdout: the rows from {after[0]} test a model trained and calibrated on earlier rows (a table too short "
                  f"for rolling origin); the outcome windows ({outcome.horizon_months} months"
                  + (f", plus up to a {period} for rows binned into it" if period else "")
                  + f", and {outcome.recording_allowance_days} days for late records) of {reaching(train)} of the {len(train)} training "
                  f"snapshots and {reaching(cal)} of the {len(cal)} calibration snapshots reach into the test period, so this is weaker "
                  "than a rolling-origin validation")
    parted = dataclasses.replace(assembled, data=dataclasses.replace(data, as_of_date=key), dates=[*train, cal[0], after[0]],
                                 provenance={**assembled.provenance, "validation": validation})
    split = Split("holdout", tuple(train), cal[0], after[0], parts)
    final = Split("final", (*train, cal[0]), after[0], None, (("train", f"snapshots {train[0]} to {cal[-1]}"),
                                                                ("calibration", parts[2][1])))
    return parted, [split], final


def splits(config: Config, assembled, temporal: bool, outcome: OutcomeSpec, holdout_from: dt.date | None = None):
    """``(assembled, test splits, final fit)``: rolling-origin in time, a temporal holdout from a date, else the id holdout."""
    if not temporal:
        return holdout_by_id(assembled)
    if holdout_from is not None:
        return holdout_by_time(assembled, holdout_from, outcome)
    period = assembled.provenance.get("period")
    if period:  # a row dated late in its period looks up to a period further ahead than its snapshot: keep the splits apart by that too
        outcome = dataclasses.replace(outcome, horizon_months=outcome.horizon_months + PERIOD_MONTHS[period])
    if len(assembled.dates) < 3:
        raise UserError(f"got {len(assembled.dates)} snapshot date(s); expected at least 3 for a temporal validation "
                        "(older ones to train, a later one to calibrate, a later one still to test)")
    try:
        plan = rolling_origin(assembled.dates, n_splits=min(config.training.splits, len(assembled.dates) - 2), label_known=outcome.label_complete)
    except ValueError as err:
        if assembled.provenance.get("source") != "table":
            raise
        raise UserError(f"{err}; a table this short in time can be validated with a temporal holdout instead (--holdout-from DATE)") from None
    final = final_split(assembled.dates, label_known=outcome.label_complete, data_end=assembled.data_end)
    if assembled.provenance.get("source") == "table":
        assembled = dataclasses.replace(assembled, provenance={**assembled.provenance, "validation": "rolling origin over the table's "
                                        f"snapshots: test {', '.join(str(s.test_date) for s in plan)}"})
    for s in plan:
        check_split(s, lambda d: add_months(d, outcome.horizon_months) + dt.timedelta(days=outcome.recording_allowance_days))
    return assembled, plan, final
