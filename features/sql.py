"""The feature, cohort and label queries as portable SQL (pure string builders).

Inputs are logical relations (the caller registers them on its engine):

- ``persons(person_id, family_id, sex, ethnicity, birth_year, birth_month, member_from, member_to)``
- ``families(family_id, area_code)``, ``areas(area_code, deprivation_decile, team)``
- ``events(person_id, event, event_date, recorded_date)`` with ``event`` = ``source.event_type``
- ``objections(family_id, person_id)``
- ``as_of_dates(as_of_date, label_complete)``

Written once, in DuckDB's dialect; ``features.transpile`` compiles the same text
for Spark (with SQLGlot), so no query is kept twice. Dates move by quoted
intervals, and windows are joins and filters on recorded dates, never window
frames, so both engines read them alike. Point in time: a fact counts as of D only when its
``recorded_date`` is before D; membership and ages are taken as of D.
"""

from __future__ import annotations

import datetime as dt

from placerisk.features.cohort import CohortSpec, OutcomeSpec
from placerisk.features.definitions import FeatureSet, days_since_cap


def add_months(expr: str, months: int | str) -> str:
    """``expr`` (a date) moved by whole months, the day clamped to the month's end; ``months`` a number or a column."""
    if isinstance(months, int):
        return f"CAST(({expr}) + INTERVAL '{months}' MONTH AS DATE)"  # a quoted amount: the form every dialect reads
    return f"CAST(({expr}) + ({months}) * INTERVAL '1' MONTH AS DATE)"


def add_days(expr: str, days: int) -> str:
    return f"CAST(({expr}) + INTERVAL '{days}' DAY AS DATE)"


def days_between(later: str, earlier: str) -> str:
    return f"date_diff('day', {earlier}, {later})"


def date(value: dt.date) -> str:
    return f"DATE '{value.isoformat()}'"


def month_index(expr: str) -> str:
    return f"(year({expr}) * 12 + month({expr}))"


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def people_sql() -> str:
    """Non-objecting persons with integer keys (``pkey``, ``fkey``): the heavy joins run on integers."""
    return """
SELECT p.person_id, p.family_id, p.sex, p.ethnicity, p.birth_year, p.birth_month, p.member_from, p.member_to,
       CAST(row_number() OVER (ORDER BY p.person_id) AS INTEGER) AS pkey,
       CAST(dense_rank() OVER (ORDER BY p.family_id) AS INTEGER) AS fkey
FROM persons p
LEFT JOIN (SELECT DISTINCT person_id FROM objections WHERE person_id IS NOT NULL) obj_p ON obj_p.person_id = p.person_id
LEFT JOIN (SELECT DISTINCT family_id FROM objections WHERE family_id IS NOT NULL) obj_f ON obj_f.family_id = p.family_id
WHERE obj_p.person_id IS NULL AND obj_f.family_id IS NULL"""


def members_sql() -> str:
    """Every non-objecting person who is a family member on each as-of date, with age in months."""
    return f"""
SELECT a.as_of_date, p.pkey, p.fkey, p.sex, p.ethnicity,
       CAST({month_index('a.as_of_date')} - (p.birth_year * 12 + p.birth_month) AS INTEGER) AS age_months
FROM people p
JOIN as_of_dates a ON p.member_from <= a.as_of_date AND (p.member_to IS NULL OR p.member_to > a.as_of_date)
WHERE p.birth_year * 12 + p.birth_month <= {month_index('a.as_of_date')}"""


def targets_sql(fs: FeatureSet) -> str:
    """event -> target index (the event itself and every group it belongs to), as a VALUES list."""
    index = fs.target_index()
    pairs = [(event, index[key]) for key, events in fs.target_events().items() for event in events]
    rows = ", ".join(f"({_lit(e)}, {k})" for e, k in pairs)
    return f"SELECT DISTINCT event, CAST(target AS INTEGER) AS target FROM (VALUES {rows}) AS t(event, target)"


def keyed_events_sql(fs: FeatureSet, first: dt.date, last: dt.date) -> str:
    """Events that can reach a feature for some date in [first, last], keyed by person and target."""
    return f"""
SELECT p.fkey, p.pkey, t.target, e.event_date, e.recorded_date
FROM events e
JOIN people p ON p.person_id = e.person_id
JOIN targets t ON t.event = e.event
WHERE e.recorded_date < {date(last)} AND e.event_date >= {add_months(date(first), -fs.lookback_months)}"""


