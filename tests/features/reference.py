"""A straightforward pandas implementation of the feature definitions.

Written independently of the SQL, one as-of date at a time, to check the
engine and to give the benchmark its pandas baseline.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from placerisk.features import CohortSpec, FeatureSet, OutcomeSpec, days_since_cap


def _back(d: dt.date, months: int) -> pd.Timestamp:
    return pd.Timestamp(d) - pd.DateOffset(months=months)


def reference_features(tables: dict[str, pd.DataFrame], fs: FeatureSet, as_of_dates, cohort: CohortSpec, outcome: OutcomeSpec, data_end: dt.date) -> pd.DataFrame:
    persons, events = tables["persons"].copy(), tables["events"].copy()
    fam_area = tables["families"].merge(tables["areas"], on="area_code")
    obj = tables["objections"]
    out_persons = set(obj["person_id"].dropna())
    out_families = set(obj["family_id"].dropna())
    for col in ("member_from", "member_to"):
        persons[col] = pd.to_datetime(persons[col])
    for col in ("event_date", "recorded_date"):
        events[col] = pd.to_datetime(events[col])
    frames = []
    for d in sorted(set(as_of_dates)):
        D = pd.Timestamp(d)
        m = persons[(persons.member_from <= D) & (persons.member_to.isna() | (persons.member_to > D))]
        m = m[~m.person_id.isin(out_persons) & ~m.family_id.isin(out_families)].copy()
        m["age_months"] = (D.year * 12 + D.month) - (m.birth_year * 12 + m.birth_month)
        m = m[m.age_months >= 0]
        lo, hi = cohort.min_age * 12, (cohort.max_age + 1) * 12
        fam = m.groupby("family_id").agg(in_cohort=("age_months", lambda a: bool(((a >= lo) & (a < hi)).any())))
        fam = fam[fam.in_cohort].copy()
        cols: dict[str, pd.Series] = {}
        ev = events.merge(m[["person_id", "family_id"]], on="person_id")
        known = ev[(ev.recorded_date < D) & (ev.event_date < D) & (ev.event_date >= _back(d, fs.lookback_months))]
        for key, label, _ in fs.targets:
            rows = known[known.event.isin(fs.target_events()[key])]
            by_fam = rows.groupby("family_id")
            for spec in fs.specs:
                if spec.event != key:
                    continue
                if spec.kind == "count":
                    s = rows[rows.event_date >= _back(d, spec.window_months)].groupby("family_id").size()
                    cols[spec.name] = s.reindex(fam.index).fillna(0).astype(int)
                elif spec.kind == "days_since_last":
                    s = (D - by_fam.event_date.max()).dt.days
                    cols[spec.name] = s.reindex(fam.index).fillna(days_since_cap(fs.lookback_months)).astype(int)
                elif spec.kind == "distinct_members":
                    s = rows[rows.event_date >= _back(d, spec.window_months)].groupby("family_id").person_id.nunique()
                    cols[spec.name] = s.reindex(fam.index).fillna(0).astype(int)
                elif spec.kind == "trend":
                    t = spec.window_months
                    recent = rows[rows.event_date >= _back(d, t)].groupby("family_id").size()
                    before = rows[(rows.event_date >= _back(d, 2 * t)) & (rows.event_date < _back(d, t))].groupby("family_id").size()
                    cols[spec.name] = (recent.reindex(fam.index).fillna(0) - before.reindex(fam.index).fillna(0)).astype(int)
        age, g = m.age_months, m.groupby("family_id")
        comp = pd.DataFrame({
            "family__members": g.size(),
            "family__children_0_4": (age < 60).groupby(m.family_id).sum(),
            "family__children_5_10": ((age >= 60) & (age < 132)).groupby(m.family_id).sum(),
            "family__children_11_15": ((age >= 132) & (age < 192)).groupby(m.family_id).sum(),
            "family__children_16_17": ((age >= 192) & (age < 216)).groupby(m.family_id).sum(),
            "family__young_adults_18_24": ((age >= 216) & (age < 300)).groupby(m.family_id).sum(),
            "family__adults_25_plus": (age >= 300).groupby(m.family_id).sum(),
            "family__youngest_child_age": (age[age < 216] // 12).groupby(m.family_id[age < 216]).min(),
            "family__oldest_child_age": (age[age < 216] // 12).groupby(m.family_id[age < 216]).max(),
        })
        comp = comp.reindex(fam.index).fillna({"family__youngest_child_age": -1, "family__oldest_child_age": -1})
        for c in comp:
            cols[c] = comp[c].astype(int)
        cols["area__deprivation_decile"] = fam_area.set_index("family_id").deprivation_decile.reindex(fam.index).astype(int)
        end = pd.Timestamp(d) + pd.DateOffset(months=outcome.horizon_months)
        known_by = end + pd.Timedelta(days=outcome.recording_allowance_days)
        hit = events[events.event.isin(outcome.events) & (events.event_date >= D) & (events.event_date < end)
                     & (events.recorded_date <= pd.Timestamp(data_end)) & (events.recorded_date < known_by)]
        positive = set(m[m.person_id.isin(hit.person_id)].family_id)
        complete = outcome.label_complete(d, data_end)
        cols["label"] = pd.Series([(1 if f in positive else 0) if complete else np.nan for f in fam.index], index=fam.index)
        cols["as_of_date"] = pd.Series(d, index=fam.index)
        frames.append(pd.concat([fam, pd.DataFrame(cols)], axis=1).reset_index())
    return pd.concat(frames, ignore_index=True)
