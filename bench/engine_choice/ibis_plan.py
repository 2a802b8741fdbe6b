"""The core of the project's portable feature plan (features/sql.py) as Ibis expressions.

Steps: people, members, targets/keyed_events, hits (bucket CASE by add-months on
as_of_date), target_stats (per person, then per family), wide (count,
days_since_last, distinct_members, trend).  The same expression runs on the
DuckDB and PySpark backends.

Semantics kept from the SQL:
  keyed_events: recorded_date < last as-of date, event_date >= first - lookback months
  hits:         recorded_date < as_of, event_date < as_of, event_date >= as_of - lookback months
  bucket:       first i with event_date >= as_of - edge_i months, else the last bucket
Ibis' row_number / dense_rank are 0-based, so +1 to match the SQL keys.
"""

from __future__ import annotations

import datetime as dt

import ibis



def months_back(date_expr, months: int):
    """``date_expr`` moved back ``months`` whole months (engines clamp the day to the month's end)."""
    return date_expr - ibis.interval(months=months)


def people(persons, objections):
    obj_p = objections.filter(objections.person_id.notnull()).select("person_id").distinct()
    obj_f = objections.filter(objections.family_id.notnull()).select("family_id").distinct()
    p = persons.anti_join(obj_p, "person_id").anti_join(obj_f, "family_id")
    return p.mutate(
        pkey=(ibis.row_number().over(order_by=p.person_id) + 1).cast("int32"),
        fkey=(ibis.dense_rank().over(order_by=p.family_id) + 1).cast("int32"),
    )


def members(ppl, as_of_dates):
    a = as_of_dates
    month_index = a.as_of_date.year() * 12 + a.as_of_date.month()
    born = ppl.birth_year * 12 + ppl.birth_month
    j = ppl.join(
        a,
        [
            ppl.member_from <= a.as_of_date,
            ppl.member_to.isnull() | (ppl.member_to > a.as_of_date),
            born <= month_index,
        ],
    )
    return j.select(
        a.as_of_date, ppl.pkey, ppl.fkey, ppl.sex, ppl.ethnicity,
        age_months=(month_index - born).cast("int32"),
    )


def keyed_events(fs, events, ppl, first: dt.date, last: dt.date):
    """events x people x targets; an event feeds its own target and each group's (an array, unnested)."""
    index = fs.target_index()
    per_event: dict[str, list[int]] = {}
    for key, evs in fs.target_events().items():
        for e in evs:
            if index[key] not in per_event.setdefault(e, []):
                per_event[e].append(index[key])
    targets = ibis.cases(
        *[(events.event == e, ibis.literal(ts, type="array<int32>")) for e, ts in per_event.items()]
    )
    e = events.filter(
        events.recorded_date < ibis.literal(last),
        events.event_date >= months_back(ibis.literal(first), fs.lookback_months),
        events.event.isin(list(per_event)),
    ).mutate(targets=targets)
    j = e.join(ppl, e.person_id == ppl.person_id)
    k = j.select(ppl.fkey, ppl.pkey, e.targets, e.event_date, e.recorded_date)
    return k.unnest("targets").rename(target="targets").select("fkey", "pkey", "target", "event_date", "recorded_date")


def hits(fs, ke, mem):
    edges = fs.bucket_edges
    j = ke.join(mem, ke.pkey == mem.pkey).select(mem.fkey, mem.as_of_date, mem.pkey, ke.target, ke.event_date, ke.recorded_date)
    j = j.filter(
        j.recorded_date < j.as_of_date,
        j.event_date < j.as_of_date,
        j.event_date >= months_back(j.as_of_date, fs.lookback_months),
    )
    if len(edges) == 1:
        bucket = ibis.literal(0)
    else:
        bucket = ibis.cases(
            *[(j.event_date >= months_back(j.as_of_date, w), i) for i, w in enumerate(edges[:-1])],
            else_=len(edges) - 1,
        )
    return j.select("fkey", "as_of_date", "pkey", "target", "event_date", bucket=bucket)


def target_stats(fs, h):
    n = len(fs.bucket_edges)
    per_person = h.group_by(["fkey", "as_of_date", "pkey", "target"]).aggregate(
        **{f"b{i}": ibis.cases((h.bucket == i, 1), else_=0).sum().cast("int32") for i in range(n)},
        last_date=h.event_date.max(),
    )
    recent = sum((per_person[f"b{i}"] for i in fs.members_buckets), ibis.literal(0))
    return per_person.group_by(["fkey", "as_of_date", "target"]).aggregate(
        **{f"b{i}": per_person[f"b{i}"].sum().cast("int32") for i in range(n)},
        members_recent=ibis.cases((recent > 0, 1), else_=0).sum().cast("int32"),
        last_date=per_person.last_date.max(),
    )


def wide(fs, ts):
    index = fs.target_index()
    aggs = {}
    for spec in fs.specs:
        if spec.event is None:
            continue
        if spec.kind == "days_since_last":
            value = ts.as_of_date.delta(ts.last_date, unit="day")
        elif spec.kind == "distinct_members":
            value = ts.members_recent
        else:  # count or trend
            added, subtracted = fs.bucket_terms(spec)
            value = sum((ts[f"b{i}"] for i in added[1:]), ts[f"b{added[0]}"])
            if subtracted:
                value = value - sum((ts[f"b{i}"] for i in subtracted[1:]), ts[f"b{subtracted[0]}"])
        aggs[spec.name] = ibis.cases((ts.target == index[spec.event], value)).max().cast("int32")
    return ts.group_by(["fkey", "as_of_date"]).aggregate(**aggs)


def wide_expr(con, fs, dates: list[dt.date]):
    """The ``wide`` relation for ``dates`` on backend ``con`` (tables: persons, objections, events, as_of_dates)."""
    ppl = people(con.table("persons"), con.table("objections"))
    mem = members(ppl, con.table("as_of_dates"))
    ke = keyed_events(fs, con.table("events"), ppl, min(dates), max(dates))
    return wide(fs, target_stats(fs, hits(fs, ke, mem)))