def keyed_event_days_sql() -> str:
    """``keyed_events`` with dates as days since 1970-01-01, sorted for ``features.stats.KeyedEvents``."""
    epoch = date(dt.date(1970, 1, 1))
    return f"""
SELECT fkey, target, pkey,
       CAST({days_between('event_date', epoch)} AS INTEGER) AS event_day,
       CAST({days_between('recorded_date', epoch)} AS INTEGER) AS recorded_day
FROM keyed_events
ORDER BY fkey, target, pkey"""


def members_on_sql(as_of_date: dt.date, *, cohort_only: bool = False) -> str:
    """The persons whose events count on one date: members then (of a family in the cohort, with ``cohort_only``).

    The same rows ``hits_sql`` joins events to.
    """
    cohort_join = "JOIN family f ON f.fkey = m.fkey AND f.as_of_date = m.as_of_date AND f.in_cohort" if cohort_only else ""
    return f"SELECT m.pkey FROM members m {cohort_join} WHERE m.as_of_date = {date(as_of_date)}"


def _bucket_case(fs: FeatureSet) -> str:
    edges = fs.bucket_edges
    if len(edges) == 1:
        return "0"
    whens = " ".join(f"WHEN e.event_date >= {add_months('m.as_of_date', -w)} THEN {i}" for i, w in enumerate(edges[:-1]))
    return f"CASE {whens} ELSE {len(edges) - 1} END"


def hits_sql(fs: FeatureSet, *, cohort_only: bool = False) -> str:
    """One row per (member on D, event known before D and within the lookback, target).

    With ``cohort_only``, members of families outside the cohort on D are skipped: their rows are never written.
    """
    cohort_join = "JOIN family f ON f.fkey = m.fkey AND f.as_of_date = m.as_of_date AND f.in_cohort" if cohort_only else ""
    return f"""
SELECT m.fkey, m.as_of_date, m.pkey, e.target, e.event_date, {_bucket_case(fs)} AS bucket
FROM keyed_events e
JOIN members m ON m.pkey = e.pkey
{cohort_join}
WHERE e.recorded_date < m.as_of_date
  AND e.event_date < m.as_of_date
  AND e.event_date >= {add_months('m.as_of_date', -fs.lookback_months)}"""


def target_stats_sql(fs: FeatureSet) -> str:
    """Per family, date and target: events per bucket, members with one recently, the latest date."""
    n = len(fs.bucket_edges)
    per_person = ", ".join(f"CAST(sum(CASE WHEN bucket = {i} THEN 1 ELSE 0 END) AS INTEGER) AS b{i}" for i in range(n))
    recent = " + ".join(f"b{i}" for i in fs.members_buckets) or "0"
    sums = ", ".join(f"CAST(sum(b{i}) AS INTEGER) AS b{i}" for i in range(n))
    return f"""
SELECT fkey, as_of_date, target, {sums},
       CAST(sum(CASE WHEN {recent} > 0 THEN 1 ELSE 0 END) AS INTEGER) AS members_recent, max(last_date) AS last_date
FROM (SELECT fkey, as_of_date, pkey, target, {per_person}, max(event_date) AS last_date
      FROM hits GROUP BY fkey, as_of_date, pkey, target) per_person
GROUP BY fkey, as_of_date, target"""


def wide_sql(fs: FeatureSet) -> str:
    """Target statistics pivoted into one column per feature.

    ``target_stats`` has exactly one row per family, date and target, so each
    feature is the ``max`` of one value: cheap integer states, not sums.
    """
    index = fs.target_index()
    cols = []
    for spec in fs.specs:
        if spec.event is None:
            continue
        when = f"target = {index[spec.event]}"
        if spec.kind == "days_since_last":
            value = days_between("as_of_date", "last_date")
        elif spec.kind == "distinct_members":
            value = "members_recent"
        else:  # count or trend
            added, subtracted = fs.bucket_terms(spec)
            value = " + ".join(f"b{i}" for i in added)
            if subtracted:
                value = f"({value}) - ({' + '.join(f'b{i}' for i in subtracted)})"
        cols.append(f"CAST(max(CASE WHEN {when} THEN {value} END) AS INTEGER) AS {spec.name}")
    return f"SELECT fkey, as_of_date, {', '.join(cols)} FROM target_stats GROUP BY fkey, as_of_date"


def family_sql(cohort: CohortSpec) -> str:
    """Composition, area, cohort flag and audit attributes per family and date."""
    years = "FLOOR(age_months / 12)"
    child = "age_months < 216"
    in_range = f"age_months >= {cohort.min_age * 12} AND age_months < {(cohort.max_age + 1) * 12}"
    index_age = f"CASE WHEN {in_range} THEN age_months END"
    # Ties (twins, same birth month) go to the smallest key, i.e. the smallest person_id: deterministic on any engine.
    # A member whose value is missing is passed over (DuckDB's arg_max skips it; Spark's max_by would return it).
    eldest = "CAST(m.age_months AS BIGINT) * 4294967296 - m.pkey"
    eldest_in_range = f"CASE WHEN {in_range} THEN CAST(m.age_months AS BIGINT) * 4294967296 - m.pkey END"
    bands = " ".join(f"WHEN max({index_age}) < {hi * 12} THEN '{label}'" for label, hi in cohort.age_bands())
    return f"""
SELECT m.fkey, m.as_of_date,
  CASE WHEN max(CASE WHEN {in_range} THEN 1 ELSE 0 END) = 1 THEN TRUE ELSE FALSE END AS in_cohort,
  CAST(count(*) AS INTEGER) AS family__members,
  CAST(sum(CASE WHEN age_months < 60 THEN 1 ELSE 0 END) AS INTEGER) AS family__children_0_4,
  CAST(sum(CASE WHEN age_months >= 60 AND age_months < 132 THEN 1 ELSE 0 END) AS INTEGER) AS family__children_5_10,
  CAST(sum(CASE WHEN age_months >= 132 AND age_months < 192 THEN 1 ELSE 0 END) AS INTEGER) AS family__children_11_15,
  CAST(sum(CASE WHEN age_months >= 192 AND age_months < 216 THEN 1 ELSE 0 END) AS INTEGER) AS family__children_16_17,
  CAST(sum(CASE WHEN age_months >= 216 AND age_months < 300 THEN 1 ELSE 0 END) AS INTEGER) AS family__young_adults_18_24,
  CAST(sum(CASE WHEN age_months >= 300 THEN 1 ELSE 0 END) AS INTEGER) AS family__adults_25_plus,
  CAST(coalesce(min(CASE WHEN {child} THEN {years} END), -1) AS INTEGER) AS family__youngest_child_age,
  CAST(coalesce(max(CASE WHEN {child} THEN {years} END), -1) AS INTEGER) AS family__oldest_child_age,
  arg_max(m.ethnicity, CASE WHEN m.ethnicity IS NOT NULL THEN {eldest} END) AS ethnicity,
  arg_max(m.sex, CASE WHEN m.sex IS NOT NULL THEN {eldest_in_range} END) AS index_sex,
  CASE {bands} END AS index_age_band
FROM members m
GROUP BY m.fkey, m.as_of_date"""


def labels_sql(outcome: OutcomeSpec, data_end: dt.date) -> str:
    """1 when any member on D has an outcome event dated in [D, D + horizon) and recorded by the data's end
    and within the recording allowance after the window (so every snapshot's label has the same cut-off:
    what was known ``recording_allowance_days`` after its window, never records that came later)."""
    events = ", ".join(_lit(e) for e in outcome.events)
    end = add_months("m.as_of_date", outcome.horizon_months)
    known_by = add_days(end, outcome.recording_allowance_days)
    return f"""
SELECT DISTINCT m.fkey, m.as_of_date, 1 AS outcome
FROM members m
JOIN people p ON p.pkey = m.pkey
JOIN events e ON e.person_id = p.person_id
WHERE e.event IN ({events})
  AND e.event_date >= m.as_of_date AND e.event_date < {end}
  AND e.recorded_date <= {date(data_end)} AND e.recorded_date < {known_by}"""


def plan(
    fs: FeatureSet, cohort: CohortSpec, outcome: OutcomeSpec, data_end: dt.date, dates: list[dt.date],
    *, cohort_only: bool = False, aggregate: bool = True,
) -> list[tuple[str, str, bool]]:
    """The steps in order: (relation name, query, materialise?). ``base_sql`` reads them.

    With ``aggregate`` (the portable plan) the target statistics and the pivot are
    SQL steps too. Without, ``keyed_events`` is left as a view for the caller to
    aggregate per date (the DuckDB engine does it with NumPy, ``features.stats``).
    """
    first, last = min(dates), max(dates)
    steps = [
        ("people", people_sql(), True),
        ("family_keys", "SELECT DISTINCT fkey, family_id FROM people", True),
        ("members", members_sql(), True),
        ("family", family_sql(cohort), True),
        ("targets", targets_sql(fs), False),
        ("keyed_events", keyed_events_sql(fs, first, last), aggregate),
    ]
    if aggregate:
        steps += [
            ("hits", hits_sql(fs, cohort_only=cohort_only), False),
            ("target_stats", target_stats_sql(fs), True),
            ("wide", wide_sql(fs), False),
        ]
    return steps + [("labels", labels_sql(outcome, data_end), True)]


def _feature_columns(fs: FeatureSet) -> list[str]:
    cap = days_since_cap(fs.lookback_months)
    cols = []
    for spec in fs.specs:
        if spec.kind == "days_since_last":
            cols.append(f"coalesce(w.{spec.name}, {cap}) AS {spec.name}")
        elif spec.kind == "composition":
            cols.append(f"f.{spec.name}")
        elif spec.kind == "area":
            cols.append(f"CAST(ar.deprivation_decile AS INTEGER) AS {spec.name}")
        else:
            cols.append(f"coalesce(w.{spec.name}, 0) AS {spec.name}")
    return cols


def base_sql(fs: FeatureSet, *, cohort_only: bool = True, as_of_date: dt.date | None = None, with_wide: bool = True) -> str:
    """Identifiers, meta columns and features (the event features only ``with_wide``), ordered by family.

    ``fkey`` is the family's integer key; it sorts as ``family_id`` does.
    """
    if with_wide:
        features = _feature_columns(fs)
    else:
        features = [c for c, s in zip(_feature_columns(fs), fs.specs) if s.event is None]
    conditions = (["f.in_cohort"] if cohort_only else []) + ([f"f.as_of_date = {date(as_of_date)}"] if as_of_date else [])
    where = ("WHERE " + " AND ".join(conditions)) if conditions else ""
    wide_join = "LEFT JOIN wide w ON w.fkey = f.fkey AND w.as_of_date = f.as_of_date" if with_wide else ""
    return f"""
SELECT k.family_id, f.as_of_date, f.in_cohort,
  CASE WHEN a.label_complete THEN coalesce(y.outcome, 0) END AS label,
  a.label_complete,
  ar.team, CAST(ar.deprivation_decile AS INTEGER) AS deprivation_decile,
  CAST(FLOOR((ar.deprivation_decile + 1) / 2) AS INTEGER) AS deprivation_quintile,
  f.ethnicity, f.index_sex, f.index_age_band, f.fkey,
  {', '.join(features)}
FROM family f
JOIN family_keys k ON k.fkey = f.fkey
JOIN as_of_dates a ON a.as_of_date = f.as_of_date
JOIN families fam ON fam.family_id = k.family_id
JOIN areas ar ON ar.area_code = fam.area_code
{wide_join}
LEFT JOIN labels y ON y.fkey = f.fkey AND y.as_of_date = f.as_of_date
{where}
ORDER BY f.as_of_date, f.fkey"""


def target_stats_for(fs: FeatureSet, as_of_date: dt.date) -> str:
    """One date's rows of the portable ``target_stats`` in the shape ``features.stats.target_stats`` returns
    (days since the latest event instead of its date): the fast path is tested against it."""
    buckets = ", ".join(f"b{i}" for i in range(len(fs.bucket_edges)))
    return (
        f"SELECT fkey, target, {buckets}, members_recent, CAST({days_between('as_of_date', 'last_date')} AS INTEGER) AS days "
        f"FROM target_stats WHERE as_of_date = {date(as_of_date)}"
    )


META_COLUMNS = (
    "family_id", "as_of_date", "in_cohort", "label", "label_complete", "team",
    "deprivation_decile", "deprivation_quintile", "ethnicity", "index_sex", "index_age_band",
)
